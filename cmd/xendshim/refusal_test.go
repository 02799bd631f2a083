package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertRefusalExitsTwoWithoutUsageHint: a refused config makes check
// and convert exit 2 with the diagnosis (file, line, how to fix) and the
// summary, and without the usage hint, which is for command-line mistakes.
func TestConvertRefusalExitsTwoWithoutUsageHint(t *testing.T) {
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.cfg")
	os.WriteFile(cfg, []byte("name = \"x\"\nmemory = 64\nbogus syntax here\n"), 0o644)
	for _, args := range [][]string{
		{"check", cfg},
		{"convert", "-o", filepath.Join(dir, "out"), cfg},
	} {
		t.Run(args[0], func(t *testing.T) {
			out, errOut, code := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("run(%q) = exit %d; want 2 (refused)\nstdout %q\nstderr %q", args, code, out, errOut)
			}
			all := out + errOut
			if want := cfg + ":3:"; !strings.Contains(all, want) {
				t.Errorf("run(%q) output lacks the diagnosis at %q:\n%s", args, want, all)
			}
			if !strings.Contains(errOut, "1 refused") {
				t.Errorf("run(%q) stderr lacks the summary: %q", args, errOut)
			}
			if strings.Contains(all, "--help") {
				t.Errorf("run(%q) printed a usage hint for a refusal:\n%s", args, all)
			}
		})
	}
	if _, errOut, code := runCLI(t, "check", filepath.Join(dir, "absent.cfg")); code != exitUsage || !strings.Contains(errOut, "--help") {
		t.Errorf("run(check absent.cfg) = exit %d, %q; want 2 with the usage hint (a command-line mistake)", code, errOut)
	}
}
