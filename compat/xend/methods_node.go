package xend

import (
	"context"

	"github.com/xendshim/xendshim/xmlrpc"
)

// node registers xend.node.* (§5.4).
func (t *table) node() {
	s := t.s
	t.reg("xend.node.info", []xmlrpc.Param{opt("show_numa", 1)}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.NodeInfo(ctx, truth(a[0]))
		return fromSXP(v), err
	}, xmlrpc.PyName("info"), xmlrpc.BoundMethod())
	t.reg("xend.node.pciinfo", nil, func(ctx context.Context, a []any) (any, error) {
		v, ok, err := s.PCIAssignable(ctx)
		if err != nil || !ok {
			return nil, err
		}
		return fromSXP(v), nil
	}, xmlrpc.PyName("pciinfo"), xmlrpc.BoundMethod())
	t.reg("xend.node.send_debug_keys", []xmlrpc.Param{req("keys")}, func(ctx context.Context, a []any) (any, error) {
		if err := s.SendDebugKeys(ctx, pyStr(a[0])); err != nil {
			return nil, err
		}
		return 0, nil
	}, xmlrpc.PyName("send_debug_keys"), xmlrpc.BoundMethod())
	t.reg("xend.node.dmesg.info", nil, func(ctx context.Context, a []any) (any, error) {
		return s.Dmesg(ctx, false)
	}, xmlrpc.PyName("info"), xmlrpc.BoundMethod())
	t.reg("xend.node.dmesg.clear", nil, func(ctx context.Context, a []any) (any, error) {
		return s.Dmesg(ctx, true)
	}, xmlrpc.PyName("clear"), xmlrpc.BoundMethod())
	// Transcendent memory: the toolstack has none (Xen dropped tmem), so
	// there are no clients and nothing freeable. xend passed the
	// hypervisor's result through; an operation answers -ENOSYS (-38), as
	// a hypervisor without tmem did.
	t.reg("xend.node.tmem_list", []xmlrpc.Param{req("cli_id"), req("use_long")}, func(ctx context.Context, a []any) (any, error) {
		return "", nil
	}, xmlrpc.PyName("tmem_list"), xmlrpc.BoundMethod())
	for _, m := range []struct {
		name   string
		params []xmlrpc.Param
	}{
		{"tmem_freeze", []xmlrpc.Param{req("cli_id")}},
		{"tmem_thaw", []xmlrpc.Param{req("cli_id")}},
		{"tmem_destroy", []xmlrpc.Param{req("cli_id")}},
		{"tmem_flush", []xmlrpc.Param{req("cli_id"), req("pages")}},
		{"tmem_set_weight", []xmlrpc.Param{req("cli_id"), req("arg1")}},
		{"tmem_set_cap", []xmlrpc.Param{req("cli_id"), req("arg1")}},
		{"tmem_set_compress", []xmlrpc.Param{req("cli_id"), req("arg1")}},
		{"tmem_query_freeable_mb", nil},
		{"tmem_shared_auth", []xmlrpc.Param{req("cli_id"), req("uuid_str"), req("auth")}},
	} {
		result := -38
		if m.name == "tmem_query_freeable_mb" {
			result = 0
		}
		t.reg("xend.node."+m.name, m.params, func(ctx context.Context, a []any) (any, error) {
			return result, nil
		}, xmlrpc.PyName(m.name), xmlrpc.BoundMethod())
	}
}

// security registers the XSM "dummy" set (§5.6): getters answer empty
// values, setters raise XSMError (fault 1, its repr with the quotes).
func (t *table) security() {
	notSupported := func(ctx context.Context, a []any) (any, error) {
		return nil, internalError("\"Command not supported under XSM 'dummy' module.\"")
	}
	value := func(v any) func(ctx context.Context, a []any) (any, error) {
		return func(ctx context.Context, a []any) (any, error) { return v, nil }
	}
	sec := []struct {
		name   string
		params []xmlrpc.Param
		fn     func(ctx context.Context, a []any) (any, error)
	}{
		{"set_resource_label", []xmlrpc.Param{req("resource"), req("policytype"), req("policyref"), req("reslabel"), opt("oreslabel", nil)}, notSupported},
		{"get_resource_label", []xmlrpc.Param{req("resource")}, value("")},
		{"list_labels", []xmlrpc.Param{req("policy"), req("type")}, value([]any{})},
		{"get_labeled_resources", nil, value(xmlrpc.Struct{})},
		{"set_policy", []xmlrpc.Param{req("xs_type"), req("xml"), req("flags"), req("overwrite")}, notSupported},
		{"reset_policy", nil, notSupported},
		{"get_policy", nil, value([]any{"", 0})},
		{"activate_policy", []xmlrpc.Param{req("xspol"), req("flags")}, notSupported},
		{"rm_bootpolicy", nil, notSupported},
		{"get_xstype", nil, value(0)},
		{"get_domain_label", []xmlrpc.Param{req("domain")}, value("")},
		{"set_domain_label", []xmlrpc.Param{req("domain"), req("seclab"), opt("old_seclab", nil)}, notSupported},
	}
	for _, m := range sec {
		t.reg("xend.security."+m.name, m.params, m.fn, xmlrpc.PyName(m.name))
	}
}
