package journald_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/xendshim/xendshim/journald"
	"github.com/xendshim/xendshim/journald/journaldtest"
)

const wait = 10 * time.Second

func dial(t *testing.T) (*journald.Conn, *journaldtest.Server) {
	t.Helper()
	s := journaldtest.NewServer(t)
	c, err := journald.Dial(journald.WithSocket(s.Path))
	if err != nil {
		t.Fatalf("Dial(%s) = %v", s.Path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

// TestSendReceive: records sent over a real unixgram socket arrive as one
// datagram each, inline, with the fields in order.
func TestSendReceive(t *testing.T) {
	c, s := dial(t)
	for _, fields := range [][]journald.Field{
		{{"MESSAGE", "hello"}, {"PRIORITY", "6"}},
		{{"MESSAGE", "two\nlines"}, {"MIGRATION_ID", "m-1"}},
	} {
		if err := c.Send(fields); err != nil {
			t.Fatalf("Send(%q) = %v", fields, err)
		}
		r := s.Next(t, wait)
		if r.Err != nil || r.Memfd || !equal(r.Fields, fields) {
			t.Errorf("received %q (memfd %v, err %v); want %q inline", r.Fields, r.Memfd, r.Err, fields)
		}
	}
}

// TestSendRefusesBadName: an invalid field name is an error and nothing
// reaches the socket.
func TestSendRefusesBadName(t *testing.T) {
	c, s := dial(t)
	if err := c.Send([]journald.Field{{"MESSAGE", "x"}, {"_PID", "1"}}); err == nil {
		t.Fatal("Send(_PID) = nil; want an error")
	}
	c.Send([]journald.Field{{"MESSAGE", "marker"}})
	if r := s.Next(t, wait); r.Fields[0].Value != "marker" {
		t.Errorf("first record = %q; want only the marker", r.Fields)
	}
}

// TestSendLarge: a record larger than the socket's send buffer cannot be
// one datagram; it arrives as a sealed memfd passed with SCM_RIGHTS.
func TestSendLarge(t *testing.T) {
	c, s := dial(t)
	sndbuf, err := c.SendBufferSize()
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", (sndbuf+(1<<20))/16)
	fields := []journald.Field{{"MESSAGE", "large"}, {"PAYLOAD", big}, {"TAIL", "x\ny"}}
	if err := c.Send(fields); err != nil {
		t.Fatalf("Send(%d bytes) = %v", len(big), err)
	}
	r := s.Next(t, wait)
	if r.Err != nil || !r.Memfd {
		t.Fatalf("received memfd=%v err=%v; want a memfd record", r.Memfd, r.Err)
	}
	// journald refuses a memfd that is not sealed against any change.
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if r.Seals&seals != seals {
		t.Errorf("memfd seals = %#x; want %#x", r.Seals, seals)
	}
	if !equal(r.Fields, fields) {
		t.Errorf("memfd record has %d fields (PAYLOAD %d bytes); want %d fields, %d bytes", len(r.Fields), payloadLen(r), len(fields), len(big))
	}
	// The connection still sends small records inline afterwards.
	c.Send([]journald.Field{{"MESSAGE", "small"}})
	if r := s.Next(t, wait); r.Memfd || r.Fields[0].Value != "small" {
		t.Errorf("after a large record: %q memfd=%v; want small inline", r.Fields, r.Memfd)
	}
}

func TestDialMissingSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-journal")
	_, err := journald.Dial(journald.WithSocket(path))
	want := "journald socket " + path + ": no such file; is systemd-journald running? use --log=syslog or --log=file:PATH"
	if err == nil || err.Error() != want || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Dial(missing) = %v; want %q (and fs.ErrNotExist)", err, want)
	}
}

func TestDialDefaultSocketMessage(t *testing.T) {
	if _, err := os.Stat(journald.DefaultSocket); err == nil {
		t.Skip("this host runs journald; the missing-socket text is checked with a temporary path")
	}
	_, err := journald.Dial()
	want := "journald socket /run/systemd/journal/socket: no such file; is systemd-journald running? use --log=syslog or --log=file:PATH"
	if err == nil || err.Error() != want {
		t.Errorf("Dial() = %v; want %q", err, want)
	}
}

func TestDialNotASocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	os.WriteFile(path, nil, 0o644)
	if _, err := journald.Dial(journald.WithSocket(path)); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Dial(regular file) = %v; want 'not a socket'", err)
	}
}

