package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestServeSimProfile: --sim-profile loads a host profile in the format of
// reference-host.json, and the simulated host answers with its facts.
func TestServeSimProfile(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed (scripts/install-deps.sh installs it)")
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "toolstack", "sim", "profiles", "reference-host.json"))
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]any
	if err := json.Unmarshal(data, &prof); err != nil {
		t.Fatal(err)
	}
	prof["uname"].(map[string]any)["nodename"] = "profiled-host"
	data, _ = json.Marshal(prof)
	path := filepath.Join(t.TempDir(), "host.json")
	os.WriteFile(path, data, 0o600)

	s := startServer(t, "--sim-profile", path)
	s.waitSocket(t, s.http)
	out, err := exec.Command(curl, "-sS", "--max-time", "30", "--unix-socket", s.http, "http://localhost:8000/xend/node/").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(host profiled-host)") {
		t.Errorf("node record with --sim-profile: %v\n%.300s", err, out)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit = %v", err)
	}
}

// TestServeBadSimProfile: a profile that does not parse stops serve with
// an error naming the file, before any socket is bound.
func TestServeBadSimProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "host.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	sock := filepath.Join(dir, "run", "xmlrpc.sock")
	cmd := exec.Command(binary, "serve", "--backend", "sim", "--state-dir", filepath.Join(dir, "state"),
		"--xmlrpc-socket", sock, "--http-socket", "", "--sim-profile", path)
	cmd.Env = isolatedEnv()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitError || !strings.Contains(string(out), path) {
		t.Errorf("serve with a bad profile: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Dir(sock)); err == nil {
		t.Errorf("socket directory created although the profile was rejected")
	}
}
