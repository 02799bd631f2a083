package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xendshim/xendshim/config"
)

// nobody is the unprivileged account the non-root test runs as.
const nobody = 65534

// TestServeNonRootFallsBackToUserDirs runs serve as an ordinary user with
// xend's default paths: it must move its sockets and state to the user's
// runtime and state directories, say so, and serve there.
func TestServeNonRootFallsBackToUserDirs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the server as another, unprivileged user")
	}
	base, err := os.MkdirTemp("", "xendshim-nonroot-") // t.TempDir's parent is 0700
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	os.Chmod(filepath.Dir(binary), 0o755) // let nobody run the test binary's xendshim
	runtimeDir := filepath.Join(base, "runtime")
	stateHome := filepath.Join(base, "state")
	for _, d := range []string{runtimeDir, stateHome} {
		os.Mkdir(d, 0o700)
		os.Chown(d, nobody, nobody)
	}
	s := &server{log: new(bytes.Buffer), done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve", "--backend", "sim", "--http-socket", "")
	s.cmd.Env = isolatedEnv("XDG_RUNTIME_DIR="+runtimeDir, "XDG_STATE_HOME="+stateHome, "HOME=/nonexistent")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	s.cmd.Dir = base
	s.cmd.Stderr = &lockedWriter{w: s.log}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })

	sock := filepath.Join(runtimeDir, "xendshim", "xmlrpc.sock")
	s.waitSocket(t, sock)
	log := s.logText()
	for _, want := range []string{
		"not running as root: xmlrpc-socket: " + config.DefaultXMLRPCSocket + " is not writable by this user; using " + sock,
		"not running as root: state-dir: " + config.DefaultStateDir,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if got := xmlrpcCall(t, sock, "system.listMethods"); !strings.Contains(got, "xend.domains") {
		t.Errorf("system.listMethods on the fallback socket:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(stateHome, "xendshim", "sim")); err != nil {
		t.Errorf("simulated host state not under XDG_STATE_HOME: %v", err)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}

// TestAutoBackendSaysSimulatedLoudly: without a Xen control domain, auto
// picks the simulated host and logs a warning saying so.
func TestAutoBackendSaysSimulatedLoudly(t *testing.T) {
	caps := filepath.Join(t.TempDir(), "capabilities")
	os.WriteFile(caps, []byte("\n"), 0o600) // a domU: no control_d
	old := xenCapabilitiesPath
	xenCapabilitiesPath = caps
	defer func() { xenCapabilitiesPath = old }()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	be, err := openBackend(&config.Config{Backend: "auto", StateDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer be.close()
	if be.name != "sim" {
		t.Errorf("auto backend without control_d = %q; want sim", be.name)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "SERVING A SIMULATED HOST") {
		t.Errorf("auto backend log = %q; want a warning that the host is simulated", buf.String())
	}
}
