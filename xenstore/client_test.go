package xenstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/xenstore"
	"github.com/xendshim/xendshim/xenstore/xenstoretest"
)

func newPair(t *testing.T) (*xenstoretest.Server, *xenstore.Client) {
	t.Helper()
	s := xenstoretest.NewServer()
	c := xenstore.NewClient(s.Pipe())
	t.Cleanup(func() { c.Close(); s.Close() })
	return s, c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestReadWriteDirectory(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	s.Seed(map[string]string{"/local/domain/0/name": "Domain-0", "/local/domain/0/console/tty": "/dev/pts/0"})
	if err := c.Write(ctx, "/local/domain/3/name", "tiny"); err != nil {
		t.Fatalf("Write = %v", err)
	}
	if err := c.Write(ctx, "/local/domain/3/empty", ""); err != nil {
		t.Fatalf("Write empty = %v", err)
	}
	tests := []struct{ path, want string }{
		{"/local/domain/0/name", "Domain-0"},
		{"/local/domain/0/console/tty", "/dev/pts/0"},
		{"/local/domain/3/name", "tiny"},
		{"/local/domain/3/empty", ""},
		{"/local/domain/3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := c.Read(ctx, tt.path)
			if err != nil || got != tt.want {
				t.Errorf("Read(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
			}
		})
	}
	kids, err := c.Directory(ctx, "/local/domain")
	if err != nil || !slices.Equal(kids, []string{"0", "3"}) {
		t.Errorf("Directory(/local/domain) = %q, %v; want [0 3]", kids, err)
	}
	kids, err = c.Directory(ctx, "/local/domain/3/empty")
	if err != nil || len(kids) != 0 {
		t.Errorf("Directory(leaf) = %q, %v; want none", kids, err)
	}
}

func TestErrors(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	_, err := c.Read(ctx, "/local/domain/9/name")
	var xe *xenstore.Error
	if !errors.As(err, &xe) || xe.Name != "ENOENT" || xe.Op != xenstore.TypeRead || xe.Path != "/local/domain/9/name" {
		t.Fatalf("Read(missing) = %v; want *Error ENOENT on READ of the path", err)
	}
	if !errors.Is(err, fs.ErrNotExist) || !xenstore.IsNotFound(err) {
		t.Errorf("Read(missing) error %v does not match fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "READ /local/domain/9/name: ENOENT") {
		t.Errorf("error text %q lacks op, path and errno", err)
	}
	s.FailNext(xenstore.TypeWrite, "EACCES")
	if err := c.Write(ctx, "/x", "1"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Write with EACCES = %v; want a permission error", err)
	}
	for _, bad := range []string{"", "a\x00b", "/" + strings.Repeat("x", xenstore.MaxPathLen)} {
		if _, err := c.Read(ctx, bad); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Read(%.20q) = %v; want EINVAL before sending", bad, err)
		}
	}
	if err := c.Write(ctx, "/big", strings.Repeat("v", xenstore.MaxPayload)); err == nil {
		t.Errorf("Write of a value over the payload limit succeeded")
	}
}

func TestMkdirRm(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	if err := c.Mkdir(ctx, "/tool/xendshim/a/b"); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("/tool/xendshim/a/b"); !ok || v != "" {
		t.Errorf("after Mkdir node = %q, %v; want empty, present", v, ok)
	}
	s.Set("/tool/xendshim/a/b", "keep")
	if err := c.Mkdir(ctx, "/tool/xendshim/a/b"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("/tool/xendshim/a/b"); v != "keep" {
		t.Errorf("Mkdir of an existing node changed it to %q", v)
	}
	if err := c.Rm(ctx, "/tool/xendshim/a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("/tool/xendshim/a/b"); ok {
		t.Errorf("Rm left the subtree behind")
	}
	if err := c.Rm(ctx, "/tool/xendshim/a"); err != nil {
		t.Errorf("Rm of a missing node with a parent = %v; want nil", err)
	}
	if err := c.Rm(ctx, "/nope/nope"); !xenstore.IsNotFound(err) {
		t.Errorf("Rm without parent = %v; want ENOENT", err)
	}
}

func TestPerms(t *testing.T) {
	_, c := newPair(t)
	ctx := ctxT(t)
	if err := c.Write(ctx, "/local/domain/3/data", "x"); err != nil {
		t.Fatal(err)
	}
	want := []xenstore.Perm{{Domid: 3, Access: xenstore.AccessNone}, {Domid: 0, Access: xenstore.AccessRead}}
	if err := c.SetPerms(ctx, "/local/domain/3/data", want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetPerms(ctx, "/local/domain/3/data")
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("GetPerms = %v, %v; want %v", got, err, want)
	}
	if err := c.SetPerms(ctx, "/local/domain/3/data", nil); err == nil {
		t.Errorf("SetPerms(no perms) succeeded")
	}
}

func TestParsePerm(t *testing.T) {
	tests := []struct {
		in   string
		want xenstore.Perm
		ok   bool
	}{
		{"n0", xenstore.Perm{0, xenstore.AccessNone}, true},
		{"r12", xenstore.Perm{12, xenstore.AccessRead}, true},
		{"b4294967295", xenstore.Perm{4294967295, xenstore.AccessBoth}, true},
		{"w", xenstore.Perm{}, false},
		{"x1", xenstore.Perm{}, false},
		{"r-1", xenstore.Perm{}, false},
		{"r4294967296", xenstore.Perm{}, false},
	}
	for _, tt := range tests {
		got, err := xenstore.ParsePerm(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePerm(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("ParsePerm(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestGetDomainPathAndReadTree(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	p, err := c.GetDomainPath(ctx, 7)
	if err != nil || p != "/local/domain/7" {
		t.Errorf("GetDomainPath(7) = %q, %v", p, err)
	}
	s.Seed(map[string]string{"/local/domain/0/name": "Domain-0", "/local/domain/0/memory/target": "1048576", "/local/domain/0/domid": "0"})
	tree, err := c.ReadTree(ctx, "/local/domain/0/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/local/domain/0": "", "/local/domain/0/name": "Domain-0", "/local/domain/0/memory": "", "/local/domain/0/memory/target": "1048576", "/local/domain/0/domid": "0"}
	if fmt.Sprint(tree) != fmt.Sprint(want) {
		t.Errorf("ReadTree = %v; want %v", tree, want)
	}
	if _, err := c.ReadTree(ctx, "/local/domain/9"); !xenstore.IsNotFound(err) {
		t.Errorf("ReadTree(missing) = %v; want ENOENT", err)
	}
}

func TestBigDirectoryUsesDirectoryPart(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	var want []string
	for i := 0; i < 700; i++ { // ~7 KiB of names: more than one payload
		n := fmt.Sprintf("entry-%04d", i)
		want = append(want, n)
		s.Set("/big/"+n, "")
	}
	got, err := c.Directory(ctx, "/big")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Directory(/big) = %d names, %v; want %d", len(got), err, len(want))
	}
	if n := s.Requests(xenstore.TypeDirectoryPart); n < 2 {
		t.Errorf("DIRECTORY_PART requests = %d; want at least 2", n)
	}
}

func TestTransaction(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	s.Set("/counter", "1")
	err := c.Transaction(ctx, func(tx *xenstore.Tx) error {
		v, err := tx.Read("/counter")
		if err != nil {
			return err
		}
		if err := tx.Write("/counter", v+"1"); err != nil {
			return err
		}
		if v, _ := s.Get("/counter"); v != "1" {
			t.Errorf("write inside a transaction visible before commit: %q", v)
		}
		return tx.Mkdir("/made")
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("/counter"); v != "11" {
		t.Errorf("after commit /counter = %q; want 11", v)
	}

	// fn's error aborts: nothing is written.
	boom := errors.New("boom")
	err = c.Transaction(ctx, func(tx *xenstore.Tx) error {
		_ = tx.Write("/aborted", "x")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Transaction = %v; want fn's error", err)
	}
	if _, ok := s.Get("/aborted"); ok {
		t.Errorf("aborted transaction wrote /aborted")
	}
}

func TestTransactionRetriesOnConflict(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	s.Set("/n", "0")
	runs := 0
	err := c.Transaction(ctx, func(tx *xenstore.Tx) error {
		runs++
		v, err := tx.Read("/n")
		if err != nil {
			return err
		}
		if runs == 1 {
			s.Set("/n", "5") // another writer sneaks in: commit must fail with EAGAIN
		}
		return tx.Write("/n", v+"+1")
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times; want 2 (one conflict, one retry)", runs)
	}
	if v, _ := s.Get("/n"); v != "5+1" {
		t.Errorf("/n = %q; want the retry's value 5+1", v)
	}

	s.ConflictNext(xenstore.MaxTransactionAttempts)
	err = c.Transaction(ctx, func(tx *xenstore.Tx) error { return tx.Write("/n", "x") })
	if !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("Transaction under endless conflicts = %v; want EAGAIN after giving up", err)
	}
}

func TestWatch(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	w, err := c.Watch(ctx, "/local/domain/3")
	if err != nil {
		t.Fatal(err)
	}
	next := func() xenstore.Event {
		t.Helper()
		select {
		case e, ok := <-w.Events():
			if !ok {
				t.Fatal("event channel closed")
			}
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no watch event")
		}
		return xenstore.Event{}
	}
	if e := next(); e.Path != "/local/domain/3" {
		t.Errorf("first event = %+v; want the registration fire on the watched path", e)
	}
	// Many events while nobody reads must not block other requests.
	for i := 0; i < 50; i++ {
		s.Set(fmt.Sprintf("/local/domain/3/k%d", i), "v")
	}
	if err := c.Write(ctx, "/local/domain/3/console/tty", "/dev/pts/4"); err != nil {
		t.Fatal(err)
	}
	s.Set("/local/domain/4/name", "other") // not below the watch
	seen := map[string]bool{}
	for len(seen) < 51 {
		seen[next().Path] = true
	}
	if !seen["/local/domain/3/console/tty"] || !seen["/local/domain/3/k49"] {
		t.Errorf("events missing: %v", seen)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	for e := range w.Events() {
		if e.Path == "/local/domain/4/name" {
			t.Errorf("event outside the watched path: %+v", e)
		}
	}
}

func TestWatchSpecialAndConnectionEnd(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	w, err := c.Watch(ctx, "@releaseDomain")
	if err != nil {
		t.Fatal(err)
	}
	<-w.Events() // registration fire
	s.Fire("@releaseDomain")
	if e := <-w.Events(); e.Path != "@releaseDomain" {
		t.Errorf("event = %+v; want @releaseDomain", e)
	}
	c.Close()
	for range w.Events() {
	}
	if _, err := c.Read(ctx, "/x"); !errors.Is(err, xenstore.ErrClosed) {
		t.Errorf("Read after Close = %v; want ErrClosed", err)
	}
}

func TestContextCancelledRequest(t *testing.T) {
	_, c := newPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Read(ctx, "/x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context = %v; want context.Canceled", err)
	}
	// The connection stays usable.
	if err := c.Write(ctxT(t), "/x", "1"); err != nil {
		t.Errorf("Write after a cancelled call = %v", err)
	}
}

func TestDialUnixSocketAndOpen(t *testing.T) {
	s := xenstoretest.NewServer()
	defer s.Close()
	sock := filepath.Join(t.TempDir(), "socket")
	if err := s.ListenUnix(sock); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XENSTORED_PATH", sock)
	c, err := xenstore.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Write(ctxT(t), "/local/domain/0/name", "Domain-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := xenstore.Dial(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Errorf("Dial(absent socket) succeeded")
	}
}

func TestConcurrentClients(t *testing.T) {
	s, c := newPair(t)
	ctx := ctxT(t)
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				p := fmt.Sprintf("/c/%d/%d", g, i)
				if err := c.Write(ctx, p, p); err != nil {
					done <- err
					return
				}
				if v, err := c.Read(ctx, p); err != nil || v != p {
					done <- fmt.Errorf("Read(%s) = %q, %v", p, v, err)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	_ = s
}
