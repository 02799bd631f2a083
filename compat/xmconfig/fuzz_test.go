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
