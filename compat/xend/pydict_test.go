package xend

import (
	"strings"
	"testing"
)

// The orders below are observed in golden/xmlrpc captures (device entries of
// full domain records and the ELF notes of a restored domain).
func TestPyDictOrder(t *testing.T) {
	tests := []struct{ name, insert, want string }{
		{"vif with vifname", "bridge mac uuid backend script vifname", "bridge uuid script mac vifname backend"},
		{"vif with model and type", "bridge mac uuid backend script model type", "bridge uuid script mac model type backend"},
		{"vif plain", "bridge mac uuid backend script", "bridge mac script uuid backend"},
		{"vfb five keys", "vncunused vnclisten vnc uuid keymap", "vncunused vnclisten vnc uuid keymap"},
		{"vfb with xauthority", "vncunused vnclisten vnc uuid xauthority keymap", "vncunused vnc uuid vnclisten keymap xauthority"},
		{"sched credit", "weight cap", "cap weight"},
		{"elf notes", "FEATURES VIRT_BASE GUEST_VERSION PADDR_OFFSET HYPERCALL_PAGE LOADER INIT_P2M PAE_MODE ENTRY HV_START_LOW GUEST_OS SUSPEND_CANCEL XEN_VERSION MOD_START_PFN",
			"HV_START_LOW FEATURES VIRT_BASE GUEST_VERSION PADDR_OFFSET GUEST_OS HYPERCALL_PAGE LOADER INIT_P2M SUSPEND_CANCEL PAE_MODE ENTRY XEN_VERSION MOD_START_PFN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(pyDictOrder(strings.Fields(tt.insert)), " ")
			if got != tt.want {
				t.Errorf("pyDictOrder(%s) = %s; want %s", tt.insert, got, tt.want)
			}
		})
	}
}
