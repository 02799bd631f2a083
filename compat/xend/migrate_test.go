package xend

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack/sim"
)

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var sent []Migration
	svc, err := New(sm, Options{NoStore: true, Migrate: func(ctx context.Context, m Migration) error {
		sent = append(sent, m)
		return sm.Destroy(ctx, m.Domid) // the domain left this host
	}})
	if err != nil {
		t.Fatal(err)
	}
	create(t, svc, `(vm (name mig) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	d := NewDispatcher(svc)
	ctx := context.Background()
	tests := []struct {
		name string
		args []any
		want string // "" for success, else the fault text
	}{
		{"dom0", []any{0, "peer", 1, 0, -1, nil, 0}, "Cannot migrate privileged domain 0"},
		{"nosuch", []any{"nosuch", "peer"}, "nosuch"},
		{"ssl default port", []any{"mig", "peer", 1, 0, -1, 1, 0}, ""},
		{"gone afterwards", []any{"mig", "peer"}, "mig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Call(ctx, "xend.domain.migrate", tt.args)
			got := ""
			if err != nil {
				got = FaultOf(err).Text()
			}
			if got != tt.want {
				t.Errorf("migrate(%v) = %q; want %q", tt.args, got, tt.want)
			}
		})
	}
	if len(sent) != 1 || sent[0].Port != 8003 || !sent[0].SSL || !sent[0].Live || sent[0].Name != "mig" {
		t.Errorf("sent = %+v; want one live SSL migration of mig to port 8003", sent)
	}
	plain, _ := New(sm, Options{NoStore: true})
	create(t, plain, `(vm (name mig2) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	if err := plain.Migrate(ctx, Name("mig2"), Migration{Host: "peer"}); err == nil || !strings.Contains(err.Error(), "no relocation sender") {
		t.Errorf("Migrate without a sender = %v; want a clear refusal", err)
	}
}