// TestDialStaleSocket: a socket file nobody listens on (journald stopped)
// is refused at Dial, not at the first record.
func TestDialStaleSocket(t *testing.T) {
	dir, _ := os.MkdirTemp("", "jstale")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd) // the socket file stays; nobody reads it
	if _, err := journald.Dial(journald.WithSocket(path)); err == nil || !strings.Contains(err.Error(), "is systemd-journald running?") {
		t.Errorf("Dial(stale) = %v; want a refusal naming journald", err)
	}
}

func TestSendAfterClose(t *testing.T) {
	c, _ := dial(t)
	c.Close()
	if err := c.Send([]journald.Field{{"MESSAGE", "x"}}); err == nil {
		t.Error("Send after Close = nil; want an error")
	}
}

// TestHandler: slog records become journal fields.
func TestHandler(t *testing.T) {
	c, s := dial(t)
	log := slog.New(journald.NewHandler(c, &journald.HandlerOptions{Identifier: "xendshim-migrate", Level: slog.LevelDebug})).
		With("component", "migrate")
	log.WithGroup("peer").Warn("rejected", "addr", "192.0.2.1:4000", slog.Group("cert", "serial", "0a"))
	r := s.Next(t, wait)
	want := []journald.Field{{"MESSAGE", "rejected"}, {"PRIORITY", "4"}, {"SYSLOG_IDENTIFIER", "xendshim-migrate"},
		{"COMPONENT", "migrate"}, {"PEER_ADDR", "192.0.2.1:4000"}, {"PEER_CERT_SERIAL", "0a"}}
	if r.Err != nil || !equal(r.Fields, want) {
		t.Errorf("Warn record = %q, %v; want %q", r.Fields, r.Err, want)
	}

	log.Debug("multi\nline", "migration_id", "m-7", "rewrites", []string{"disk", "kernel"}, "err", errors.New("boom"),
		"message", "shadow", "n", 3, "ok", true, "at", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	r = s.Next(t, wait)
	want = []journald.Field{{"MESSAGE", "multi\nline"}, {"PRIORITY", "7"}, {"SYSLOG_IDENTIFIER", "xendshim-migrate"},
		{"COMPONENT", "migrate"}, {"MIGRATION_ID", "m-7"}, {"REWRITES", `["disk","kernel"]`}, {"ERR", "boom"},
		{"ATTR_MESSAGE", "shadow"}, {"N", "3"}, {"OK", "true"}, {"AT", "2026-01-02T03:04:05Z"}}
	if r.Err != nil || !equal(r.Fields, want) {
		t.Errorf("Debug record = %q, %v; want %q", r.Fields, r.Err, want)
	}
}

func TestHandlerLevel(t *testing.T) {
	c, s := dial(t)
	h := journald.NewHandler(c, nil)
	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled(Debug) with default options = true; want false")
	}
	slog.New(h).Error("bad")
	r := s.Next(t, wait)
	if p, _ := r.Get("PRIORITY"); p != "3" {
		t.Errorf("Error record PRIORITY = %q; want 3", p)
	}
	if _, ok := r.Get("SYSLOG_IDENTIFIER"); ok {
		t.Error("SYSLOG_IDENTIFIER sent with no Identifier")
	}
	for l, want := range map[slog.Level]int{slog.LevelDebug - 4: 7, slog.LevelDebug: 7, slog.LevelInfo: 6, slog.LevelInfo + 2: 6, slog.LevelWarn: 4, slog.LevelError: 3, slog.LevelError + 8: 3} {
		if got := journald.Priority(l); got != want {
			t.Errorf("Priority(%v) = %d; want %d", l, got, want)
		}
	}
}

func equal(a, b []journald.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func payloadLen(r journaldtest.Record) int {
	v, _ := r.Get("PAYLOAD")
	return len(v)
}
