package xend

import (
	"context"
	"strings"
	"testing"
)

// listMethods is §5.7 verbatim (dummy XSM), sorted.
const listMethods = `system.listMethods system.methodHelp system.methodSignature
xend.cpu_pool.cpu_add xend.cpu_pool.cpu_remove xend.cpu_pool.create xend.cpu_pool.delete
xend.cpu_pool.destroy xend.cpu_pool.list xend.cpu_pool.migrate xend.cpu_pool.new xend.cpu_pool.start
xend.domain xend.domain.configure xend.domain.cpu_sedf_get xend.domain.cpu_sedf_set
xend.domain.create xend.domain.create_from_dict xend.domain.delete xend.domain.delete_by_dominfo
xend.domain.destroy xend.domain.destroyDevice xend.domain.device_configure xend.domain.device_create
xend.domain.dump xend.domain.getBlockDeviceClass xend.domain.getDeviceSxprs
xend.domain.getRestartCount xend.domain.getVCPUInfo xend.domain.getpauseflag
xend.domain.ioport_range_disable xend.domain.ioport_range_enable xend.domain.lookup
xend.domain.lookup_nr xend.domain.maxmem_set xend.domain.migrate xend.domain.new
xend.domain.pause xend.domain.pincpu xend.domain.reset xend.domain.restore xend.domain.restore_fd
xend.domain.resume xend.domain.save xend.domain.sched_credit2_get xend.domain.sched_credit2_set
xend.domain.sched_credit_get xend.domain.sched_credit_set xend.domain.send_sysrq
xend.domain.send_trigger xend.domain.setMemoryTarget xend.domain.setName
xend.domain.setVCpuCount xend.domain.setpauseflag xend.domain.shadow_control
xend.domain.shadow_mem_get xend.domain.shadow_mem_set xend.domain.shutdown xend.domain.start
xend.domain.suspend xend.domain.unpause xend.domain.usb_add xend.domain.usb_del
xend.domain.waitForDevices xend.domains xend.domains_with_state
xend.node.dmesg.clear xend.node.dmesg.info xend.node.info xend.node.log xend.node.pciinfo
xend.node.send_debug_keys xend.node.tmem_destroy xend.node.tmem_flush xend.node.tmem_freeze
xend.node.tmem_list xend.node.tmem_query_freeable_mb xend.node.tmem_set_cap
xend.node.tmem_set_compress xend.node.tmem_set_weight xend.node.tmem_shared_auth
xend.node.tmem_thaw xend.security.activate_policy xend.security.get_domain_label
xend.security.get_labeled_resources xend.security.get_policy xend.security.get_resource_label
xend.security.get_xstype xend.security.list_labels xend.security.reset_policy
xend.security.rm_bootpolicy xend.security.set_domain_label xend.security.set_policy
xend.security.set_resource_label`

func TestListMethods(t *testing.T) {
	svc, err := New(nil, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDispatcher(svc)
	got, err := d.Call(context.Background(), "system.listMethods", nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range got.([]any) {
		names = append(names, n.(string))
	}
	want := strings.Fields(listMethods)
	if len(want) != 94 {
		t.Fatalf("spec list has %d names; want 94", len(want))
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("system.listMethods() = %v\nwant %v", names, want)
	}
}

func TestConfigureIsUnsupported(t *testing.T) {
	svc, _ := New(nil, Options{NoStore: true})
	_, err := NewDispatcher(svc).Call(context.Background(), "xend.domain.configure", []any{[]any{"vm"}})
	f := FaultOf(err)
	if f == nil || f.Code != 2 || f.String != "Unsupported" {
		t.Errorf("xend.domain.configure(['vm']) = %v; want fault 2 Unsupported", err)
	}
}
