package sxp

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// corpusBytes returns every SXP file of testdata/corpus that parses,
// concatenated, and the values parsed from them.
func corpusBytes(b *testing.B) ([]byte, []Value) {
	b.Helper()
	files, _ := filepath.Glob("testdata/corpus/*/*/*")
	more, _ := filepath.Glob("testdata/corpus/host-config/*.sxp")
	golden, _ := filepath.Glob("testdata/http/*.sxp")
	xm, _ := filepath.Glob("testdata/xm/*.pretty")
	var all []byte
	var vals []Value
	for _, f := range append(append(append(files, more...), golden...), xm...) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		vs, err := ParseAll(data)
		if err != nil {
			continue // the corpus files xend rejects too
		}
		all = append(all, data...)
		all = append(all, '\n')
		vals = append(vals, vs...)
	}
	if len(all) == 0 {
		b.Fatal("no corpus in testdata")
	}
	return all, vals
}

// BenchmarkParseCorpus parses the whole corpus (SXP files, HTTP bodies and
// xm list -l listings) as one input; MB/s is input bytes per second.
//
//	go test ./sxp -run '^$' -bench . -benchmem
func BenchmarkParseCorpus(b *testing.B) {
	data, _ := corpusBytes(b)
	s := string(data)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseAllString(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCorpus reads the same input through a Decoder.
func BenchmarkDecodeCorpus(b *testing.B) {
	data, _ := corpusBytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := NewDecoder(bytesReader(data))
		for d.More() {
			if _, err := d.Decode(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkShowCorpus prints every corpus value with Show; MB/s is output
// bytes per second.
func BenchmarkShowCorpus(b *testing.B) {
	_, vals := corpusBytes(b)
	var n int
	for _, v := range vals {
		n += len(Show(v))
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	buf := make([]byte, 0, n)
	b.ResetTimer()
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vals {
			buf = AppendShow(buf, v)
		}
	}
}

// BenchmarkPrettyCorpus prints every corpus value with Pretty at width 80;
// MB/s is output bytes per second.
func BenchmarkPrettyCorpus(b *testing.B) {
	_, vals := corpusBytes(b)
	var n int
	for _, v := range vals {
		n += len(Pretty(v, PrettyWidth))
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	buf := make([]byte, 0, n)
	b.ResetTimer()
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vals {
			buf = AppendPretty(buf, v, PrettyWidth)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
