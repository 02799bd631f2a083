package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts connections and holds each one until it is told to
// let go; Shutdown waits for held calls like a real server.
type fakeServer struct {
	mu       sync.Mutex
	lns      []net.Listener
	inflight sync.WaitGroup
	release  chan struct{}
	closed   bool
}

func newFakeServer() *fakeServer { return &fakeServer{release: make(chan struct{})} }

func (f *fakeServer) Serve(ln net.Listener) error {
	f.mu.Lock()
	f.lns = append(f.lns, ln)
	f.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		f.inflight.Add(1)
		go func() {
			defer f.inflight.Done()
			defer c.Close()
			c.Write([]byte("hi"))
			<-f.release
		}()
	}
}

func (f *fakeServer) Shutdown(ctx context.Context) error {
	f.mu.Lock()
	for _, ln := range f.lns {
		ln.Close()
	}
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { f.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeServer) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.release)
	}
	return nil
}

func testDaemon(srv protocolServer) (*daemon, *bytes.Buffer) {
	var buf bytes.Buffer
	return &daemon{log: slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, nil)),
		servers: map[string]protocolServer{protoXMLRPC: srv}}, &buf
}

func dialRead(t *testing.T, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil {
		t.Fatalf("read from %s: %v", path, err)
	}
	return c
}

// TestDaemonShutdownIsBounded: a call that never finishes is cut off at the
// deadline, and shutdown still returns.
func TestDaemonShutdownIsBounded(t *testing.T) {
	srv := newFakeServer()
	d, _ := testDaemon(srv)
	sock := filepath.Join(t.TempDir(), "s", "x.sock")
	if err := d.open([]endpoint{{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: sock}}); err != nil {
		t.Fatal(err)
	}
	c := dialRead(t, sock) // a call in flight that never ends by itself
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := d.shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown with a stuck call = %v; want the deadline error", err)
	}
	if !srv.closed {
		t.Error("shutdown did not close the server after the deadline")
	}
}

// TestDaemonShutdownWaitsForCalls: a call that finishes before the deadline
// is not cut off.
func TestDaemonShutdownWaitsForCalls(t *testing.T) {
	srv := newFakeServer()
	d, _ := testDaemon(srv)
	sock := filepath.Join(t.TempDir(), "s", "x.sock")
	if err := d.open([]endpoint{{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: sock}}); err != nil {
		t.Fatal(err)
	}
	c := dialRead(t, sock)
	defer c.Close()
	time.AfterFunc(50*time.Millisecond, func() { srv.Close() }) // the call completes
	if err := d.shutdown(context.Background()); err != nil {
		t.Errorf("shutdown = %v; want nil once the call finished", err)
	}
}

// TestDaemonReopen: SIGHUP's reopen moves a listener and leaves calls in
// flight alone; a listener that cannot bind is reported and the rest open.
func TestDaemonReopen(t *testing.T) {
	srv := newFakeServer()
	defer srv.Close()
	d, logBuf := testDaemon(srv)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "x.sock"), filepath.Join(dir, "b", "x.sock")
	if err := d.open([]endpoint{{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: a}}); err != nil {
		t.Fatal(err)
	}
	inflight := dialRead(t, a)
	defer inflight.Close()
	err := d.reopen([]endpoint{
		{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: b},
		{name: "xmlrpc-tcp", proto: protoXMLRPC, network: "tcp", addr: "bad address"},
		{name: "relocation-tcp", proto: protoRelocation, network: "tcp", addr: "127.0.0.1:0"},
	})
	if err == nil || !strings.Contains(err.Error(), "xmlrpc-tcp") {
		t.Errorf("reopen with a bad address = %v; want an error naming xmlrpc-tcp", err)
	}
	dialRead(t, b).Close()
	if _, err := net.Dial("unix", a); err == nil {
		t.Errorf("old socket %s still accepts after reopen", a)
	}
	if !strings.Contains(logBuf.String(), "listener=relocation-tcp") {
		t.Errorf("a listener without a server was not reported:\n%s", logBuf.String())
	}
	srv.Close()
	if err := d.shutdown(context.Background()); err != nil {
		t.Errorf("shutdown = %v", err)
	}
}

// TestDaemonOpenFailureClosesWhatItOpened: when one endpoint cannot bind,
// the ones opened before it are closed again.
func TestDaemonOpenFailureClosesWhatItOpened(t *testing.T) {
	srv := newFakeServer()
	defer srv.Close()
	d, _ := testDaemon(srv)
	sock := filepath.Join(t.TempDir(), "s", "x.sock")
	err := d.open([]endpoint{
		{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: sock},
		{name: "xmlrpc-tcp", proto: protoXMLRPC, network: "tcp", addr: "no-port"},
	})
	if err == nil {
		t.Fatal("open with a bad endpoint succeeded")
	}
	if c, err := net.Dial("unix", sock); err == nil {
		c.Close()
		t.Errorf("%s still accepts after a failed open", sock)
	}
	if len(d.bound) != 0 {
		t.Errorf("failed open left %d bindings", len(d.bound))
	}
}
