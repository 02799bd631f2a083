package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/config"
)

// unitValues returns the values of key in a systemd unit file, in order.
func unitValues(t *testing.T, name, key string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "packaging", name))
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == key {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

// TestServiceUnitCommandLine: the unit's ExecStart is a valid xendshim
// command line, and the service waits for READY=1, which serve sends.
func TestServiceUnitCommandLine(t *testing.T) {
	execs := unitValues(t, "xendshim.service", "ExecStart")
	if len(execs) != 1 {
		t.Fatalf("xendshim.service has %d ExecStart lines; want 1", len(execs))
	}
	words := shellWords(execs[0])
	if len(words) < 2 || filepath.Base(words[0]) != "xendshim" {
		t.Fatalf("ExecStart=%s does not run xendshim", execs[0])
	}
	root := newRootCmd(new(bytes.Buffer), new(bytes.Buffer))
	cmd, rest, err := root.Find(words[1:])
	if err == nil {
		err = cmd.ParseFlags(rest)
	}
	if err != nil || cmd.Name() != "serve" {
		t.Errorf("ExecStart=%s: command %q, %v; want a valid serve command line", execs[0], cmd.Name(), err)
	}
	if got := unitValues(t, "xendshim.service", "Type"); len(got) != 1 || got[0] != "notify" {
		t.Errorf("xendshim.service Type = %q; want notify (serve sends READY=1)", got)
	}
}

// TestSocketUnitPaths: the socket unit creates the sockets at the paths
// serve expects by default, so unnamed inherited sockets match by path.
func TestSocketUnitPaths(t *testing.T) {
	got := unitValues(t, "xendshim.socket", "ListenStream")
	norm := func(p string) string { return strings.Replace(p, "/var/run/", "/run/", 1) }
	want := []string{norm(config.DefaultXMLRPCSocket), norm(config.DefaultHTTPSocket)}
	if len(got) != len(want) {
		t.Fatalf("xendshim.socket ListenStream = %q; want %q", got, want)
	}
	for i := range want {
		if norm(got[i]) != want[i] {
			t.Errorf("xendshim.socket ListenStream[%d] = %q; want %q", i, got[i], want[i])
		}
	}
	if got := unitValues(t, "xendshim.socket", "DirectoryMode"); len(got) != 1 || got[0] != "0700" {
		t.Errorf("xendshim.socket DirectoryMode = %q; want 0700 as xend made its socket directories", got)
	}
}

// TestUnitsVerify runs systemd's own checker on the units, with ExecStart
// pointed at the freshly built binary.
func TestUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	units := []string{"xendshim.service", "xendshim.socket", "xendshim-migrate.socket", "xendshim-migrate@.service"}
	for _, name := range units {
		data, err := os.ReadFile(filepath.Join(repoRoot, "packaging", name))
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.ReplaceAll(data, []byte("/usr/sbin/xendshim"), []byte(binary))
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	// A template is verified through an instance of it.
	cmd := exec.Command(analyze, "verify", "--man=no", "xendshim.socket", "xendshim.service", "xendshim-migrate.socket", "xendshim-migrate@0.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestMigrateUnitCommandLine: the per-connection migration service runs a
// valid migrate-receive command line in inetd mode that never logs to the
// socket (standard error is the socket under inetd).
func TestMigrateUnitCommandLine(t *testing.T) {
	execs := unitValues(t, "xendshim-migrate@.service", "ExecStart")
	if len(execs) != 1 {
		t.Fatalf("xendshim-migrate@.service has %d ExecStart lines; want 1", len(execs))
	}
	words := shellWords(execs[0])
	root := newRootCmd(new(bytes.Buffer), new(bytes.Buffer))
	cmd, rest, err := root.Find(words[1:])
	if err == nil {
		err = cmd.ParseFlags(rest)
	}
	if err != nil || cmd.Name() != "migrate-receive" {
		t.Fatalf("ExecStart=%s: command %q, %v; want a valid migrate-receive command line", execs[0], cmd.Name(), err)
	}
	if v, _ := cmd.Flags().GetBool("inetd"); !v {
		t.Errorf("ExecStart=%s: want --inetd (StandardInput=socket)", execs[0])
	}
	if v, _ := cmd.Flags().GetString("log"); v == "stderr" {
		t.Errorf("ExecStart=%s logs to standard error", execs[0])
	}
	if got := unitValues(t, "xendshim-migrate.socket", "Accept"); len(got) != 1 || got[0] != "yes" {
		t.Errorf("xendshim-migrate.socket Accept = %q; want yes (one service per connection)", got)
	}
}
