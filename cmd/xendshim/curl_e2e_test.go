package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestServeHTTPSXPWithCurl asks the /xend/ tree for the node record with
// curl, a client no one here wrote, over the UNIX socket and over TCP.
func TestServeHTTPSXPWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed (scripts/install-deps.sh installs it)")
	}
	addr := freePort(t)
	s := startServer(t, "--http-addr", addr)
	s.waitSocket(t, s.http)
	waitLog(t, s, "xendshim ready")
	for _, args := range [][]string{
		{"--unix-socket", s.http, "http://localhost:8000/xend/node/"},
		{"http://" + addr + "/xend/node/"},
	} {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "30"}, args...)...).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "(node ") || !strings.Contains(string(out), "(xend_config_format 4)") {
			t.Errorf("curl %v: %v\n%.300s", args, err, out)
		}
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}
