package sim_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// TestKernelNotes checks the reference host's guest kernel carries the
// notes the golden captures show, in the kernel's order, and how other
// paths answer.
func TestKernelNotes(t *testing.T) {
	s, _, _ := newSim(t, sim.ReferenceProfile())
	tests := []struct {
		path      string
		wantFirst string // first note's name, "" for none
		wantLen   int
		wantErr   error
	}{
		{"/var/lib/xen/boot/vmlinuz-guest", "FEATURES", 14, nil},
		{"/var/lib/xen/boot/../boot/vmlinuz-guest", "FEATURES", 14, nil},
		{"/var/lib/xen/boot/initrd-guest", "", 0, nil},
		{"/var/lib/xen/boot/nosuch", "", 0, toolstack.ErrNotFound},
		{"var/lib/xen/boot/vmlinuz-guest", "", 0, toolstack.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := s.KernelNotes(ctx, tt.path)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("KernelNotes(%s) error = %v; want %v", tt.path, err, tt.wantErr)
			}
			if len(got) != tt.wantLen {
				t.Fatalf("KernelNotes(%s) = %d notes; want %d", tt.path, len(got), tt.wantLen)
			}
			if tt.wantLen > 0 && got[0].Key != tt.wantFirst {
				t.Errorf("KernelNotes(%s)[0] = %s; want %s", tt.path, got[0].Key, tt.wantFirst)
			}
		})
	}
	notes, _ := s.KernelNotes(ctx, "/var/lib/xen/boot/vmlinuz-guest")
	var keys []string
	for _, n := range notes {
		keys = append(keys, n.Key)
	}
	// specs/xmlrpc.md §6.4, observed order.
	want := "FEATURES VIRT_BASE GUEST_VERSION PADDR_OFFSET HYPERCALL_PAGE LOADER INIT_P2M PAE_MODE ENTRY HV_START_LOW GUEST_OS SUSPEND_CANCEL XEN_VERSION MOD_START_PFN"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("reference notes order = %s; want %s", got, want)
	}
	if v, _ := notes.Get("HV_START_LOW"); v != "18446603336221196288" {
		t.Errorf("HV_START_LOW = %s; want 18446603336221196288", v)
	}
	notes[0].Value = "changed"
	if again, _ := s.KernelNotes(ctx, "/var/lib/xen/boot/vmlinuz-guest"); again[0].Value == "changed" {
		t.Errorf("KernelNotes returned the profile's own slice; a caller's change leaked into it")
	}
}

// TestKernelNotesInGoldenCapture checks the reference notes against the
// shared capture of xend building a guest from that kernel.
func TestKernelNotesInGoldenCapture(t *testing.T) {
	b, err := os.ReadFile("../../../shared/golden/http/009-create-pv.response.http")
	if err != nil {
		t.Skipf("shared golden captures not beside the tree: %v", err)
	}
	var parts []string
	for _, n := range sim.ReferenceProfile().KernelNotes["/var/lib/xen/boot/vmlinuz-guest"] {
		v := n.Value
		if strings.ContainsAny(v, "|!") { // sxp quotes these
			v = "'" + v + "'"
		}
		parts = append(parts, "("+n.Key+" "+v+")")
	}
	want := "(notes " + strings.Join(parts, " ") + ")"
	if !strings.Contains(string(b), want) {
		t.Errorf("http/009-create-pv does not contain the reference notes %s", want)
	}
}

// TestProfileKernelNotes checks kernel_notes in a profile file: order kept,
// bad entries refused with the reason, and a file without them has none.
func TestProfileKernelNotes(t *testing.T) {
	ref, err := readReference()
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{}
	if err := json.Unmarshal([]byte(ref), &base); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		notes   any
		wantErr string
		wantLen int
	}{
		{"absent", nil, "", 0},
		{"ordered", map[string]any{"/boot/k": json.RawMessage(`{"Z":"1","A":"2"}`)}, "", 2},
		{"relative path", map[string]any{"boot/k": map[string]string{"A": "1"}}, "clean absolute path", 0},
		{"unclean path", map[string]any{"/boot/../k": map[string]string{"A": "1"}}, "clean absolute path", 0},
		{"repeated note", map[string]any{"/boot/k": json.RawMessage(`{"A":"1","A":"2"}`)}, "given twice", 0},
		{"unnamed note", map[string]any{"/boot/k": json.RawMessage(`{"":"1"}`)}, "no name", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			if tt.notes != nil {
				m["kernel_notes"] = tt.notes
			}
			b, _ := json.Marshal(m)
			p, err := sim.ParseProfile(b)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseProfile(kernel_notes %s) = %v; want an error with %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseProfile(kernel_notes %s) = %v", tt.name, err)
			}
			n := 0
			for _, l := range p.KernelNotes {
				n += len(l)
			}
			if n != tt.wantLen {
				t.Fatalf("ParseProfile(kernel_notes %s) has %d notes; want %d", tt.name, n, tt.wantLen)
			}
			if tt.name == "ordered" && p.KernelNotes["/boot/k"][0].Key != "Z" {
				t.Errorf("kernel_notes order = %v; want Z first", p.KernelNotes["/boot/k"])
			}
		})
	}
}
