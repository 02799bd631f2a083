package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestIsControlDomain(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          bool
	}{
		{"dom0", "control_d\n", true},
		{"domU", "\n", false},
		{"missing", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if tc.name != "missing" {
				os.WriteFile(p, []byte(tc.content), 0o600)
			}
			if got := isControlDomain(p); got != tc.want {
				t.Errorf("isControlDomain(%q) = %v; want %v", tc.content, got, tc.want)
			}
		})
	}
}

func TestSeededUUIDs(t *testing.T) {
	a, b, c := seededUUIDs(42), seededUUIDs(42), seededUUIDs(43)
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		x, y, z := a(), b(), c()
		if x != y {
			t.Fatalf("seed 42 call %d: %s != %s; want the same sequence", i, x, y)
		}
		if x == z {
			t.Errorf("seeds 42 and 43 both gave %s", x)
		}
		if !form.MatchString(x) {
			t.Errorf("seededUUIDs(42)() = %q; want a version-4 UUID", x)
		}
		if seen[x] {
			t.Errorf("seededUUIDs(42) repeated %s", x)
		}
		seen[x] = true
	}
}
