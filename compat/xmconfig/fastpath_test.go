package xmconfig

import (
	"os"
	"testing"
)

// parseGrammarOnly parses the whole file with the participle grammar, the
// way Parse would without its fast path.
func parseGrammarOnly(t *testing.T, name string, src []byte) *Parsed {
	t.Helper()
	s := &scanner{src: string(src), file: name, line: 1}
	toks, err := s.run()
	if err != nil {
		t.Fatalf("lex %s: %v", name, err)
	}
	f, err := parseTokens(toks[:len(toks)-1], toks[len(toks)-1])
	if err != nil {
		t.Fatalf("grammar %s: %v", name, err)
	}
	return &Parsed{File: f, Comments: s.comments}
}

// TestFastPathMatchesGrammar checks that the fast path for literal lines
// yields the same settings, positions and diagnostics as the grammar.
func TestFastPathMatchesGrammar(t *testing.T) {
	for _, f := range corpusFiles(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := Parse(f, src)
		if err != nil {
			continue // refused files are compared by the convert corpus test
		}
		slow := parseGrammarOnly(t, f, src)
		opts := EvalOptions{Vars: map[string]string{"vmid": "3"}}
		a, _, errA := Evaluate(fast, opts)
		b, _, errB := Evaluate(slow, opts)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%s: fast error %v, grammar error %v", f, errA, errB)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: fast path gave %d settings, grammar %d", f, len(a), len(b))
		}
		for i := range a {
			if a[i].Name != b[i].Name || a[i].Value.Repr() != b[i].Value.Repr() || a[i].Pos != b[i].Pos {
				t.Errorf("%s: setting %d: fast %s=%s at %v; grammar %s=%s at %v", f, i,
					a[i].Name, a[i].Value.Repr(), a[i].Pos, b[i].Name, b[i].Value.Repr(), b[i].Pos)
			}
		}
	}
}
