package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/xendshim/xendshim"

// TestLayering checks DESIGN.md's arrows on the non-test imports of every
// package: only cmd/xendshim picks a backend (toolstack/sim, toolstack/xl),
// and sxp and xmlrpc know nothing about Xen (no toolstack or compat).
func TestLayering(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, imports := fields[0], fields[1:]
		for _, imp := range imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if root := backendRoot(imp); root != "" && !strings.HasPrefix(pkg, module+"/cmd/") && !within(pkg, root) {
				t.Errorf("%s imports the backend %s; only cmd/xendshim may choose a backend", pkg, imp)
			}
			if (within(pkg, module+"/sxp") || within(pkg, module+"/xmlrpc")) &&
				(within(imp, module+"/toolstack") || within(imp, module+"/compat")) {
				t.Errorf("%s imports %s; sxp and xmlrpc must know nothing about Xen", pkg, imp)
			}
		}
	}
}

// backendRoot returns the backend that imp is or lies in, or "".
func backendRoot(imp string) string {
	for _, root := range []string{module + "/toolstack/sim", module + "/toolstack/xl"} {
		if within(imp, root) {
			return root
		}
	}
	return ""
}

// within reports whether pkg is root or below it.
func within(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }
