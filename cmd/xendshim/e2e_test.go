package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the xendshim built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xendshim-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "xendshim")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(gobin, "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building xendshim:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `xendshim serve`.
type server struct {
	cmd    *exec.Cmd
	dir    string
	xmlrpc string // socket path
	http   string // socket path
	log    *bytes.Buffer
	done   chan error
}

// isolatedEnv is the environment without XENDSHIM_ variables, with
// xend-config.sxp switched off so the host's file cannot leak in.
func isolatedEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "XENDSHIM_") && !strings.HasPrefix(kv, "XEND_CONFIG=") &&
			!strings.HasPrefix(kv, "LISTEN_") && !strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "XENDSHIM_XEND_CONFIG="), extra...)
}

// startServer runs serve on temporary sockets with the simulated host.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{
		dir:    dir,
		xmlrpc: filepath.Join(dir, "run", "xend", "xmlrpc.sock"),
		http:   filepath.Join(dir, "lib", "xend", "xend-socket"),
		log:    new(bytes.Buffer),
		done:   make(chan error, 1),
	}
	all := append([]string{"serve", "--backend", "sim", "--seed", "7", "--state-dir", filepath.Join(dir, "state"),
		"--xmlrpc-socket", s.xmlrpc, "--http-socket", s.http}, args...)
	s.cmd = exec.Command(binary, all...)
	s.cmd.Env = isolatedEnv()
	s.cmd.Stderr = &lockedWriter{w: s.log}
	var stdout bytes.Buffer
	s.cmd.Stdout = &stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if stdout.Len() > 0 {
			t.Errorf("serve wrote to standard output: %q", stdout.String())
		}
	})
	return s
}

// waitSocket waits until path accepts connections or the server exits.
func (s *server) waitSocket(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve exited (%v) before %s accepted connections; log:\n%s", err, path, s.logText())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s never accepted connections; log:\n%s", path, s.logText())
}

func (s *server) logText() string {
	lw := s.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return s.log.String()
}

// stop sends sig and waits for the exit status.
func (s *server) stop(t *testing.T, sig os.Signal) error {
	t.Helper()
	s.cmd.Process.Signal(sig)
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after %v; log:\n%s", sig, s.logText())
		return nil
	}
}

// xmlrpcCall posts one XML-RPC call over a UNIX socket, as xm's httpu
// transport does, and returns the response body.
func xmlrpcCall(t *testing.T, path, method string) string {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	defer c.Close()
	body := "<?xml version='1.0'?>\n<methodCall>\n<methodName>" + method + "</methodName>\n<params>\n</params>\n</methodCall>\n"
	fmt.Fprintf(c, "POST /RPC2 HTTP/1.0\r\nHost: %s\r\nUser-Agent: xmlrpclib.py/1.0.1 (by www.pythonware.com)\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
	resp, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	return string(resp)
}

func TestServeBindsAnswersAndStopsOnSIGTERM(t *testing.T) {
	s := startServer(t, "--relocation-addr", "127.0.0.1:0")
	s.waitSocket(t, s.xmlrpc)
	s.waitSocket(t, s.http)
	waitLog(t, s, "xendshim ready")
	// Without --relocation-legacy the unauthenticated receiver stays off
	// and the log says how to opt in.
	reloc := "set relocation-legacy: true (--relocation-legacy)"
	if !strings.Contains(s.logText(), reloc) {
		t.Errorf("log lacks %q:\n%s", reloc, s.logText())
	}
	for _, dir := range []string{filepath.Dir(s.xmlrpc), filepath.Dir(s.http)} {
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("socket directory %s mode = %v, %v; want 0700", dir, st.Mode().Perm(), err)
		}
	}
	if got := xmlrpcCall(t, s.xmlrpc, "system.listMethods"); !strings.Contains(got, "<string>xend.domains</string>") {
		t.Errorf("system.listMethods reply lacks xend.domains:\n%s", got)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want status 0; log:\n%s", err, s.logText())
	}
	for _, p := range []string{s.xmlrpc, s.http} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("socket %s left behind after shutdown", p)
		}
	}
	if !strings.Contains(s.logText(), "xendshim stopped") {
		t.Errorf("log lacks the clean stop line:\n%s", s.logText())
	}
}

func TestServePython3ListMethods(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (scripts/install-deps.sh installs it)")
	}
	s := startServer(t, "--http-socket", "")
	s.waitSocket(t, s.xmlrpc)
	// Python 3's xmlrpc.client, the descendant of xm's xmlrpclib, over the
	// UNIX socket the way xm's httpu transport reaches it.
	script := `
import http.client, socket, sys, xmlrpc.client
path = sys.argv[1]
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
class UnixTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn(path)
proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(), allow_none=True)
methods = proxy.system.listMethods()
print(len(methods), " ".join(methods))
`
	out, err := exec.Command(py, "-c", script, s.xmlrpc).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 xmlrpc.client: %v\n%s\nserver log:\n%s", err, out, s.logText())
	}
	for _, m := range []string{"system.listMethods", "xend.domains", "xend.domain.create", "xend.node.info"} {
		if !strings.Contains(" "+string(out), " "+m+" ") && !strings.HasSuffix(strings.TrimSpace(string(out)), m) {
			t.Errorf("python3 system.listMethods() lacks %s: %s", m, out)
		}
	}
	if err := s.stop(t, syscall.SIGINT); err != nil {
		t.Errorf("serve exit after SIGINT = %v; want 0", err)
	}
}

