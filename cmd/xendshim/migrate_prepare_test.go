package main

import (
	"strings"
	"testing"
)

// TestMigratePrepareCLI: register, list, cancel, and the usage errors.
func TestMigratePrepareCLI(t *testing.T) {
	dir := t.TempDir()
	const uuid = "11111111-2222-3333-4444-555555555555"
	base := []string{"migrate-prepare", "--backend", "sim", "--state-dir", dir, "--xend-config", ""}
	cli := func(args ...string) (string, string, int) {
		return runCLI(t, append(append([]string{}, base...), args...)...)
	}

	out, errOut, code := cli(uuid, "--from", "xendshim://host/hv-a", "--ttl", "30m")
	if code != exitOK || !strings.HasPrefix(out, uuid+" from xendshim://host/hv-a until ") {
		t.Fatalf("register: exit %d, %q %q", code, out, errOut)
	}
	if out, _, code = cli("--list"); code != exitOK || !strings.HasPrefix(out, uuid+" from xendshim://host/hv-a until ") {
		t.Fatalf("--list: exit %d, %q", code, out)
	}
	if _, errOut, code = cli("--cancel", uuid); code != exitOK {
		t.Fatalf("--cancel: exit %d, %s", code, errOut)
	}
	if out, _, code = cli("--list"); code != exitOK || out != "" {
		t.Fatalf("--list after --cancel: exit %d, %q; want nothing", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{uuid}, "--from PEER is required"},
		{nil, "give the domain's UUID"},
		{[]string{"web1", "--from", "xendshim://host/hv-a"}, `"web1" is not a UUID`},
		{[]string{uuid, "--from", "xendshim://host/hv-a", "--ttl", "0s"}, "--ttl 0s"},
		{[]string{"--list", uuid}, "--list takes no UUID"},
	} {
		if _, errOut, code := cli(tc.args...); code == exitOK || !strings.Contains(errOut, tc.want) {
			t.Errorf("migrate-prepare %q: exit %d, %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
