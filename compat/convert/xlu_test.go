package convert

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	xluOnce sync.Once
	xluBin  string
	xluErr  error
)

// xlucheck builds testdata/xlucheck.c against libxlutil (Debian's
// libxen-dev, installed by scripts/deps.d/40-libxen.sh) once per run.
func xlucheck(t testing.TB) string {
	xluOnce.Do(func() {
		if _, err := os.Stat("/usr/include/libxlutil.h"); err != nil {
			xluErr = fmt.Errorf("libxlutil.h not installed (Debian libxen-dev; run scripts/install-deps.sh)")
			return
		}
		cc, err := exec.LookPath("cc")
		if err != nil {
			xluErr = fmt.Errorf("no C compiler")
			return
		}
		dir, err := os.MkdirTemp("", "xlucheck")
		if err != nil {
			xluErr = err
			return
		}
		bin := filepath.Join(dir, "xlucheck")
		out, err := exec.Command(cc, "-O2", "-o", bin, "testdata/xlucheck.c", "-lxlutil").CombinedOutput()
		if err != nil {
			xluErr = fmt.Errorf("building xlucheck: %v\n%s", err, out)
			return
		}
		xluBin = bin
	})
	if xluErr != nil {
		if strings.Contains(xluErr.Error(), "building") {
			t.Fatal(xluErr)
		}
		t.Skip(xluErr)
	}
	return xluBin
}

// readBack parses path with libxlutil and returns what it read per key.
func readBack(t *testing.T, bin, path string, want []xlSetting) map[string]xlSetting {
	t.Helper()
	args := []string{path}
	for _, w := range want {
		args = append(args, w.Key+":"+string(w.Type))
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xl's parser rejected %s: %v\n%s", path, err, stderr.String())
	}
	got := map[string]xlSetting{}
	r := bufio.NewReader(bytes.NewReader(out))
	readBytes := func(n int) string {
		b := make([]byte, n+1)
		if _, err := ioReadFull(r, b); err != nil {
			t.Fatalf("short read from xlucheck: %v", err)
		}
		return string(b[:n])
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		f := strings.Fields(line)
		switch f[0] {
		case "S":
			n, _ := strconv.Atoi(f[2])
			got[f[1]] = xlSetting{Key: f[1], Type: 's', S: readBytes(n)}
		case "N":
			n, _ := strconv.ParseInt(f[2], 10, 64)
			got[f[1]] = xlSetting{Key: f[1], Type: 'l', N: n}
		case "L":
			cnt, _ := strconv.Atoi(f[2])
			s := xlSetting{Key: f[1], Type: 'L', List: []string{}}
			for i := 0; i < cnt; i++ {
				hdr, _ := r.ReadString('\n')
				n, _ := strconv.Atoi(strings.Fields(hdr)[1])
				s.List = append(s.List, readBytes(n))
			}
			got[f[1]] = s
		case "M":
			got[f[1]] = xlSetting{Key: f[1], Type: 'M'}
		}
	}
	return got
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestXLParserReadsBack feeds every converted corpus file to xl's own
// config parser and checks that each key reads back with the value the
// converter meant.
func TestXLParserReadsBack(t *testing.T) {
	bin := xlucheck(t)
	root := corpusDir(t)
	dir := t.TempDir()
	checked := 0
	for _, rel := range corpusFiles(t, root) {
		r := convertCorpusFile(root, rel, nil)
		if r.Err != nil && strings.Contains(r.Err.Error(), "declared by xm_vars.var") {
			r = convertCorpusFile(root, rel, templateVars)
		}
		if r.Err != nil {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(rel, "/", "_")+".cfg")
			if err := os.WriteFile(p, []byte(r.XL), 0o644); err != nil {
				t.Fatal(err)
			}
			last := map[string]xlSetting{}
			for _, w := range r.written {
				last[w.Key] = w
			}
			got := readBack(t, bin, p, r.written)
			for k, w := range last {
				g := got[k]
				if g.Type != w.Type || g.S != w.S || g.N != w.N || strings.Join(g.List, "\x00") != strings.Join(w.List, "\x00") {
					t.Errorf("xlu_cfg_get(%s) = %+v; want %+v", k, g, w)
				}
			}
		})
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d files converted; expected most of the corpus", checked)
	}
}

// TestXLParserReadsBackSnippets does the same for the device table's
// conversions (odd paths, quotes, lists, negative numbers).
func TestXLParserReadsBackSnippets(t *testing.T) {
	bin := xlucheck(t)
	dir := t.TempDir()
	for i, tt := range deviceCases {
		r := Bytes("dom.cfg", []byte(tt.src), Options{})
		if r.Err != nil {
			t.Fatalf("Bytes(%q): %v", tt.src, r.Err)
		}
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("s%d.cfg", i))
			if err := os.WriteFile(p, []byte(r.XL), 0o644); err != nil {
				t.Fatal(err)
			}
			last := map[string]xlSetting{}
			for _, w := range r.written {
				last[w.Key] = w
			}
			got := readBack(t, bin, p, r.written)
			for k, w := range last {
				g := got[k]
				if g.Type != w.Type || g.S != w.S || g.N != w.N || strings.Join(g.List, "\x00") != strings.Join(w.List, "\x00") {
					t.Errorf("xlu_cfg_get(%s) = %+v; want %+v", k, g, w)
				}
			}
		})
	}
}

// TestQuoteXLReadsBack checks the quoting rules on hostile strings.
func TestQuoteXLReadsBack(t *testing.T) {
	bin := xlucheck(t)
	vals := []string{"plain", `back\slash`, `dq"uote`, "sq'uote", "tab\there", "nl\nline", "bell\a\b\f\v\r", "ünïcode", "#not a comment", "a,b;c=d", ""}
	var b strings.Builder
	var want []xlSetting
	for i, v := range vals {
		q, err := QuoteXL(v)
		if err != nil {
			t.Fatalf("QuoteXL(%q): %v", v, err)
		}
		k := fmt.Sprintf("k%d", i)
		fmt.Fprintf(&b, "%s = %s\n", k, q)
		want = append(want, xlSetting{Key: k, Type: 's', S: v})
	}
	p := filepath.Join(t.TempDir(), "q.cfg")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := readBack(t, bin, p, want)
	for _, w := range want {
		if got[w.Key].S != w.S {
			t.Errorf("QuoteXL(%q) read back by libxlutil as %q", w.S, got[w.Key].S)
		}
	}
	if _, err := QuoteXL("nul\x00"); err == nil {
		t.Errorf("QuoteXL(NUL) = nil error; want a refusal (libxlu cannot read it)")
	}
}
