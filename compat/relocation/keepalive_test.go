package relocation_test

import (
	"context"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/toolstack"
)

// slow makes a backend's migration calls take longer than the peers' idle
// limit, as saving or restoring a large guest does on a real host.
type slow struct {
	relocation.Backend
	send, receive time.Duration
}

func (s slow) MigrateSend(ctx context.Context, id toolstack.Domid, w io.Writer, o toolstack.MigrateOptions) error {
	time.Sleep(s.send)
	return s.Backend.MigrateSend(ctx, id, w, o)
}

func (s slow) MigrateReceive(ctx context.Context, r io.Reader, o toolstack.ReceiveOptions) (toolstack.Domid, error) {
	time.Sleep(s.receive)
	return s.Backend.MigrateReceive(ctx, r, o)
}

// TestSlowParkAndRestore: parking on the sender and restoring on the
// receiver each take longer than the idle limit (2 s here); KEEPALIVE
// frames keep both sides waiting, and the domain lands once.
func TestSlowParkAndRestore(t *testing.T) {
	w := newWorld(t, loopback{}, func(w *world) {
		w.send.TS = slow{Backend: w.src, send: 3 * time.Second}
		w.recv.TS = slow{Backend: w.dstTS, receive: 3 * time.Second}
	})
	id, uuid := w.guest(guestConfig("web1"))
	res, err := w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{})
	if err != nil {
		t.Fatalf("migration with a slow park and restore = %v\naudit: %s", err, w.audit())
	}
	if c := w.find(uuid); res.Outcome != relocation.OutcomeCommitted || c.running != 1 || c.paused != 0 || c.where != "dst" {
		t.Fatalf("after the migration: %+v, copies %+v; want one running copy on dst", res, c)
	}
	// The audit records say where the time went: 3 s parking on the
	// sender, 3 s restoring on the receiver.
	for _, want := range []string{`"role":"send".*"phases":"[^"]*suspend=3(\.\d+)?s`, `"role":"receive".*"phases":"[^"]*restore=3(\.\d+)?s`} {
		if !regexp.MustCompile(want).MatchString(w.audit()) {
			t.Errorf("audit has no %s:\n%s", want, w.audit())
		}
	}
}
