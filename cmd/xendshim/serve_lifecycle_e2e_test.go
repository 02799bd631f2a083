package main

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeLegacyRelocationOptIn: xend's unauthenticated relocation
// receiver answers on --relocation-addr only with --relocation-legacy and
// a policy; a xend-config.sxp that says xend-relocation-server yes without
// the opt-in leaves the port closed and logs how to opt in.
func TestServeLegacyRelocationOptIn(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.toml")
	os.WriteFile(pol, []byte("[peer.\"cidr:127.0.0.0/8\"]\nmay_send = { names = [\"legacy-*\"] }\n"), 0o644)
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	xc := filepath.Join(dir, "xend-config.sxp")
	os.WriteFile(xc, []byte("(xend-relocation-server yes)\n(xend-relocation-address '127.0.0.1')\n(xend-relocation-port "+port+")\n"), 0o600)

	t.Run("xend-config without opt-in", func(t *testing.T) {
		s := migServe(t, filepath.Join(dir, "off"), "--xend-config", xc)
		if want := "set relocation-legacy: true (--relocation-legacy)"; !strings.Contains(s.logText(), want) {
			t.Errorf("log lacks %q:\n%s", want, s.logText())
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("relocation port %s accepts connections without --relocation-legacy", addr)
		}
		s.stop(t, syscall.SIGTERM)
	})
	t.Run("opted in", func(t *testing.T) {
		s := migServe(t, filepath.Join(dir, "on"), "--xend-config", xc, "--relocation-legacy", "--migrate-policy", pol, "--shutdown-timeout", "300ms")
		waitLog(t, s, "listening listener=relocation-tcp")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial relocation port %s: %v\n%s", addr, err, s.logText())
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("(help)\n"))
		line, err := bufio.NewReader(c).ReadString('\n')
		if want := "(ok (help quit receive sslreceive))\n"; line != want {
			t.Errorf("relocation (help) = %q, %v; want %q", line, err, want)
		}
		s.stop(t, syscall.SIGTERM)
	})
}

// TestServeLegacyRelocationShutdownClosesIdle: SIGTERM with an idle
// relocation client connected still ends serve once --shutdown-timeout
// has passed.
func TestServeLegacyRelocationShutdownClosesIdle(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.toml")
	os.WriteFile(pol, []byte("[peer.\"cidr:127.0.0.0/8\"]\nmay_send = { names = [\"legacy-*\"] }\n"), 0o644)
	addr := freePort(t)
	s := migServe(t, filepath.Join(dir, "s"), "--relocation-addr", addr, "--relocation-legacy", "--migrate-policy", pol, "--shutdown-timeout", "200ms")
	waitLog(t, s, "listening listener=relocation-tcp")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("(help)\n"))
	bufio.NewReader(c).ReadString('\n')
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}

// TestServeAutostartAndXendStop: a managed domain with on_xend_start=start
// defined through the API is started when serve next starts; with
// on_xend_stop=shutdown it is shut down when that serve stops.
func TestServeAutostartAndXendStop(t *testing.T) {
	state := t.TempDir()
	s := migServe(t, state)
	cfg := []any{"vm", []any{"name", "auto1"}, []any{"memory", 64}, []any{"vcpus", 1},
		[]any{"on_xend_start", "start"}, []any{"on_xend_stop", "shutdown"},
		[]any{"image", []any{"linux", []any{"kernel", "/boot/vmlinuz"}}}}
	if out, ok := pyCall(t, s.xmlrpc, "xend.domain.new", cfg); !ok {
		t.Fatalf("xend.domain.new = %s\n%s", out, s.logText())
	}
	if out, _ := pyCall(t, s.xmlrpc, "xend.domains", 0); strings.Contains(out, "auto1") {
		t.Fatalf("xend.domains(0) right after xend.domain.new = %s; want auto1 inactive", out)
	}
	s.stop(t, syscall.SIGTERM)

	s = migServe(t, state)
	waitLog(t, s, "on_xend_start: started managed domains")
	if out, _ := pyCall(t, s.xmlrpc, "xend.domains", 0); !strings.Contains(out, `"auto1"`) {
		t.Fatalf("xend.domains(0) after restart = %s; want auto1 started by on_xend_start\n%s", out, s.logText())
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v", err)
	}
	if strings.Contains(s.logText(), "on_xend_stop shutdown of auto1 failed") {
		t.Errorf("on_xend_stop failed:\n%s", s.logText())
	}
	// The third start finds auto1 stopped by on_xend_stop and starts it
	// again; a domain still running would not be "started".
	s = migServe(t, state)
	waitLog(t, s, "on_xend_start: started managed domains")
	s.stop(t, syscall.SIGTERM)
}
