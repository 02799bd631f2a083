package sxp

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// corpusFiles returns the SXP corpus files in testdata/corpus.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob("testdata/corpus/sxp/*/*")
	host, _ := filepath.Glob("testdata/corpus/host-config/*.sxp")
	files = append(files, host...)
	if len(files) < 100 {
		t.Fatalf("found %d corpus files; run go test -run TestUpdateTestdata -update", len(files))
	}
	return files
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// corpusRejected lists the corpus files that xend itself rejects (their
// parentheses do not balance, as published), with the position this parser
// reports and xend's message.
var corpusRejected = map[string]struct {
	line, col int
	xend      string
}{
	"sexpr2xml-bridge-ipaddr.sexpr":         {11, 1, "unexpected EOF"},
	"sexpr2xml-net-routed.sexpr":            {11, 1, "unexpected EOF"},
	"sexpr2xml-pv-vfb-new.sexpr":            {9, 52, "syntax error: )"},
	"sexpr2xml-pv-vfb-new-vncdisplay.sexpr": {10, 19, "syntax error: )"},
}

// TestCorpus parses every corpus file. Files xend accepted must parse, print
// with Show and Pretty, and parse back to the same value; the files xend
// rejected must fail at the listed line and column.
func TestCorpus(t *testing.T) {
	seen := 0
	for _, f := range corpusFiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data := readFile(t, f)
			vals, err := ParseAll(data)
			if want, rejected := corpusRejected[name]; rejected {
				seen++
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("ParseAll = %v; want a SyntaxError at %d:%d", err, want.line, want.col)
				}
				if se.Line != want.line || se.Col != want.col || se.XendMsg != want.xend {
					t.Errorf("ParseAll error at %d:%d (%q); want %d:%d (%q): %v", se.Line, se.Col, se.XendMsg, want.line, want.col, want.xend, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAll: %v", err)
			}
			if len(vals) == 0 {
				t.Fatal("ParseAll found no value")
			}
			checkRoundTrip(t, vals)
		})
	}
	if seen != len(corpusRejected) {
		t.Errorf("saw %d of the %d files listed in corpusRejected", seen, len(corpusRejected))
	}
}

// checkRoundTrip checks that Show and Pretty output parses back to values
// Identical to vals (the parser keeps quoted strings apart from atoms, so
// even the kinds survive) and that printing again gives the same bytes.
func checkRoundTrip(t *testing.T, vals []Value) {
	t.Helper()
	for i, v := range vals {
		shown := Show(v)
		back, err := ParseString(shown)
		if err != nil {
			t.Fatalf("value %d: Parse(Show(v)) error %v\n%s", i, err, shown)
		}
		if !Equal(back, v) {
			t.Errorf("value %d: Parse(Show(v)) is not Equal to v:\n%s\n%s", i, Show(back), shown)
		}
		if again := Show(back); again != shown {
			t.Errorf("value %d: Show is not stable:\n%s\n%s", i, again, shown)
		}
		pretty := Pretty(v, PrettyWidth)
		pback, err := ParseString(pretty)
		if err != nil {
			t.Fatalf("value %d: Parse(Pretty(v)) error %v\n%s", i, err, pretty)
		}
		if !Equal(pback, v) {
			t.Errorf("value %d: Parse(Pretty(v)) is not Equal to v:\n%s", i, pretty)
		}
		if again := Pretty(pback, PrettyWidth); again != pretty {
			t.Errorf("value %d: Pretty is not stable:\n%s\n%s", i, again, pretty)
		}
	}
}

// oldEmpty matches "(name )": xend before 4.1 printed an empty string as
// nothing, so its captures hold a space where 4.4 writes ”.
var oldEmpty = regexp.MustCompile(`\(([^()\s]+) \)`)

// prettyCaptureExceptions lists the pretty-printed corpus captures whose
// layout Pretty cannot reproduce, and why.
var prettyCaptureExceptions = map[string]string{
	"sexpr2xml-pv-vfb-type-crash.sexpr": "a 117-byte FEATURES string starts at column 0, not at the break indent: " +
		"xend 4.4's PrettyPrint indents it; the capture comes from an older xend or was edited",
}

// TestPrettyOldCaptures checks the layout of Pretty against the corpus
// files that are real `xm list -l` captures from Xen 3.x (libvirt's
// sexpr2xmldata): same lines, once "(name )" (how xend < 4.1 printed an
// empty string) is written "(name)", which is how an empty list element
// parses and prints.
func TestPrettyOldCaptures(t *testing.T) {
	checked := 0
	for _, f := range corpusFiles(t) {
		data := readFile(t, f)
		if !strings.HasPrefix(string(data), "(domain\n") {
			continue
		}
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			checked++
			v, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			want := oldEmpty.ReplaceAllString(string(data), "($1)")
			got := Pretty(v, PrettyWidth)
			if why, ok := prettyCaptureExceptions[name]; ok {
				if got == want {
					t.Errorf("listed as an exception (%s) but Pretty reproduces it", why)
				}
				return
			}
			if got != want {
				t.Errorf("Pretty differs from the capture:\n%s", lineDiff([]byte(got), []byte(want)))
			}
		})
	}
	if checked < 5 {
		t.Errorf("checked %d pretty-printed captures; want at least 5", checked)
	}
}
