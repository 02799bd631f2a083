package xend

import (
	"context"

	"github.com/xendshim/xendshim/xmlrpc"
)

// NewDispatcher returns an xmlrpc.Dispatcher configured as xend's legacy
// server was (top-level string results repr-escaped, §2.6) with every
// xend.* method of RegisterMethods registered. Serve it with the xmlrpc
// server on /var/run/xend/xmlrpc.sock.
func NewDispatcher(svc *Service) *xmlrpc.Dispatcher {
	d := xmlrpc.NewDispatcher(xmlrpc.ReprStrings())
	RegisterMethods(d, svc)
	return d
}

// RegisterMethods registers on d the 91 xend.* methods that, with the three
// system.* introspection methods of xmlrpc.NewDispatcher, make the 94 names
// of xend's system.listMethods (§5.7, dummy XSM), each with xend's
// parameters and defaults. d must repr-escape top-level strings
// (xmlrpc.ReprStrings), as NewDispatcher's is.
func RegisterMethods(d *xmlrpc.Dispatcher, svc *Service) {
	t := &table{d: d, s: svc}
	t.domains()
	t.domainInfo()
	t.xendDomain()
	t.node()
	t.pools()
	t.security()
}

type table struct {
	d *xmlrpc.Dispatcher
	s *Service
}

var (
	req = xmlrpc.Required
	opt = xmlrpc.Optional
)

// fn wraps a handler so that Service errors become xend's faults (FaultOf
// is the only mapping).
func (t *table) reg(name string, params []xmlrpc.Param, h func(ctx context.Context, a []any) (any, error), opts ...xmlrpc.MethodOption) {
	t.d.Register(name, params, func(ctx context.Context, a []any) (any, error) {
		v, err := h(ctx, a)
		if err != nil {
			return nil, FaultOf(err)
		}
		return v, nil
	}, opts...)
}

// void adapts an error-only operation to a nil reply.
func void(err error) (any, error) { return nil, err }

func (t *table) domains() {
	s := t.s
	t.reg("xend.domains", []xmlrpc.Param{opt("detail", true), opt("full", false)}, func(ctx context.Context, a []any) (any, error) {
		if truth(a[0]) {
			return s.listRecords(ctx, "running", truth(a[1]))
		}
		names, err := s.DomainNamesWithState(ctx, "running")
		return anyStrings(names), err
	}, xmlrpc.PyName("domains"))
	t.reg("xend.domains_with_state", []xmlrpc.Param{req("detail"), req("state"), req("full")}, func(ctx context.Context, a []any) (any, error) {
		state := pyStr(a[1])
		if truth(a[0]) {
			return s.listRecords(ctx, state, truth(a[2]))
		}
		names, err := s.DomainNamesWithState(ctx, state)
		return anyStrings(names), err
	}, xmlrpc.PyName("domains_with_state"))
	t.reg("xend.domain", []xmlrpc.Param{req("domid"), opt("full", 0)}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.Domain(ctx, identArg(a[0]), truth(a[1]))
		return fixedRecord(v), err
	}, xmlrpc.PyName("domain"))
	t.reg("xend.domain.create", []xmlrpc.Param{req("config")}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.Create(ctx, toSXP(a[0]))
		return fixedRecord(v), err
	}, xmlrpc.PyName("domain_create"))
	t.reg("xend.domain.restore", []xmlrpc.Param{req("src"), opt("paused", false)}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.Restore(ctx, pyStr(a[0]), truth(a[1]))
		return fixedRecord(v), err
	}, xmlrpc.PyName("domain_restore"))
	t.reg("xend.node.log", nil, func(ctx context.Context, a []any) (any, error) {
		return s.Log(ctx)
	}, xmlrpc.PyName("get_log"))
}

func anyStrings(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// domainInfo registers the 13 XendDomainInfo dispatchers (§5.2).
func (t *table) domainInfo() {
	s := t.s
	lam := xmlrpc.PyName("<lambda>")
	dom := req("domid")
	t.reg("xend.domain.device_create", []xmlrpc.Param{dom, req("dev_config")}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.DeviceCreate(ctx, identArg(a[0]), toSXP(a[1]))
		return fromSXP(v), err
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.device_configure", []xmlrpc.Param{dom, req("dev_config"), opt("devid", nil)}, func(ctx context.Context, a []any) (any, error) {
		if err := s.DeviceConfigure(ctx, identArg(a[0]), toSXP(a[1])); err != nil {
			return nil, err
		}
		return true, nil
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.destroyDevice", []xmlrpc.Param{dom, req("devclass"), req("devid"), opt("force", false), opt("rm_cfg", false)}, func(ctx context.Context, a []any) (any, error) {
		return void(s.DestroyDevice(ctx, identArg(a[0]), pyStr(a[1]), pyStr(a[2]), truth(a[3]), truth(a[4])))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.getDeviceSxprs", []xmlrpc.Param{dom, req("deviceClass")}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.DeviceSxprs(ctx, identArg(a[0]), pyStr(a[1]))
		if err != nil || pyStr(a[1]) != "pci" {
			return fromSXP(v), err
		}
		out := []any{}
		for _, dev := range v.Items() {
			st := xmlrpc.Struct{}
			for _, kv := range dev.Args() {
				st = append(st, xmlrpc.Member{Name: kv.Name(), Value: kv.Index(1).Text()})
			}
			out = append(out, st)
		}
		return out, nil
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.setMemoryTarget", []xmlrpc.Param{dom, req("target")}, func(ctx context.Context, a []any) (any, error) {
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		return void(s.SetMemoryTarget(ctx, identArg(a[0]), n))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.setName", []xmlrpc.Param{dom, req("name")}, func(ctx context.Context, a []any) (any, error) {
		return void(s.SetName(ctx, identArg(a[0]), pyStr(a[1])))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.setVCpuCount", []xmlrpc.Param{dom, req("vcpus")}, func(ctx context.Context, a []any) (any, error) {
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		return void(s.SetVCPUCount(ctx, identArg(a[0]), n))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.shutdown", []xmlrpc.Param{dom, req("reason")}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Shutdown(ctx, identArg(a[0]), pyStr(a[1])))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.send_sysrq", []xmlrpc.Param{dom, req("key")}, func(ctx context.Context, a []any) (any, error) {
		return void(s.SendSysrq(ctx, identArg(a[0]), pyStr(a[1])))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.getVCPUInfo", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.VCPUInfo(ctx, identArg(a[0]))
		return fromSXP(v), err
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.waitForDevices", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.WaitForDevices(ctx, identArg(a[0])))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.getRestartCount", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return s.RestartCount(ctx, identArg(a[0]))
	}, lam, xmlrpc.Variadic())
	t.reg("xend.domain.getBlockDeviceClass", []xmlrpc.Param{dom, req("devid")}, func(ctx context.Context, a []any) (any, error) {
		cls, ok, err := s.BlockDeviceClass(ctx, identArg(a[0]), pyStr(a[1]))
		if err != nil || !ok {
			return nil, err
		}
		return cls, nil
	}, lam, xmlrpc.Variadic())
}
