package xend

import (
	"context"

	"github.com/xendshim/xendshim/xmlrpc"
)

// xendDomain registers the XendDomain.domain_* methods (§5.3).
func (t *table) xendDomain() {
	s := t.s
	dom := req("domid")
	bound := xmlrpc.BoundMethod()
	py := func(n string) xmlrpc.MethodOption { return xmlrpc.PyName(n) }
	t.reg("xend.domain.new", []xmlrpc.Param{req("config")}, func(ctx context.Context, a []any) (any, error) {
		return void(s.New(ctx, toSXP(a[0])))
	}, py("domain_new"), bound)
	t.reg("xend.domain.start", []xmlrpc.Param{dom, opt("start_paused", true)}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Start(ctx, identArg(a[0]), truth(a[1])))
	}, py("domain_start"), bound)
	t.reg("xend.domain.delete", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Delete(ctx, identArg(a[0])))
	}, py("domain_delete"), bound)
	t.reg("xend.domain.suspend", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Suspend(ctx, identArg(a[0])))
	}, py("domain_suspend"), bound)
	t.reg("xend.domain.resume", []xmlrpc.Param{dom, opt("start_paused", false)}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Resume(ctx, identArg(a[0]), truth(a[1])))
	}, py("domain_resume"), bound)
	t.reg("xend.domain.destroy", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Destroy(ctx, identArg(a[0])))
	}, py("domain_destroy"), bound)
	t.reg("xend.domain.pause", []xmlrpc.Param{dom, opt("state", false)}, func(ctx context.Context, a []any) (any, error) {
		prev, err := s.Pause(ctx, identArg(a[0]))
		if err != nil || !truth(a[1]) {
			return nil, err
		}
		return prev, nil
	}, py("domain_pause"), bound)
	t.reg("xend.domain.unpause", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Unpause(ctx, identArg(a[0])))
	}, py("domain_unpause"), bound)
	// getpauseflag and setpauseflag swallow every error (§5.3): xend kept
	// the flag in its record; the hypervisor's paused state is the truth.
	t.reg("xend.domain.setpauseflag", []xmlrpc.Param{dom, opt("flag", false)}, func(ctx context.Context, a []any) (any, error) {
		return nil, nil
	}, py("domain_setpauseflag"), bound)
	t.reg("xend.domain.getpauseflag", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		paused, ok := s.PauseFlag(ctx, identArg(a[0]))
		if !ok {
			return nil, nil
		}
		return paused, nil
	}, py("domain_getpauseflag"), bound)
	t.reg("xend.domain.save", []xmlrpc.Param{dom, req("dst"), opt("checkpoint", false)}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Save(ctx, identArg(a[0]), pyStr(a[1]), truth(a[2])))
	}, py("domain_save"), bound)
	t.reg("xend.domain.migrate", []xmlrpc.Param{dom, req("dst"), opt("live", false), opt("port", 0), opt("node", -1), opt("ssl", nil), opt("chs", false)}, func(ctx context.Context, a []any) (any, error) {
		port, err := intArg(a[3])
		if err != nil {
			return nil, err
		}
		node, err := intArg(a[4])
		if err != nil {
			return nil, err
		}
		return void(s.Migrate(ctx, identArg(a[0]), Migration{Host: pyStr(a[1]), Port: port, Node: node,
			Live: truth(a[2]), SSL: truth(a[5]), ChangeHome: truth(a[6])}))
	}, py("domain_migrate"), bound)
	t.reg("xend.domain.dump", []xmlrpc.Param{dom, opt("filename", nil), opt("live", false), opt("crash", false), opt("reset", false)}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Dump(ctx, identArg(a[0]), a[1], truth(a[2]), truth(a[3]), truth(a[4])))
	}, py("domain_dump"), bound)
	t.reg("xend.domain.reset", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return void(s.Reset(ctx, identArg(a[0])))
	}, py("domain_reset"), bound)
	t.reg("xend.domain.maxmem_set", []xmlrpc.Param{dom, req("mem")}, func(ctx context.Context, a []any) (any, error) {
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		return void(s.SetMaxMem(ctx, identArg(a[0]), n))
	}, py("domain_maxmem_set"), bound)
	t.reg("xend.domain.pincpu", []xmlrpc.Param{dom, req("vcpu"), req("cpumap")}, func(ctx context.Context, a []any) (any, error) {
		if err := s.PinVCPU(ctx, identArg(a[0]), pyStr(a[1]), pyStr(a[2])); err != nil {
			return nil, err
		}
		return 0, nil
	}, py("domain_pincpu"), bound)
	t.reg("xend.domain.sched_credit_get", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		w, c, err := s.SchedCredit(ctx, identArg(a[0]))
		if err != nil {
			return nil, err
		}
		return xmlrpc.S("cap", c, "weight", w), nil
	}, py("domain_sched_credit_get"), bound)
	t.reg("xend.domain.sched_credit_set", []xmlrpc.Param{dom, opt("weight", nil), opt("cap", nil)}, func(ctx context.Context, a []any) (any, error) {
		w, c, err := optInts(a[1], a[2])
		if err != nil {
			return nil, err
		}
		if err := s.SetSchedCredit(ctx, identArg(a[0]), w, c); err != nil {
			return nil, err
		}
		return 0, nil
	}, py("domain_sched_credit_set"), bound)
	t.reg("xend.domain.sched_credit2_get", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		w, err := s.SchedCredit2(ctx, identArg(a[0]))
		if err != nil {
			return nil, err
		}
		return xmlrpc.S("weight", w), nil
	}, py("domain_sched_credit2_get"), bound)
	t.reg("xend.domain.sched_credit2_set", []xmlrpc.Param{dom, opt("weight", nil)}, func(ctx context.Context, a []any) (any, error) {
		w, _, err := optInts(a[1], nil)
		if err != nil {
			return nil, err
		}
		if err := s.SetSchedCredit2(ctx, identArg(a[0]), w); err != nil {
			return nil, err
		}
		return 0, nil
	}, py("domain_sched_credit2_set"), bound)
	t.reg("xend.domain.cpu_sedf_get", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		v, err := s.SchedSEDF(ctx, identArg(a[0]))
		return fromSXP(v), err
	}, py("domain_cpu_sedf_get"), bound)
	t.reg("xend.domain.cpu_sedf_set", []xmlrpc.Param{dom, req("period"), req("slice"), req("latency"), req("extratime"), req("weight")}, func(ctx context.Context, a []any) (any, error) {
		var n [5]int
		for i := range n {
			v, err := intArg(a[i+1])
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		if err := s.SetSchedSEDF(ctx, identArg(a[0]), n[0], n[1], n[2], n[3], n[4]); err != nil {
			return nil, err
		}
		return 0, nil
	}, py("domain_cpu_sedf_set"), bound)
	t.reg("xend.domain.send_trigger", []xmlrpc.Param{dom, req("trigger_name"), opt("vcpu", 0)}, func(ctx context.Context, a []any) (any, error) {
		vcpu, err := intArg(a[2])
		if err != nil {
			return nil, err
		}
		name := pyStr(a[1])
		if err := s.SendTrigger(ctx, identArg(a[0]), name, vcpu); err != nil {
			return nil, err
		}
		if name == "s3resume" {
			return nil, nil
		}
		return 0, nil
	}, py("domain_send_trigger"), bound)
	// The toolstack has no call for these hypervisor knobs (shadow memory,
	// I/O port permissions, the device model's USB): they are refused
	// rather than pretended.
	unsupported := func(what string) func(ctx context.Context, a []any) (any, error) {
		return func(ctx context.Context, a []any) (any, error) {
			if _, err := s.Domain(ctx, identArg(a[0]), false); err != nil {
				return nil, err
			}
			return nil, xendError("%s is not supported by this host's toolstack", what)
		}
	}
	t.reg("xend.domain.shadow_control", []xmlrpc.Param{dom, req("op")}, unsupported("shadow_control"), py("domain_shadow_control"), bound)
	t.reg("xend.domain.shadow_mem_get", []xmlrpc.Param{dom}, func(ctx context.Context, a []any) (any, error) {
		return s.ShadowMemory(ctx, identArg(a[0]))
	}, py("domain_shadow_mem_get"), bound)
	t.reg("xend.domain.shadow_mem_set", []xmlrpc.Param{dom, req("mb")}, unsupported("shadow_mem_set"), py("domain_shadow_mem_set"), bound)
	t.reg("xend.domain.ioport_range_enable", []xmlrpc.Param{dom, req("first"), req("last")}, unsupported("ioport_range_enable"), py("domain_ioport_range_enable"), bound)
	t.reg("xend.domain.ioport_range_disable", []xmlrpc.Param{dom, req("first"), req("last")}, unsupported("ioport_range_disable"), py("domain_ioport_range_disable"), bound)
	t.reg("xend.domain.usb_add", []xmlrpc.Param{dom, req("dev_id")}, unsupported("usb_add"), py("domain_usb_add"), bound)
	t.reg("xend.domain.usb_del", []xmlrpc.Param{dom, req("dev_id")}, unsupported("usb_del"), py("domain_usb_del"), bound)
	t.reg("xend.domain.configure", []xmlrpc.Param{req("config")}, func(ctx context.Context, a []any) (any, error) {
		return nil, xendError("Unsupported")
	}, py("domain_configure"), bound)
	// These return or take Python objects: unusable over RPC (§5.3).
	for _, m := range []struct {
		name, py string
		params   []xmlrpc.Param
	}{
		{"xend.domain.lookup", "domain_lookup", []xmlrpc.Param{dom}},
		{"xend.domain.lookup_nr", "domain_lookup_nr", []xmlrpc.Param{dom}},
		{"xend.domain.create_from_dict", "domain_create_from_dict", []xmlrpc.Param{req("config_dict")}},
		{"xend.domain.restore_fd", "domain_restore_fd", []xmlrpc.Param{req("fd"), opt("paused", false), opt("relocating", false)}},
		{"xend.domain.delete_by_dominfo", "domain_delete_by_dominfo", []xmlrpc.Param{req("dominfo")}},
	} {
		t.reg(m.name, m.params, func(ctx context.Context, a []any) (any, error) {
			return nil, internalError("cannot marshal <class 'xen.xend.XendDomainInfo.XendDomainInfo'> objects")
		}, py(m.py), bound)
	}
}

// optInts reads two optional int arguments (nil stays nil).
func optInts(a, b any) (*int, *int, error) {
	var pa, pb *int
	if a != nil {
		n, err := intArg(a)
		if err != nil {
			return nil, nil, err
		}
		pa = &n
	}
	if b != nil {
		n, err := intArg(b)
		if err != nil {
			return nil, nil, err
		}
		pb = &n
	}
	return pa, pb, nil
}
