package xend

import (
	"context"
	"fmt"
	"testing"
)

// TestFaults calls methods that fail and checks the fault code and string
// xend gave (§3.2, §3.4).
func TestFaults(t *testing.T) {
	svc := simService(t)
	create(t, svc, `(vm (name g) (memory 64) (maxmem 128) (vcpus 2) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	d := NewDispatcher(svc)
	ctx := context.Background()
	tests := []struct {
		method string
		args   []any
		code   int
		text   string
	}{
		{"xend.domain", []any{"nosuch"}, 3, "nosuch"},
		{"xend.domain", []any{"a<b&c", 1}, 3, "a<b&c"},
		{"xend.domain.pause", []any{}, 1, "domain_pause() takes at least 2 arguments (1 given)"},
		{"xend.domain.create", []any{}, 1, "domain_create() takes exactly 1 argument (0 given)"},
		{"xend.cpu_pool.list", []any{}, 1, "pool_list() takes exactly 2 arguments (1 given)"},
		{"xend.domain.send_sysrq", []any{"g", "ab"}, 1, "ab is not convertible to a character"},
		{"xend.security.set_policy", []any{"x", "y", 0, 0}, 1, `"Command not supported under XSM 'dummy' module."`},
		{"xend.domain.configure", []any{[]any{"vm"}}, 2, "Unsupported"},
		{"xend.domain.pause", []any{0}, 2, "Cannot pause privileged domain 0"},
		{"xend.domain.destroy", []any{"Domain-0"}, 2, "Cannot destroy privileged domain Domain-0"},
		{"xend.domain.save", []any{0, "/x"}, 2, "Cannot save privileged domain 0"},
		{"xend.domain.shutdown", []any{"0", "poweroff"}, 2, "Domain 0 cannot be shutdown"},
		{"xend.domain.shutdown", []any{"g", "explode"}, 2, "Invalid reason: explode"},
		{"xend.domain.setMemoryTarget", []any{"g", 4096}, 2, "memory_dynamic_max must be less than or equal to memory_static_max"},
		{"xend.domain.setVCpuCount", []any{"g", 8}, 2, "Cannot set vcpus greater than max vcpus on running domain"},
		{"xend.domain.setVCpuCount", []any{"g", 0}, 2, "Zero or less VCPUs is invalid"},
		{"xend.domain.sched_credit_set", []any{"g", 70000}, 2, "Cpu weight out of range, valid values are within range from 1 to 65535"},
		{"xend.domain.sched_credit2_get", []any{"g"}, 2, "(22, 'Invalid argument')"},
		{"xend.domain.send_trigger", []any{"g", "frob"}, 2, "Invalid trigger: frob"},
		{"xend.domain.setName", []any{"g", "Domain-0"}, 2, "VM name 'Domain-0' already exists as domain 0"},
		{"xend.domain.start", []any{"g"}, 2, "Domain is already running"},
		{"xend.domain.delete", []any{"g"}, 2, "Domain is not halted."},
		{"xend.domain.delete", []any{"nosuch"}, 2, "<Fault 3: 'nosuch'>"},
		{"xend.domain.suspend", []any{"g"}, 2, "Domain is not managed by Xend lifecycle support."},
		{"xend.domain.destroyDevice", []any{"g", "vbd", "xvdz", nil, true}, 2, "Device 268441856 not connected"},
		{"xend.domain.restore", []any{"/var/lib/xen/save/none"}, 2, "can't read guest state file /var/lib/xen/save/none: No such file or directory"},
		{"xend.cpu_pool.start", []any{"nopool"}, 2, "unknown pool nopool"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			_, err := d.Call(ctx, tt.method, tt.args)
			f := FaultOf(err)
			if f == nil {
				t.Fatalf("%s(%v) succeeded; want fault %d %q", tt.method, tt.args, tt.code, tt.text)
			}
			if f.Code != tt.code || fmt.Sprint(f.String) != tt.text {
				t.Errorf("%s(%v) = fault %d %q; want fault %d %q", tt.method, tt.args, f.Code, f.String, tt.code, tt.text)
			}
		})
	}
}
