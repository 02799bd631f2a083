package sxp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeAll reads every value from r and returns their Show forms and the
// final error (io.EOF on a clean end).
func decodeAll(r io.Reader) ([]string, error) {
	d := NewDecoder(r)
	var out []string
	for {
		v, err := d.Decode()
		if err != nil {
			return out, err
		}
		out = append(out, Show(v))
	}
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      error // io.EOF for a clean end
	}{
		{"empty", "", nil, io.EOF},
		{"whitespace and comments", " # c\n\t", nil, io.EOF},
		{"several values", "(a b) c 'd' (e (f))", []string{"(a b)", "c", "'d'", "(e (f))"}, io.EOF},
		{"atom at end of input", "(a) b", []string{"(a)", "b"}, io.EOF},
		{"comment without newline at end", "(a) # x", []string{"(a)"}, io.EOF},
		{"strings with parens and escapes", `('a)' "b\"(" 'c\\')`, []string{`('a)' 'b"(' 'c\\')`}, io.EOF},
		{"comment with parens", "(a # )\n b)", []string{"(a b)"}, io.EOF},
		{"separator ends a top-level atom", "a[b c;d", []string{"a", "'[b'", "c", "';d'"}, io.EOF},
		{"line continuation", "(a)\\\n(b)", []string{"(a)", "(b)"}, io.EOF},
		{"lone backslash at end", "(a) \\", []string{"(a)", `'\\'`}, io.EOF},
		{"ctrl-d ends the stream", "(a) \x04 (b)", []string{"(a)"}, io.EOF},
		{"unclosed list", "(a) (b", []string{"(a)"}, ErrUnexpectedEOF},
		{"values before an error in one segment", "\\\r(a", []string{`'\\'`}, ErrUnexpectedEOF},
		{"unterminated string", "(a) 'b", []string{"(a)"}, ErrUnexpectedEOF},
		{"stray close", "(a) )", []string{"(a)"}, ErrSyntax},
		{"invalid byte inside list", "(a) (b \x01 c)", []string{"(a)"}, ErrSyntax},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one-byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"data-eof": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := decodeAll(mk(tt.in))
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("Decode(%q) values = %q; want %q", tt.in, got, tt.want)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("Decode(%q) error = %v; want %v", tt.in, err, tt.err)
				}
			})
		}
	}
}

// TestDecoderErrorPosition checks that positions count from the start of
// the stream, across values already decoded.
func TestDecoderErrorPosition(t *testing.T) {
	_, err := decodeAll(iotest.OneByteReader(strings.NewReader("(a)\n(b)\n  (c '\\400')")))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 3 || se.Col != 10 || se.Offset != 17 {
		t.Errorf("Decode error = %v; want a SyntaxError at 3:10 (byte 17), the third octal digit", err)
	}
}

// blockingReader hands out its chunks one per Read and fails the test if
// asked for more: a Decoder must return a complete list without reading on.
type blockingReader struct {
	t      *testing.T
	chunks []string
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		r.t.Fatal("Decoder read past a complete value")
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func TestDecoderDoesNotReadAhead(t *testing.T) {
	r := &blockingReader{t: t, chunks: []string{"(receive", " (domain 3))", "(next)"}}
	d := NewDecoder(r)
	v, err := d.Decode()
	if err != nil || Show(v) != "(receive (domain 3))" {
		t.Fatalf("Decode() = %v, %v; want (receive (domain 3))", v, err)
	}
	if len(r.chunks) != 1 {
		t.Errorf("Decoder consumed %d chunks; want 2", 3-len(r.chunks))
	}
}

// TestDecoderBuffered checks that a protocol can switch to raw bytes after
// a value: what was read but not decoded comes back from Buffered.
func TestDecoderBuffered(t *testing.T) {
	d := NewDecoder(strings.NewReader("(header 1)RAW\x00BYTES"))
	v, err := d.Decode()
	if err != nil || Show(v) != "(header 1)" {
		t.Fatalf("Decode() = %v, %v", v, err)
	}
	rest, _ := io.ReadAll(d.Buffered())
	if string(rest) != "RAW\x00BYTES" {
		t.Errorf("Buffered() = %q; want %q", rest, "RAW\x00BYTES")
	}
	if d.InputOffset() != 10 {
		t.Errorf("InputOffset() = %d; want 10", d.InputOffset())
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("(a) (b"), iotest.ErrReader(boom))
	got, err := decodeAll(r)
	if len(got) != 1 || !errors.Is(err, boom) {
		t.Errorf("decodeAll = %q, %v; want [(a)] and boom", got, err)
	}
}

func TestDecoderMore(t *testing.T) {
	d := NewDecoder(strings.NewReader("(a) # end\n"))
	if !d.More() {
		t.Fatal("More() = false before the first value")
	}
	if _, err := d.Decode(); err != nil {
		t.Fatal(err)
	}
	if d.More() {
		t.Error("More() = true with only a comment left")
	}
}

func TestDecoderValueTooLarge(t *testing.T) {
	big := io.MultiReader(strings.NewReader("("), &repeatReader{b: 'a'})
	_, err := decodeAll(big)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Decode(endless list) = %v; want ErrTooLarge", err)
	}
}

// repeatReader returns the same byte forever.
type repeatReader struct{ b byte }

func (r *repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}

// TestDecoderMatchesParseAll feeds every corpus file through a one-byte
// Decoder and compares with ParseAll.
func TestDecoderMatchesParseAll(t *testing.T) {
	for _, f := range corpusFiles(t) {
		data := readFile(t, f)
		want, werr := ParseAll(data)
		d := NewDecoder(iotest.OneByteReader(bytes.NewReader(data)))
		var got []Value
		var err error
		for {
			var v Value
			v, err = d.Decode()
			if err != nil {
				break
			}
			got = append(got, v)
		}
		if err == io.EOF {
			err = nil
		}
		if (err == nil) != (werr == nil) || len(got) != len(want) {
			t.Errorf("%s: Decoder gave %d values, %v; ParseAll %d values, %v", f, len(got), err, len(want), werr)
			continue
		}
		if werr != nil && err.Error() != werr.Error() {
			t.Errorf("%s: Decoder error %v; ParseAll error %v", f, err, werr)
		}
		for i := range got {
			if !Identical(got[i], want[i]) {
				t.Errorf("%s: value %d differs:\n%s\n%s", f, i, Show(got[i]), Show(want[i]))
			}
		}
	}
}
