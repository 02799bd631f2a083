package xend

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

func TestAutostartAndXendStop(t *testing.T) {
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{DomainsPath: filepath.Join(dir, "domains"), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []string{
		`(vm (name auto) (memory 64) (on_xend_start start) (on_xend_stop suspend) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`,
		`(vm (name manual) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`,
	} {
		v, err := sxp.ParseString(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.New(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if got := svc.Autostart(ctx); !reflect.DeepEqual(got, []string{"auto"}) {
		t.Errorf("Autostart() = %v; want [auto]", got)
	}
	running, _ := svc.DomainNamesWithState(ctx, "running")
	if !reflect.DeepEqual(running, []string{"Domain-0", "auto"}) {
		t.Errorf("running after Autostart = %v; want [Domain-0 auto]", running)
	}
	svc.XendStop(ctx)
	suspended, _ := svc.DomainNamesWithState(ctx, "suspended")
	if !reflect.DeepEqual(suspended, []string{"auto"}) {
		t.Errorf("suspended after XendStop = %v; want [auto]", suspended)
	}
	if err := svc.Resume(ctx, Name("auto"), false); err != nil {
		t.Fatalf("Resume(auto) = %v", err)
	}
	running, _ = svc.DomainNamesWithState(ctx, "running")
	if !reflect.DeepEqual(running, []string{"Domain-0", "auto"}) {
		t.Errorf("running after Resume = %v; want [Domain-0 auto]", running)
	}
}
