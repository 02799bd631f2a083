package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestServeStrictXend: --strict-xend reaches both APIs. Without it the
// console device carries its tty (XML-RPC) and op=dump without reset is
// accepted (HTTP/SXP); with it the tty is left out and the dump is refused
// as xend refused it.
func TestServeStrictXend(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		wantTTY   bool
		wantReset bool // the dump is refused for want of reset
	}{
		{"default", nil, true, false},
		{"strict", []string{"--strict-xend"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			httpSock := filepath.Join(state, "run", "xend-socket")
			s := migServe(t, state, append([]string{"--http-socket", httpSock}, tc.args...)...)
			cfg := []any{"vm", []any{"name", "c1"}, []any{"memory", 64}, []any{"vcpus", 1},
				[]any{"image", []any{"linux", []any{"kernel", "/boot/vmlinuz"}}}}
			if out, ok := pyCall(t, s.xmlrpc, "xend.domain.create", cfg); !ok {
				t.Fatalf("xend.domain.create = %s", out)
			}
			pyCall(t, s.xmlrpc, "xend.domain.unpause", "c1")
			out, ok := pyCall(t, s.xmlrpc, "xend.domain", "c1", 1)
			if !ok || !strings.Contains(out, `"console"`) {
				t.Fatalf("xend.domain(c1, 1) = %s; want a record with a console", out)
			}
			if got := strings.Contains(out, `["tty", "/dev/pts/`); got != tc.wantTTY {
				t.Errorf("xend.domain(c1, 1) has a tty = %v; want %v: %s", got, tc.wantTTY, out)
			}
			client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", httpSock)
			}}}
			form := url.Values{"op": {"dump"}, "file": {filepath.Join(state, "c1.core")}, "live": {"0"}, "crash": {"0"}}
			resp, err := client.PostForm("http://localhost/xend/domain/c1", form)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// The binding is what differs; the simulated host may then fail
			// the dump itself (its file system is not this one).
			if got := strings.Contains(string(body), "Missing parameter: reset"); got != tc.wantReset {
				t.Errorf("op=dump without reset = %q; refused for want of reset = %v, want %v", body, got, tc.wantReset)
			}
			s.stop(t, syscall.SIGTERM)
		})
	}
}