func TestServeMalformedXendConfigChangesNothing(t *testing.T) {
	dir := t.TempDir()
	xc := filepath.Join(dir, "xend-config.sxp")
	os.WriteFile(xc, []byte("(xend-unix-server yes)\n(xend-http-server maybe)\n"), 0o600)
	sock := filepath.Join(dir, "run", "xmlrpc.sock")
	cmd := exec.Command(binary, "serve", "--backend", "sim", "--state-dir", filepath.Join(dir, "state"),
		"--xmlrpc-socket", sock, "--http-socket", "", "--xend-config", xc)
	cmd.Env = isolatedEnv()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitError {
		t.Fatalf("serve with malformed xend-config: %v; want exit status %d\n%s", err, exitError, out)
	}
	want := xc + ":2: option xend-http-server: expected a boolean"
	if !strings.Contains(string(out), want) {
		t.Errorf("serve output = %q; want it to contain %q", out, want)
	}
	for _, p := range []string{filepath.Dir(sock), filepath.Join(dir, "state")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created although the configuration was rejected", p)
		}
	}
}

func TestServeSIGHUPReopensAndKeepsBadReload(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "xendshim.yaml")
	first := filepath.Join(dir, "a", "xmlrpc.sock")
	second := filepath.Join(dir, "b", "xmlrpc.sock")
	os.WriteFile(conf, []byte("xmlrpc-socket: "+first+"\n"), 0o600)
	s := startServerArgs(t, "serve", "--backend", "sim", "--state-dir", filepath.Join(dir, "state"), "--config", conf, "--http-socket", "")
	s.waitSocket(t, first)

	// A bad configuration: nothing changes, the old socket keeps answering.
	os.WriteFile(conf, []byte("xmlrpc-socket: "+second+"\nshutdown-timeout: forever\n"), 0o600)
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, s, "configuration not reloaded; nothing changed")
	if got := xmlrpcCall(t, first, "system.listMethods"); !strings.Contains(got, "xend.domains") {
		t.Errorf("after a bad reload the old socket answered:\n%s", got)
	}
	if _, err := os.Lstat(second); err == nil {
		t.Errorf("bad reload created %s", second)
	}

	// A good one: the listener moves.
	os.WriteFile(conf, []byte("xmlrpc-socket: "+second+"\n"), 0o600)
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitSocket(t, second)
	if got := xmlrpcCall(t, second, "system.listMethods"); !strings.Contains(got, "xend.domains") {
		t.Errorf("after reload the new socket answered:\n%s", got)
	}
	if _, err := os.Lstat(first); err == nil {
		t.Errorf("old socket %s still present after reload", first)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}

// startServerArgs runs the binary with exactly args (no defaults added).
func startServerArgs(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{log: new(bytes.Buffer), done: make(chan error, 1)}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = isolatedEnv()
	s.cmd.Stderr = &lockedWriter{w: s.log}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	return s
}

// waitLog waits until the server's log contains text.
func waitLog(t *testing.T, s *server, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.logText(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("log never showed %q:\n%s", text, s.logText())
}

func TestServeSocketActivation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sd", "xmlrpc.sock")
	os.MkdirAll(filepath.Dir(path), 0o700)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // the child holds the socket now; keep the file name
	defer f.Close()
	// As systemd does: the socket is fd 3, LISTEN_PID is the service's pid
	// (the shell's, kept by exec).
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, binary, "serve", "--backend", "sim",
		"--state-dir", filepath.Join(dir, "state"), "--xmlrpc-socket", "", "--http-socket", "")
	notifyPath := filepath.Join(dir, "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	cmd.Env = isolatedEnv("LISTEN_FDS=1", "LISTEN_FDNAMES=xmlrpc", "NOTIFY_SOCKET="+notifyPath)
	cmd.ExtraFiles = []*os.File{f}
	s := &server{cmd: cmd, log: new(bytes.Buffer), done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: s.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-s.done })
	waitLog(t, s, "xendshim ready")
	notify.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 64)
	if n, err := notify.Read(buf); err != nil || string(buf[:n]) != "READY=1" {
		t.Errorf("systemd notification = %q, %v; want READY=1", buf[:n], err)
	}
	if !strings.Contains(s.logText(), "systemd=true") {
		t.Errorf("log does not show the inherited socket:\n%s", s.logText())
	}
	if got := xmlrpcCall(t, path, "system.listMethods"); !strings.Contains(got, "xend.domains") {
		t.Errorf("system.listMethods over the inherited socket:\n%s", got)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}

func TestServeLogFileReopenedOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "xendshim.log")
	s := startServer(t, "--log-file", logPath, "--http-socket", "")
	s.waitSocket(t, s.xmlrpc)
	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatalf("log file not written: %v", err)
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b, []byte("SIGHUP")) || bytes.Contains(b, []byte("listening")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log file not reopened after SIGHUP; stderr:\n%s", s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	old, _ := os.ReadFile(rotated)
	if !bytes.Contains(old, []byte("xendshim ready")) {
		t.Errorf("rotated log lacks the start-up lines:\n%s", old)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
	if s.logText() != "" {
		t.Errorf("with --log-file, serve still wrote to standard error:\n%s", s.logText())
	}
}

// TestServeWithShippedXendConfig: the xend-config.sxp that Xen 4.4.4
// shipped loads, and only the options xend knew that xendshim ignores are
// warned about.
func TestServeWithShippedXendConfig(t *testing.T) {
	corpus, err := filepath.Abs(filepath.Join(repoRoot, "config", "testdata", "xend-config.sxp"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--xend-config", corpus, "--relocation-addr", "")
	s.waitSocket(t, s.xmlrpc)
	waitLog(t, s, "xendshim ready")
	log := s.logText()
	for _, opt := range []string{"network-script", "vif-script", "vncpasswd", "dom0-cpus"} {
		if !strings.Contains(log, "option="+opt+" ") {
			t.Errorf("no warning for ignored option %s:\n%s", opt, log)
		}
	}
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("errors while loading the shipped xend-config.sxp:\n%s", log)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}
