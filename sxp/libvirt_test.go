package sxp

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLibvirt(t *testing.T) {
	tests := []struct {
		name, in, want string // want: Show of the result
	}{
		{"domain body with trailing ''", "(domain (domid 3) (name web01))''", "(domain (domid 3) (name web01))"},
		{"single quotes", "(args 'ro quiet')", "(args 'ro quiet')"},
		{"empty string", "(bootloader '')", "(bootloader '')"},
		{"backslash kept", `(uname 'file:/a\'b\\c')`, `(uname "file:/a\\'b\\\\c")`},
		{"double quotes are not understood", `(xend.err "it's bad")`, `(xend.err '"it\'s' 'bad"')`},
		{"hash is no comment", "(a #b)", "(a '#b')"},
		{"missing close", "(a (b c", "(a (b c))"},
		{"empty element", "(bootloader)", "(bootloader)"},
		{"only first expression", "(a) (b)", "(a)"},
		{"atom at top", "0", "0"},
		{"empty input", "", "''"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseLibvirt([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := Show(v); got != tt.want {
				t.Errorf("ParseLibvirt(%q) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
	deep := strings.Repeat("(", MaxDepth+1)
	if _, err := ParseLibvirt([]byte(deep)); err == nil {
		t.Errorf("ParseLibvirt(%d open lists) succeeded; want ErrTooDeep", MaxDepth+1)
	}
}

// TestLibvirtReadsCaptures checks what libvirt's reader makes of every
// captured domain body: the same name, uuid, domid and memory as xend's
// reader (http-sxp.md §4.4), and the same whole value unless a string holds
// a single quote, which xend double-quotes and libvirt then misreads.
func TestLibvirtReadsCaptures(t *testing.T) {
	files, _ := filepath.Glob("testdata/http/*.sxp")
	checked, misread := 0, 0
	for _, f := range files {
		data := readFile(t, f)
		if !strings.HasPrefix(string(data), "(domain ") {
			continue
		}
		checked++
		vals, err := ParseAll(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		lv, err := ParseLibvirt(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, path := range []string{"domain/name", "domain/uuid", "domain/domid", "domain/memory"} {
			if a, b := lv.LookupText(path, "<none>"), vals[0].LookupText(path, "<none>"); a != b {
				t.Errorf("%s: %s = %q for libvirt, %q for xend", f, path, a, b)
			}
		}
		doubleQuoted := strings.Contains(string(data), `"`)
		if Equal(lv, vals[0]) == doubleQuoted {
			t.Errorf("%s: libvirt reads the body as xend does: %v; want %v (body has a double-quoted string: %v)", f, !doubleQuoted, !doubleQuoted, doubleQuoted)
		}
		if doubleQuoted {
			misread++
			// The quirk itself: (description "it's a \\ test") reads as the atom "it's.
			if got := lv.LookupText("domain/description", ""); got != `"it's` {
				t.Errorf("%s: libvirt reads description as %q; want %q", f, got, `"it's`)
			}
		}
	}
	if checked == 0 || misread == 0 {
		t.Fatalf("checked %d domain bodies, %d with a double-quoted string; want some of each", checked, misread)
	}
}
