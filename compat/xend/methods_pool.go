package xend

import (
	"context"

	"github.com/xendshim/xendshim/xmlrpc"
)

// pools registers xend.cpu_pool.* (§5.5). The toolstack knows one pool,
// Pool-0, holding every host CPU; changing pools is refused with xend's
// VmError list.
func (t *table) pools() {
	s := t.s
	refuse := func(ctx context.Context, a []any) (any, error) {
		return nil, &Error{Code: CodeGeneric, Value: []any{"POOL_BAD_STATE", "CPU pools cannot be changed on this toolstack"}}
	}
	unknown := func(ctx context.Context, a []any) (any, error) {
		name := pyStr(a[0])
		if name == "Pool-0" {
			return refuse(ctx, a)
		}
		return nil, xendError("unknown pool %s", name)
	}
	t.reg("xend.cpu_pool.create", []xmlrpc.Param{req("config")}, refuse, xmlrpc.PyName("pool_create"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.new", []xmlrpc.Param{req("config")}, refuse, xmlrpc.PyName("pool_new"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.start", []xmlrpc.Param{req("poolname")}, unknown, xmlrpc.PyName("pool_start"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.destroy", []xmlrpc.Param{req("poolname")}, unknown, xmlrpc.PyName("pool_destroy"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.delete", []xmlrpc.Param{req("poolname")}, unknown, xmlrpc.PyName("pool_delete"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.cpu_add", []xmlrpc.Param{req("poolname"), req("cpu")}, unknown, xmlrpc.PyName("pool_cpu_add"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.cpu_remove", []xmlrpc.Param{req("poolname"), req("cpu")}, unknown, xmlrpc.PyName("pool_cpu_remove"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.migrate", []xmlrpc.Param{req("domname"), req("poolname")}, func(ctx context.Context, a []any) (any, error) {
		if _, err := s.Domain(ctx, identArg(a[0]), false); err != nil {
			return nil, err
		}
		return unknown(ctx, a[1:])
	}, xmlrpc.PyName("pool_migrate"), xmlrpc.BoundMethod())
	t.reg("xend.cpu_pool.list", []xmlrpc.Param{req("names")}, func(ctx context.Context, a []any) (any, error) {
		return s.poolList(ctx, a[0])
	}, xmlrpc.PyName("pool_list"), xmlrpc.BoundMethod())
}

// poolList renders Pool-0 as map2sxp did (§5.5).
func (s *Service) poolList(ctx context.Context, names any) (any, error) {
	if list, ok := names.([]any); ok && len(list) > 0 {
		found := false
		for _, n := range list {
			if pyStr(n) == "Pool-0" {
				found = true
			}
		}
		if !found {
			return []any{}, nil
		}
	}
	hi, err := s.ts.HostInfo(ctx)
	if err != nil {
		return nil, tsErr(err)
	}
	vms, err := s.DomainNamesWithState(ctx, "running")
	if err != nil {
		return nil, err
	}
	cpus := []any{"host_CPU_numbers"}
	for i := 0; i < hi.Phys.NrCPUs; i++ {
		cpus = append(cpus, i)
	}
	started := []any{"started_VM_names"}
	for _, n := range vms {
		started = append(started, n)
	}
	rec := []any{"00000000-0000-0000-0000-000000000000",
		[]any{"sched_policy", hi.Sched.Name}, started, []any{"host_CPUs"}, []any{"other_config"},
		[]any{"name_label", "Pool-0"}, []any{"activated", true}, []any{"ncpu", hi.Phys.NrCPUs},
		[]any{"resident_on", "00000000-0000-0000-0000-000000000000"}, []any{"proposed_CPUs"},
		[]any{"auto_power_on", 1}, []any{"name_description", "Pool-0"}, cpus, []any{"started_VMs"}}
	return []any{rec}, nil
}
