package main

import (
	"context"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/xendshim/xendshim/xmlrpc"
)

// TestListAgainstSimServer: `xendshim list` and `list -l` ask a running
// serve over httpu:// and print xm's table and xm list -l's SXP, with dom0
// complete (vCPUs, state, cpu_time) and the console's tty.
func TestListAgainstSimServer(t *testing.T) {
	s := migServe(t, t.TempDir())
	c, err := xmlrpc.NewClient("httpu://" + s.xmlrpc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := []any{"vm", []any{"name", "c1"}, []any{"memory", 64}, []any{"vcpus", 1},
		[]any{"image", []any{"linux", []any{"kernel", "/boot/vmlinuz"}}}}
	if _, err := c.Call(context.Background(), "xend.domain.create", cfg); err != nil {
		t.Fatalf("xend.domain.create: %v", err)
	}
	server := "--server=httpu://" + s.xmlrpc

	out, errOut, code := runCLI(t, "list", server)
	if code != 0 {
		t.Fatalf("list = exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := "Name                                        ID   Mem VCPUs      State   Time(s)"; len(lines) != 3 || lines[0] != want {
		t.Fatalf("list =\n%s\nwant the header %q and two rows", out, want)
	}
	for i, re := range []string{
		`^Domain-0 {32} {5}0 +[1-9]\d* +[1-9]\d* +r----- +\d+\.\d$`,
		`^c1 {38} {5}1 +64 +1 +[-a-z]{6} +\d+\.\d$`,
	} {
		if !regexp.MustCompile(re).MatchString(lines[i+1]) {
			t.Errorf("list row %d = %q; want it to match %s", i+1, lines[i+1], re)
		}
	}

	out, errOut, code = runCLI(t, "list", "-l", server)
	if code != 0 {
		t.Fatalf("list -l = exit %d: %s", code, errOut)
	}
	for _, want := range []string{"(domain\n    (domid 0)", "(name Domain-0)", "(online_vcpus ", "(cpu_time ", "(state r-----)", "(name c1)", "(tty /dev/pts/"} {
		if !strings.Contains(out, want) {
			t.Errorf("list -l lacks %q:\n%s", want, out)
		}
	}

	out, _, code = runCLI(t, "list", "-l", server, "c1")
	if code != 0 || strings.Contains(out, "Domain-0") || !strings.Contains(out, "(name c1)") {
		t.Errorf("list -l c1 = exit %d:\n%s\nwant c1's record only", code, out)
	}
	if _, errOut, code := runCLI(t, "list", server, "nope"); code != exitError || !strings.Contains(errOut, "Domain 'nope' does not exist") {
		t.Errorf("list nope = exit %d, %q; want 1 and xm's message", code, errOut)
	}
	s.stop(t, syscall.SIGTERM)
	if _, errOut, code := runCLI(t, "list", server); code != exitError || !strings.Contains(errOut, "is 'xendshim serve' running?") {
		t.Errorf("list with the server stopped = exit %d, %q; want 1 and a hint", code, errOut)
	}
}
