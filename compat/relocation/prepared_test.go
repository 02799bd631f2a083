package relocation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/prepare"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
)

// TestPreparedMode: a peer with prepared = true may send a domain only
// after it was registered on the receiver for that peer; the domain stays
// home otherwise, and a registration admits one migration.
func TestPreparedMode(t *testing.T) {
	var store *prepare.Store
	w := newWorld(t, loopback{}, func(w *world) {
		pol, err := policy.Parse([]byte(strings.Replace(policyText, `may_send = { names = ["web*"] }`, "prepared = true\nmay_send = { names = [\"web*\"] }", 1)), false)
		if err != nil {
			t.Fatal(err)
		}
		pol.HostRoot = t.TempDir()
		w.recv.Policy = pol
		if store, err = prepare.Open(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		w.recv.Prepared = store
	})
	ctx := context.Background()
	id, uuid := w.guest(guestConfig("web1"))
	migrate := func() (*relocation.Result, error) {
		return w.send.Migrate(ctx, id, "dst", w.addr, relocation.Options{})
	}
	refused := func(step, want string) {
		t.Helper()
		_, err := migrate()
		var pe *xmp.PeerError
		if !errors.As(err, &pe) || pe.Code != xmp.CodePolicy || !strings.Contains(pe.Reason, want) {
			t.Fatalf("%s: migration = %v; want REJECT policy saying %q", step, err, want)
		}
		if c := w.find(uuid); c.where != "src" || c.running != 1 || w.dstTS.calls.Load() != 0 {
			t.Fatalf("%s: copies %+v, %d receiver calls; want it home, untouched", step, c, w.dstTS.calls.Load())
		}
	}
	refused("not registered", "was not prepared on this host")
	now := time.Now()
	store.Add(prepare.Entry{UUID: uuid, Peer: "xendshim://host/other", Expires: now.Add(time.Hour)}, now)
	refused("registered for another peer", "was prepared for xendshim://host/other")
	store.Add(prepare.Entry{UUID: uuid, Peer: "xendshim://host/src", Expires: now.Add(time.Hour)}, now)
	res, err := migrate()
	if err != nil || res.Outcome != relocation.OutcomeCommitted {
		t.Fatalf("prepared migration = %+v, %v; want committed\naudit: %s", res, err, w.audit())
	}
	if c := w.find(uuid); c.where != "dst" || c.running != 1 {
		t.Fatalf("after the prepared migration: %+v; want one copy on dst", c)
	}
	if err := store.Check(uuid, "xendshim://host/src", time.Now()); !errors.Is(err, prepare.ErrNotPrepared) {
		t.Errorf("registration after the commit: Check = %v; want it used up", err)
	}
	if !strings.Contains(w.audit(), `"rule":"peer xendshim://host/src prepared"`) {
		t.Errorf("audit does not name the prepared rule:\n%s", w.audit())
	}
}
