package xmlrpc

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// quietLog discards server logs in tests (set XMLRPC_TEST_LOG=1 to see them).
func quietLog() *slog.Logger {
	if os.Getenv("XMLRPC_TEST_LOG") != "" {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer serves srv on a fresh UNIX socket and returns its path; the server is
// shut down when the test ends.
func startServer(t testing.TB, srv *Server) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "xr") // short: sun_path is 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, srv, ln)
	return path
}

// serveOn runs srv.Serve(ln) until the test ends, then checks Shutdown worked.
func serveOn(t testing.TB, srv *Server, ln net.Listener) {
	t.Helper()
	if srv.Log == nil {
		srv.Log = quietLog()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
	})
}

// readReply reads one HTTP reply framed by Content-Length and returns its bytes.
func readReply(t testing.TB, br *bufio.Reader) []byte {
	t.Helper()
	var raw []byte
	n := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading reply header: %v (so far %q)", err, raw)
		}
		raw = append(raw, line...)
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if n < 0 {
		t.Fatalf("reply without Content-Length: %q", raw)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("reading reply body: %v", err)
	}
	return append(raw, body...)
}

// rawExchange dials addr, writes req, and returns everything the server sends
// until it closes the connection (or the deadline passes).
func rawExchange(t testing.TB, network, addr, req string) string {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}
