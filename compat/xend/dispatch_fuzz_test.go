package xend

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// FuzzMethods calls every method of the table with fuzzed arguments (an
// SXP list read as the XML-RPC argument array) on a simulator: no call may
// panic, and every failure must be a fault with code 1, 2 or 3.
func FuzzMethods(f *testing.F) {
	dir := f.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := New(sm, Options{DomainsPath: filepath.Join(dir, "domains")})
	if err != nil {
		f.Fatal(err)
	}
	d := NewDispatcher(svc)
	names := d.Methods()
	for i := range names {
		f.Add(uint8(i), `(Domain-0)`)
		f.Add(uint8(i), `(0 1 2)`)
	}
	f.Add(uint8(0), `((vm (name f) (memory 32) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))))`)
	f.Fuzz(func(t *testing.T, m uint8, text string) {
		v, err := sxp.ParseString(text)
		if err != nil || !v.IsList() {
			return
		}
		args, _ := fromSXP(numbers(v)).([]any)
		name := names[int(m)%len(names)]
		if name == "xend.node.dmesg.clear" || name == "xend.domain.migrate" {
			return
		}
		_, err = d.Call(context.Background(), name, args)
		if err == nil {
			return
		}
		fault := FaultOf(err)
		if fault.Code < 1 || fault.Code > 3 {
			t.Fatalf("%s(%v) = fault %d; want 1, 2 or 3", name, args, fault.Code)
		}
		if s, ok := fault.String.(string); ok && strings.HasPrefix(s, "internal error in") {
			t.Fatalf("%s(%v) panicked: %s", name, args, s)
		}
	})
}

// numbers turns atoms that read as integers into ints, as xm sends them.
func numbers(v sxp.Value) sxp.Value {
	if v.IsList() {
		items := make([]sxp.Value, v.Len())
		for i, e := range v.Items() {
			items[i] = numbers(e)
		}
		return sxp.List(items...)
	}
	if n, err := v.AsInt(); err == nil && v.Kind() == sxp.KindAtom {
		return sxp.Int(n)
	}
	return v
}
