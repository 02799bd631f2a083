package xend

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonClient runs the main xm flows and every fault code with
// Python 3's xmlrpc.client, a client no one here wrote, against the table
// on the reference simulator.
func TestPythonClient(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (scripts/deps.d/00-base.sh installs it)")
	}
	sock := replayServer(t)
	cmd := exec.Command(py, filepath.Join("testdata", "xmclient.py"), sock, "/var/lib/xen/save/e2e.save")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xmclient.py: %v\n%s", err, out)
	}
	t.Logf("%d checks passed", strings.Count(string(out), "\nok: ")+1)
}
