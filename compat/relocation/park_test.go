package relocation_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/toolstack"
)

// fileBackend is a backend that writes migration images straight into a
// file (toolstack.FileMigrator), as the xl backend's `xl save` does.
type fileBackend struct {
	relocation.Backend
	direct atomic.Int32
}

func (f *fileBackend) MigrateSendFile(ctx context.Context, id toolstack.Domid, path string, o toolstack.MigrateOptions) error {
	f.direct.Add(1)
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	defer out.Close()
	return f.Backend.MigrateSend(ctx, id, out, o)
}

// TestParkIntoFile: a FileMigrator parks the domain straight into the
// spool file (no copy of the image while the guest is suspended); the
// stream's hash and size are those of the file, and the domain lands
// once.
func TestParkIntoFile(t *testing.T) {
	var fb *fileBackend
	w := newWorld(t, loopback{}, func(w *world) {
		fb = &fileBackend{Backend: w.src}
		w.send.TS = fb
	})
	id, uuid := w.guest(guestConfig("web1"))
	before, _ := relocation.Fingerprint(context.Background(), w.src, id)
	res, err := w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{})
	if err != nil || res.Outcome != relocation.OutcomeCommitted {
		t.Fatalf("migration = %+v, %v; want committed", res, err)
	}
	if fb.direct.Load() != 1 {
		t.Errorf("MigrateSendFile called %d times; want once", fb.direct.Load())
	}
	c := w.find(uuid)
	if c.where != "dst" || c.running != 1 || c.fp != before {
		t.Errorf("after the migration: %+v; want one copy on dst with fingerprint %s", c, before)
	}
	if res.Bytes == 0 || len(res.SHA256) != 64 {
		t.Errorf("result %+v; want the parked file's size and SHA-256", res)
	}
}
