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
	type input struct {
		name string
		src  []byte
	}
	var inputs []input
	for _, s := range []string{
		"import os, re\narch = os.uname()[4]\nif re.search('64', arch):\n    arch_libdir = 'lib64'\nelif arch == 'x' or not arch in ['a']:\n    pass\nelse:\n    arch_libdir = 'lib'\n",
		"def vmid_check(var, val):\n    val = int(val)\n    if val <= 0:\n        raise ValueError\n    return val\nxm_vars.var('vmid', use='id', check=vmid_check)\nxm_vars.check()\nname = 'VM%d' % vmid\n",
		"x = 2\nif x > 1:\n    y = 'big' + 's'\n    if x == 2:\n        z = [x, 'a' % ()]\nelse:\n    y = -1\n",
		"a = 'x' 'y'\nb = (1, 2)\nc = [ [1], -2, 0x10 ]\nd = ('%s-%s' % (a, 3))\n",
	} {
		inputs = append(inputs, input{"snippet.cfg", []byte(s)})
	}
	for _, f := range corpusFiles(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{f, src})
	}
	for _, in := range inputs {
		f, src := in.name, in.src
		fast, err := Parse(f, src)
		if err != nil {
			continue // refused files are compared by the convert corpus test
		}
		slow := parseGrammarOnly(t, f, src)
		opts := EvalOptions{Vars: map[string]string{"vmid": "3"}}
		a, da, errA := Evaluate(fast, opts)
		b, db, errB := Evaluate(slow, opts)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("%s: fast error %v, grammar error %v", f, errA, errB)
		}
		if len(da) != len(db) {
			t.Fatalf("%s: fast path gave %d diagnostics, grammar %d", f, len(da), len(db))
		}
		for i := range da {
			if da[i].Error() != db[i].Error() {
				t.Errorf("%s: diagnostic %d: fast %q; grammar %q", f, i, da[i], db[i])
			}
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
