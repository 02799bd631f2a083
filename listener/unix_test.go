package listener

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnixForcesDirMode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(dir string) // dir is the socket's parent
	}{
		{"missing nested dir", func(string) {}},
		{"existing 0755 dir", func(dir string) { os.MkdirAll(dir, 0o755); os.Chmod(dir, 0o755) }},
		{"existing 0777 dir", func(dir string) { os.MkdirAll(dir, 0o777); os.Chmod(dir, 0o777) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run", "xend")
			tc.prepare(dir)
			ln, err := Unix(filepath.Join(dir, "xmlrpc.sock"))
			if err != nil {
				t.Fatalf("Unix() error: %v", err)
			}
			defer ln.Close()
			st, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != DirMode {
				t.Errorf("mode of %s = %v; want %v", dir, got, DirMode)
			}
		})
	}
}

func TestUnixReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s", "xend-socket")
	old, err := Unix(path)
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false) // a crashed server leaves its socket file behind
	old.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	ln, err := Unix(path)
	if err != nil {
		t.Fatalf("Unix(stale) error: %v", err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial new socket: %v", err)
	}
	defer c.Close()
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "ok" {
		t.Errorf("read from new socket = %q, %v; want \"ok\"", buf, err)
	}
}

func TestUnixRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T) string // returns the socket path
		wantErr string
	}{
		{"live socket", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "d", "sock")
			ln, err := Unix(p)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			return p
		}, "already listening"},
		{"regular file", func(t *testing.T) string {
			d := filepath.Join(t.TempDir(), "d")
			os.MkdirAll(d, 0o700)
			p := filepath.Join(d, "sock")
			os.WriteFile(p, []byte("keep me"), 0o600)
			return p
		}, "not a socket"},
		{"sticky shared dir", func(t *testing.T) string {
			d := filepath.Join(t.TempDir(), "shared")
			os.Mkdir(d, 0o777)
			os.Chmod(d, 0o777|os.ModeSticky)
			return filepath.Join(d, "sock")
		}, "sticky"},
		{"/tmp itself", func(t *testing.T) string { return "/tmp/xendshim-test.sock" }, "shared directory"},
		{"empty path", func(t *testing.T) string { return "" }, "empty"},
		{"relative path", func(t *testing.T) string { return "run/x.sock" }, "not absolute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.setup(t)
			ln, err := Unix(p)
			if err == nil {
				ln.Close()
				t.Fatalf("Unix(%q) succeeded; want error containing %q", p, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Unix(%q) error = %q; want it to contain %q", p, err, tc.wantErr)
			}
		})
	}
	// The regular file must be untouched: nothing changed on error.
}

func TestUnixLeavesRegularFileAlone(t *testing.T) {
	d := t.TempDir()
	p := filepath.Join(d, "sock")
	os.WriteFile(p, []byte("keep me"), 0o600)
	if _, err := Unix(p); err == nil {
		t.Fatal("Unix over a regular file succeeded")
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "keep me" {
		t.Errorf("regular file after refused Unix = %q, %v; want \"keep me\"", b, err)
	}
}
