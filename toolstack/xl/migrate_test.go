package xl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
)

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("connection reset by peer")
	}
	w.n -= len(p)
	return len(p), nil
}

func hasCall(calls []string, prefix string) bool {
	return slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func TestMigrateSendAndReceive(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, err := b.Create(ctx, tinyConfig("mig"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := b.Domain(ctx, id)
	var stream bytes.Buffer
	if err := b.MigrateSend(ctx, id, &stream, toolstack.MigrateOptions{Live: true}); err != nil {
		t.Fatalf("MigrateSend = %v", err)
	}
	if _, err := b.Domain(ctx, id); !errors.Is(err, toolstack.ErrNotFound) {
		t.Errorf("Domain(%d) after MigrateSend = %v; want it gone from the source", id, err)
	}
	if !bytes.HasPrefix(stream.Bytes(), []byte(xlsave.Magic)) {
		t.Fatalf("stream starts %q; want xl's save header", stream.Bytes()[:min(40, stream.Len())])
	}
	if left, _ := filepath.Glob(filepath.Join(b.imageDir, "*.img")); len(left) != 0 {
		t.Errorf("images left in the image directory: %q", left)
	}
	var asked []string
	nid, err := b.MigrateReceive(ctx, bytes.NewReader(stream.Bytes()), toolstack.ReceiveOptions{Paused: true,
		Policy: func(p string) error { asked = append(asked, p); return nil }})
	if err != nil {
		t.Fatalf("MigrateReceive = %v", err)
	}
	got, err := b.Domain(ctx, nid)
	if err != nil || got.UUID != want.UUID || got.Name != "mig" || got.State&toolstack.StatePaused == 0 {
		t.Errorf("received domain = %+v, %v; want mig, uuid %s, paused", got, err, want.UUID)
	}
	if !slices.Equal(asked, []string{"/boot/vmlinuz"}) {
		t.Errorf("policy asked about %q; want the kernel", asked)
	}
	if calls := f.callLog(); !hasCall(calls, "restore -p ") {
		t.Errorf("xl calls %q; want a paused restore", calls)
	}
}

func TestMigrateReceiveUsesSpoolFile(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("spooled"))
	spool := filepath.Join(t.TempDir(), "incoming")
	out, _ := os.Create(spool)
	if err := b.MigrateSend(ctx, id, out, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	out.Close()
	in, _ := os.Open(spool)
	defer in.Close()
	nid, err := b.MigrateReceive(ctx, in, toolstack.ReceiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := b.Domain(ctx, nid); err != nil || d.State&toolstack.StatePaused != 0 {
		t.Errorf("received domain = %+v, %v; want it running", d, err)
	}
	if calls := f.callLog(); !slices.Contains(calls, "restore -p "+spool) {
		t.Errorf("xl calls %q; want the spool file restored in place", calls)
	}
}

func TestMigrateReceiveRefusals(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("refused"))
	var stream bytes.Buffer
	if err := b.MigrateSend(ctx, id, &stream, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	img := stream.Bytes()
	_, js, _ := xlsave.ReadHeader(bytes.NewReader(img))
	withConfig := func(js []byte) []byte { return append(xlsave.AppendHeader(nil, js), "stream"...) }
	tests := []struct {
		name   string
		stream []byte
		policy func(string) error
		want   string
	}{
		{"garbage", []byte("garbage that is not a stream"), nil, "not an xl migration image"},
		{"truncated header", img[:40], nil, "not an xl migration image"},
		{"unknown config field", withConfig(append(js[:len(js)-1:len(js)-1], `,"evil":1}`...)), nil, `unknown field "evil"`},
		{"two JSON values", withConfig(append(slices.Clone(js), " {}"...)), nil, "data after the JSON value"},
		{"policy refuses the kernel", img, func(p string) error { return fmt.Errorf("%s is not in the catalogue", p) }, "path /boot/vmlinuz refused by policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.callLog())
			_, err := b.MigrateReceive(ctx, bytes.NewReader(tt.stream), toolstack.ReceiveOptions{Policy: tt.policy})
			wantClass(t, "MigrateReceive", err, toolstack.ErrInvalid)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("MigrateReceive = %v; want %q", err, tt.want)
			}
			if calls := f.callLog()[before:]; hasCall(calls, "restore") {
				t.Errorf("xl restore ran for a refused stream: %q", calls)
			}
		})
	}
}

func TestMigrateSendFailures(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	_, err := b.Create(ctx, tinyConfig("pinned"))
	if err != nil {
		t.Fatal(err)
	}
	err = b.MigrateSend(ctx, 0, &bytes.Buffer{}, toolstack.MigrateOptions{})
	wantClass(t, "MigrateSend(dom0)", err, toolstack.ErrInvalid)
	err = b.MigrateSend(ctx, 99, &bytes.Buffer{}, toolstack.MigrateOptions{})
	wantClass(t, "MigrateSend(99)", err, toolstack.ErrNotFound)

	noMig := tinyConfig("nomig")
	noMig.BInfo.DisableMigrate = toolstack.DefboolTrue
	nid, err := b.Create(ctx, noMig)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.doms[nid].cfg.BInfo.DisableMigrate = toolstack.DefboolTrue
	f.mu.Unlock()
	b.cache.invalidate()
	err = b.MigrateSend(ctx, nid, &bytes.Buffer{}, toolstack.MigrateOptions{})
	wantClass(t, "MigrateSend(disable_migrate)", err, toolstack.ErrInvalid)

	// The stream breaks after the save: the domain comes back here, paused
	// as it was.
	id, _ := b.Create(ctx, tinyConfig("broken"))
	if err := b.Pause(ctx, id); err != nil {
		t.Fatal(err)
	}
	err = b.MigrateSend(ctx, id, &failingWriter{n: 100}, toolstack.MigrateOptions{})
	if err == nil || !strings.Contains(err.Error(), "restored here") {
		t.Fatalf("MigrateSend over a broken stream = %v; want the domain restored here", err)
	}
	d, err := findByName(ctx, b, "broken")
	if err != nil || d.State&toolstack.StatePaused == 0 {
		t.Errorf("after the broken send: %+v, %v; want broken back here, paused", d, err)
	}
	// A failed save leaves the domain where it was.
	f.failNext("save", Result{ExitCode: 1, Stderr: []byte("libxl: error: guest did not suspend\n")})
	if err := b.MigrateSend(ctx, d.Domid, &bytes.Buffer{}, toolstack.MigrateOptions{}); err == nil {
		t.Fatal("MigrateSend with a failing save succeeded")
	}
	if _, err := b.Domain(ctx, d.Domid); err != nil {
		t.Errorf("after a failed save: %v; want the domain still here", err)
	}
}

func findByName(ctx context.Context, b *Backend, name string) (*toolstack.DomainInfo, error) {
	all, err := b.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("no domain %s", name)
}

// TestSaveAfterRestoreDoesNotWait: a restored kernel never announces
// control/feature-suspend again; the backend's own mark lets it be saved
// at once instead of after guestUpLimit.
func TestSaveAfterRestoreDoesNotWait(t *testing.T) {
	b, _, _ := newTestBackend(t)
	var warned []string
	b.opts.Logf = func(format string, args ...any) { warned = append(warned, fmt.Sprintf(format, args...)) }
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("again"))
	var stream bytes.Buffer
	if err := b.MigrateSend(ctx, id, &stream, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	nid, err := b.MigrateReceive(ctx, &stream, toolstack.ReceiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.MigrateSend(ctx, nid, &bytes.Buffer{}, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range warned {
		if strings.Contains(w, "not up yet") {
			t.Errorf("warning %q for a restored domain", w)
		}
	}
}

func TestMigrateSendFile(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("direct"))
	path := filepath.Join(t.TempDir(), "parked.img")
	os.WriteFile(path, nil, 0o600)
	if err := b.MigrateSendFile(ctx, id, path, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.callLog(), fmt.Sprintf("save %d %s", id, path)) {
		t.Errorf("xl calls %q; want xl save straight into %s", f.callLog(), path)
	}
	if _, err := b.Domain(ctx, id); !errors.Is(err, toolstack.ErrNotFound) {
		t.Errorf("Domain after MigrateSendFile = %v; want gone", err)
	}
	img, _ := os.ReadFile(path)
	if _, _, err := xlsave.ReadHeader(bytes.NewReader(img)); err != nil {
		t.Errorf("parked image: %v", err)
	}
	err := b.MigrateSendFile(ctx, 0, path, toolstack.MigrateOptions{})
	wantClass(t, "MigrateSendFile(dom0)", err, toolstack.ErrInvalid)
}
