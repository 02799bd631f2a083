package sxp

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// addSeeds adds every corpus file, captured HTTP body and xm listing in
// testdata, plus hand-written edge cases, to the fuzz corpus.
func addSeeds(f *testing.F) {
	var files []string
	for _, pat := range []string{"testdata/corpus/sxp/*/*", "testdata/corpus/host-config/*.sxp", "testdata/http/*.sxp", "testdata/xm/*.pretty"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, name := range files {
		f.Add(readFile(f, name))
	}
	for _, s := range []string{
		"", "(", ")", "(a", "'a", `'\x4`, `'\400'`, `'\q\
'`, "(a\x04b)", "(a) \x04 (b", "\\\n", "(a # c", "[0,1];{}<>", "'b'c", "(@ (k v))",
		"\xff", "(a\r\n\\\r\nb)", `"it's" 'a\'b"c'`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParse checks that ParseAll never panics, that whatever it accepts
// prints (Show and Pretty) to text that parses back to an Equal value and
// prints the same again, and that a Decoder reading one byte at a time
// agrees with ParseAll on values and errors.
//
//	go test ./sxp -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, err := ParseAll(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseAll(%q) error %v is not a *SyntaxError", data, err)
			}
			if se.Offset < 0 || se.Offset > int64(len(data)) || se.Line < 1 || se.Col < 1 {
				t.Fatalf("ParseAll(%q) error position out of range: %v", data, err)
			}
		}
		for _, v := range vals {
			shown := Show(v)
			back, perr := ParseString(shown)
			if perr != nil {
				t.Fatalf("Parse(Show(v)) for input %q: %v\n%s", data, perr, shown)
			}
			if !Equal(back, v) {
				t.Fatalf("Parse(Show(v)) != v for input %q:\n%s\n%s", data, Show(back), shown)
			}
			if again := Show(back); again != shown {
				t.Fatalf("Show not stable for input %q:\n%s\n%s", data, again, shown)
			}
			pretty := Pretty(v, 20)
			pback, perr := ParseString(pretty)
			if perr != nil || !Equal(pback, v) {
				t.Fatalf("Parse(Pretty(v)) = %v, %v for input %q:\n%s", Show(pback), perr, data, pretty)
			}
		}
		d := NewDecoder(iotest.OneByteReader(bytes.NewReader(data)))
		var got []Value
		var derr error
		for {
			v, e := d.Decode()
			if e != nil {
				derr = e
				break
			}
			got = append(got, v)
		}
		if derr == io.EOF {
			derr = nil
		}
		if len(got) != len(vals) || (derr == nil) != (err == nil) || (err != nil && derr.Error() != err.Error()) {
			t.Fatalf("input %q: Decoder gave %d values, %v; ParseAll gave %d values, %v", data, len(got), derr, len(vals), err)
		}
		for i := range got {
			if !Identical(got[i], vals[i]) {
				t.Fatalf("input %q: Decoder value %d = %s; ParseAll %s", data, i, Show(got[i]), Show(vals[i]))
			}
		}
	})
}

// FuzzFromGoShow builds values from fuzzed scalars and checks that Show's
// output always parses back to one value with the same text.
func FuzzFromGoShow(f *testing.F) {
	f.Add("a b", int64(3), 1.5, true)
	f.Add("", int64(-1), 1e16, false)
	f.Add("it's \"x\"\x00\xff", int64(1<<62), 1e-07, true)
	f.Fuzz(func(t *testing.T, s string, n int64, x float64, b bool) {
		v := List(Atom(s), Quoted(s), Int(n), Long(n), Float(x), Bool(b), None())
		shown := Show(v)
		back, err := ParseString(shown)
		if err != nil {
			t.Fatalf("Parse(Show(%#v)) error %v: %s", v, err, shown)
		}
		if !Equal(back, v) {
			t.Fatalf("Parse(Show(v)) = %s; want %s", Show(back), shown)
		}
	})
}
