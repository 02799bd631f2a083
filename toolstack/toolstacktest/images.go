package toolstacktest

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func testSaveRestore(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-save")
	if err := e.TS.Unpause(ctx, id); err != nil {
		t.Fatal(err)
	}
	before := domain(t, e, id)
	path := e.TempPath("conf-save.img")
	if err := e.TS.Save(ctx, id, path, false); err != nil {
		t.Fatalf("Save(%d, %s) = %v", id, path, err)
	}
	if _, err := e.TS.Domain(ctx, id); err == nil {
		t.Errorf("Domain(%d) exists after Save without checkpoint", id)
	}
	nid, err := e.TS.Restore(ctx, path, true)
	if err != nil {
		t.Fatalf("Restore(%s) = %v", path, err)
	}
	after := domain(t, e, nid)
	if after.UUID != before.UUID || after.Name != before.Name || after.MaxVCPUs != before.MaxVCPUs {
		t.Errorf("restored %+v; want name %s uuid %s vcpus %d", after, before.Name, before.UUID, before.MaxVCPUs)
	}
	if after.State&toolstack.StatePaused == 0 {
		t.Errorf("Restore(paused) state = %s; want paused", after.State)
	}
	_, err = e.TS.Restore(ctx, path, false)
	wantClass(t, "Restore while the domain runs", err, toolstack.ErrExists)

	// A checkpoint leaves the domain running.
	cp := e.TempPath("conf-save.cp")
	wantClass(t, "Save(checkpoint)", e.TS.Save(ctx, nid, cp, true), nil)
	if _, err := e.TS.Domain(ctx, nid); err != nil {
		t.Errorf("Domain(%d) after a checkpoint = %v; want it still there", nid, err)
	}
}

func testRestoreErrors(t *testing.T, e *Env) {
	ctx := context.Background()
	_, err := e.TS.Restore(ctx, e.TempPath("does-not-exist.img"), false)
	wantClass(t, "Restore(missing file)", err, toolstack.ErrNotFound)
	if e.DiskPath != "" {
		_, err = e.TS.Restore(ctx, e.DiskPath, false)
		wantClass(t, "Restore(not an image)", err, toolstack.ErrInvalid)
	}
}

func testCoreDump(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-dump")
	path := e.TempPath("conf-dump.core")
	if err := e.TS.CoreDump(ctx, id, path, toolstack.DumpOptions{}); err != nil {
		t.Fatalf("CoreDump(%d) = %v", id, err)
	}
	if hf, ok := e.TS.(toolstack.HostFiles); ok {
		if size, err := hf.StatHostFile(ctx, path); err != nil || size == 0 {
			t.Errorf("core file %s: size %d, %v; want a non-empty file", path, size, err)
		}
	}
	if _, err := e.TS.Domain(ctx, id); err != nil {
		t.Errorf("Domain(%d) after a plain dump = %v; want it still there", id, err)
	}
	err := e.TS.CoreDump(ctx, id, path, toolstack.DumpOptions{Crash: true})
	wantClass(t, "CoreDump(crash)", err, nil)
	if _, err := e.TS.Domain(ctx, id); err == nil {
		t.Errorf("Domain(%d) exists after a dump with crash", id)
	}
}

func testMigrate(t *testing.T, e *Env) {
	m, ok := e.TS.(toolstack.Migrator)
	if !ok {
		t.Skip("the toolstack does not implement toolstack.Migrator")
	}
	peer := e.Peer
	if peer == nil {
		peer = e.TS
	}
	pm, ok := peer.(toolstack.Migrator)
	if !ok {
		t.Skip("the peer does not implement toolstack.Migrator")
	}
	ctx := context.Background()
	id := create(t, e, "conf-migrate")
	cleanupName(t, peer, "conf-migrate")
	before := domain(t, e, id)
	pr, pw := io.Pipe()
	type result struct {
		id  toolstack.Domid
		err error
	}
	done := make(chan result, 1)
	go func() {
		nid, err := pm.MigrateReceive(ctx, pr, toolstack.ReceiveOptions{})
		pr.CloseWithError(err)
		done <- result{nid, err}
	}()
	sendErr := m.MigrateSend(ctx, id, pw, toolstack.MigrateOptions{Live: true})
	pw.CloseWithError(sendErr)
	r := <-done
	if sendErr != nil || r.err != nil {
		t.Fatalf("MigrateSend = %v, MigrateReceive = %v; want both to succeed", sendErr, r.err)
	}
	got, err := peer.Domain(ctx, r.id)
	if err != nil || got.UUID != before.UUID || got.Name != before.Name {
		t.Errorf("received domain = %+v, %v; want uuid %s", got, err, before.UUID)
	}
	if peer != e.TS || r.id != id {
		if _, err := e.TS.Domain(ctx, id); err == nil {
			t.Errorf("Domain(%d) still on the source after migration", id)
		}
	}
	// A stream that is not a migration stream is refused.
	_, err = pm.MigrateReceive(ctx, strings.NewReader("garbage that is not a stream"), toolstack.ReceiveOptions{})
	wantClass(t, "MigrateReceive(garbage)", err, toolstack.ErrInvalid)
}
