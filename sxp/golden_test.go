package sxp

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// update rewrites testdata/http, testdata/xm and testdata/corpus from the
// project's shared captures and corpus (../../shared): go test ./sxp -run
// TestUpdateTestdata -update.
var update = flag.Bool("update", false, "rewrite testdata from ../../shared/golden and ../../shared/corpus")

const sharedDir = "../../shared"

// TestUpdateTestdata extracts what the printer and parser tests compare
// against: the application/sxp bodies of the HTTP captures
// (testdata/http/NNN-name.sxp), the stdout of the xm commands that print SXP
// (testdata/xm/NNN-name.pretty), and the SXP corpus files (testdata/corpus,
// unmodified, with their MANIFEST lines).
func TestUpdateTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata from " + sharedDir)
	}
	golden := filepath.Join(sharedDir, "golden")
	for _, dir := range []string{"testdata/http", "testdata/xm", "testdata/corpus"} {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	resp, _ := filepath.Glob(filepath.Join(golden, "http", "*.response.http"))
	for _, f := range resp {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, ok := bytes.Cut(data, []byte("\r\n\r\n"))
		if !ok || len(body) == 0 || !bytes.Contains(bytes.ToLower(head), []byte("\r\ncontent-type: application/sxp")) {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".response.http") + ".sxp"
		writeFile(t, filepath.Join("testdata/http", name), body)
	}
	xms, _ := filepath.Glob(filepath.Join(golden, "xmlrpc", "*.xm.txt"))
	for _, f := range xms {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := xmStdout(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.HasPrefix(out, []byte("(")) {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".xm.txt") + ".pretty"
		writeFile(t, filepath.Join("testdata/xm", name), out)
	}
	corpus := filepath.Join(sharedDir, "corpus")
	manifest, err := os.ReadFile(filepath.Join(corpus, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var kept bytes.Buffer
	for i, line := range strings.Split(string(manifest), "\n") {
		fields := strings.Split(line, "\t")
		if i == 0 {
			kept.WriteString(line + "\n")
			continue
		}
		if len(fields) < 2 || !(fields[1] == "sxp" || strings.HasSuffix(fields[0], ".sxp")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpus, fields[0]))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join("testdata/corpus", fields[0]), data)
		kept.WriteString(line + "\n")
	}
	writeFile(t, "testdata/corpus/MANIFEST.tsv", kept.Bytes())
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var stdoutHeader = regexp.MustCompile(`(?m)^--- stdout, (\d+) bytes:\n`)

// xmStdout returns the stdout section of a golden .xm.txt file.
func xmStdout(data []byte) ([]byte, error) {
	m := stdoutHeader.FindSubmatchIndex(data)
	if m == nil {
		return nil, fmt.Errorf("no stdout section")
	}
	n, _ := strconv.Atoi(string(data[m[2]:m[3]]))
	if m[1]+n > len(data) {
		return nil, fmt.Errorf("stdout section shorter than %d bytes", n)
	}
	return data[m[1] : m[1]+n], nil
}

// handWritten lists the captured application/sxp bodies that xend wrote by
// hand rather than with sxp.show, so printing their parse cannot reproduce
// them (http-sxp.md §2.6).
var handWritten = map[string]string{
	"003-root-xend.sxp":  "(ls  node domain vnet) is written by render_GET with two spaces",
	"062-unknown-op.sxp": "'Operation not implemented: frob' is plain text followed by the shown ''",
}

// TestShowGoldenHTTP checks that Show reproduces, byte for byte, every SXP
// body xend 4.4 sent in the HTTP captures: parse the body, show each
// top-level value, concatenate.
func TestShowGoldenHTTP(t *testing.T) {
	files, _ := filepath.Glob("testdata/http/*.sxp")
	if len(files) < 20 {
		t.Fatalf("found %d files in testdata/http; run go test -run TestUpdateTestdata -update", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := ParseAll(want)
			if err != nil {
				t.Fatalf("ParseAll: %v", err)
			}
			var got []byte
			for _, v := range vals {
				got = AppendShow(got, v)
			}
			if why, ok := handWritten[name]; ok {
				if bytes.Equal(got, want) {
					t.Errorf("listed as hand-written (%s) but Show reproduces it; remove it from handWritten", why)
				}
				return
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Show(ParseAll(body)) =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestPrettyGoldenXM checks that Pretty reproduces, byte for byte, what
// xm 4.4 printed with PrettyPrint (xm list -l, block-list -l, ...).
func TestPrettyGoldenXM(t *testing.T) {
	files, _ := filepath.Glob("testdata/xm/*.pretty")
	if len(files) < 5 {
		t.Fatalf("found %d files in testdata/xm; run go test -run TestUpdateTestdata -update", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := ParseAll(want)
			if err != nil {
				t.Fatalf("ParseAll: %v", err)
			}
			var got []byte
			for _, v := range vals {
				got = AppendPretty(got, v, PrettyWidth)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Pretty(ParseAll(stdout)) differs:\n%s", lineDiff(got, want))
			}
		})
	}
}

// lineDiff describes the first differing line of got and want.
func lineDiff(got, want []byte) string {
	g := bufio.NewScanner(bytes.NewReader(got))
	w := bufio.NewScanner(bytes.NewReader(want))
	for n := 1; ; n++ {
		gok, wok := g.Scan(), w.Scan()
		if !gok && !wok {
			return fmt.Sprintf("same lines, different bytes (len %d, want %d)", len(got), len(want))
		}
		if g.Text() != w.Text() || gok != wok {
			return fmt.Sprintf("line %d: got  %q\n         want %q", n, g.Text(), w.Text())
		}
	}
}
