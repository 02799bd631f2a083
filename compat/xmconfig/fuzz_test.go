package xmconfig

import (
	"os"
	"testing"
)

func seedCorpus(f *testing.F) {
	for _, p := range corpusFiles(f) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"x = 1\n", "if a:\n  b = 1\nelse:\n  b = 2\n", "x = '%s%d' % ('a', 1)", "x = [ [ (", "def f(a):\n\treturn a\n"} {
		f.Add([]byte(s))
	}
}

// FuzzParse checks the lexer and grammar never panic or hang, and that
// every error is a positioned Diagnostic.
func FuzzParse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := Parse("fuzz.cfg", src); err != nil {
			if _, ok := err.(*Diagnostic); !ok {
				t.Fatalf("Parse error %T is not a *Diagnostic: %v", err, err)
			}
		}
	})
}

// FuzzEvaluate checks the evaluator (with xm's type filter) never panics,
// and keeps its work and values bounded.
func FuzzEvaluate(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Load("fuzz.cfg", src, EvalOptions{Vars: map[string]string{"vmid": "3"}})
		if err != nil {
			return
		}
		for _, s := range c.Settings {
			if n := len(s.Value.S); n > maxValueSize {
				t.Fatalf("%s: value of %d bytes exceeds the bound", s.Name, n)
			}
		}
	})
}

// FuzzFastPath checks that the hand-written fast path and the grammar
// agree: same settings, values, positions and diagnostics.
func FuzzFastPath(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		fast, err := Parse("fuzz.cfg", src)
		if err != nil {
			return
		}
		s := &scanner{src: string(src), file: "fuzz.cfg", line: 1}
		toks, err := s.run()
		if err != nil {
			t.Fatalf("fast path parsed a file the lexer rejects: %v", err)
		}
		g, err := parseTokens(toks[:len(toks)-1], toks[len(toks)-1])
		if err != nil {
			t.Fatalf("fast path accepted what the grammar rejects: %v", err)
		}
		slow := &Parsed{File: g}
		opts := EvalOptions{Vars: map[string]string{"vmid": "3"}}
		a, da, errA := Evaluate(fast, opts)
		b, db, errB := Evaluate(slow, opts)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("fast error %v; grammar error %v", errA, errB)
		}
		if len(a) != len(b) || len(da) != len(db) {
			t.Fatalf("fast %d settings/%d diags; grammar %d/%d", len(a), len(da), len(b), len(db))
		}
		for i := range a {
			if a[i].Name != b[i].Name || a[i].Value.Repr() != b[i].Value.Repr() || a[i].Pos != b[i].Pos {
				t.Fatalf("setting %d: fast %s=%s at %v; grammar %s=%s at %v", i, a[i].Name, a[i].Value.Repr(), a[i].Pos, b[i].Name, b[i].Value.Repr(), b[i].Pos)
			}
		}
		for i := range da {
			if da[i].Error() != db[i].Error() {
				t.Fatalf("diagnostic %d: fast %q; grammar %q", i, da[i], db[i])
			}
		}
	})
}
