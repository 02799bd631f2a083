package xmlrpc

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// TestBuilderMatchesEncoder checks that a value built piece by piece encodes
// byte for byte as the same value given to EncodeResponse.
func TestBuilderMatchesEncoder(t *testing.T) {
	// want is the sequence of values the built Raw stands for.
	tests := []struct {
		name  string
		build func(b *Builder)
		want  []any
	}{
		{"string", func(b *Builder) { b.String("a<b&c>") }, []any{"a<b&c>"}},
		{"int", func(b *Builder) { b.Int(-42) }, []any{-42}},
		{"int32 max", func(b *Builder) { b.Int(math.MaxInt32) }, []any{math.MaxInt32}},
		{"double", func(b *Builder) { b.Double(0.1) }, []any{0.1}},
		{"bools", func(b *Builder) { b.Bool(true); b.Bool(false) }, []any{true, false}},
		{"nil", func(b *Builder) { b.Nil() }, []any{nil}},
		{"empty array", func(b *Builder) { b.BeginArray(); b.EndArray() }, []any{[]any{}}},
		{"appended", func(b *Builder) {
			r, _ := EncodeRaw([]any{"x", 1})
			b.BeginArray()
			b.Append(r)
			b.Append(Raw{})
			b.EndArray()
		}, []any{[]any{[]any{"x", 1}, nil}}},
		{"record", func(b *Builder) {
			b.BeginArray()
			b.String("domain")
			b.BeginArray()
			b.String("domid")
			b.Int(7)
			b.EndArray()
			b.BeginArray()
			b.String("cpu_time")
			b.Double(12.5)
			b.EndArray()
			b.Nil()
			b.Value(S("k", 1))
			b.EndArray()
		}, []any{[]any{"domain", []any{"domid", 7}, []any{"cpu_time", 12.5}, nil, S("k", 1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Builder
			tt.build(&b)
			r, err := b.Take()
			if err != nil {
				t.Fatalf("Take() error %v", err)
			}
			got, err := EncodeResponse([]any{r, "after"})
			if err != nil {
				t.Fatal(err)
			}
			want, err := EncodeResponse(append(append([]any{}, tt.want...), "after"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("EncodeResponse([Raw, after]) = %q; want %q", got, want)
			}
		})
	}
}

// TestBuilderErrors checks that the encoder's rules hold for built values:
// the first error sticks, Take reports it and the Builder starts afresh.
func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *Builder)
		want  string
	}{
		{"int above int32", func(b *Builder) { b.BeginArray(); b.Int(math.MaxInt32 + 1); b.EndArray() }, "int exceeds XML-RPC limits"},
		{"int below int32", func(b *Builder) { b.Int(math.MinInt32 - 1) }, "int exceeds XML-RPC limits"},
		{"value rule", func(b *Builder) { b.Value(uint64(math.MaxUint32)) }, "int exceeds XML-RPC limits"},
		{"open array", func(b *Builder) { b.BeginArray() }, "xmlrpc: Take with an open array"},
		{"unbalanced", func(b *Builder) { b.EndArray() }, "xmlrpc: EndArray without BeginArray"},
		{"too deep", func(b *Builder) {
			for i := 0; i <= MaxEncodeDepth; i++ {
				b.BeginArray()
			}
			for i := 0; i <= MaxEncodeDepth; i++ {
				b.EndArray()
			}
		}, "value nested deeper than 1000 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Builder
			b.String("kept")
			kept, err := b.Take()
			if err != nil {
				t.Fatal(err)
			}
			tt.build(&b)
			_, err = b.Take()
			var me *MarshalError
			if !errors.As(err, &me) || me.Msg != tt.want {
				t.Fatalf("Take() error = %v; want %q", err, tt.want)
			}
			b.Int(5)
			r, err := b.Take()
			if err != nil {
				t.Fatalf("Take() after an error = %v; want a fresh start", err)
			}
			if want := "<value><int>5</int></value>\n"; string(r.b) != want {
				t.Errorf("Raw after an error = %q; want %q", r.b, want)
			}
			if want := "<value><string>kept</string></value>\n"; string(kept.b) != want {
				t.Errorf("earlier Raw = %q; want %q (unchanged)", kept.b, want)
			}
		})
	}
}

// TestRawZeroAndEncodeRaw covers the zero Raw (None) and EncodeRaw.
func TestRawZeroAndEncodeRaw(t *testing.T) {
	got, err := EncodeResponse([]any{Raw{}})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := EncodeResponse([]any{nil})
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeResponse([Raw{}]) = %q; want %q", got, want)
	}
	r, err := EncodeRaw(S("a", []any{1, "x"}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = EncodeResponse(r)
	want, _ = EncodeResponse(S("a", []any{1, "x"}))
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeResponse(EncodeRaw(v)) = %q; want %q", got, want)
	}
	if _, err := EncodeRaw(int64(1) << 40); err == nil || err.Error() != "int exceeds XML-RPC limits" {
		t.Errorf("EncodeRaw(1<<40) error = %v; want int exceeds XML-RPC limits", err)
	}
}

// TestBuilderAppendReferences checks that appended Raws (single values and
// runs of values) splice in place, and that what was taken stays unchanged
// while the Builder goes on.
func TestBuilderAppendReferences(t *testing.T) {
	var b Builder
	b.String("one")
	b.Int(1)
	run, err := b.Take() // a run of two values
	if err != nil {
		t.Fatal(err)
	}
	single, _ := EncodeRaw([]any{"s", 2.5})
	b.BeginArray()
	b.String("x")
	b.Append(run)
	b.Int(2)
	b.Append(single)
	b.EndArray()
	nested, err := b.Take()
	if err != nil {
		t.Fatal(err)
	}
	b.BeginArray()
	b.Append(nested)
	b.Append(run)
	b.EndArray()
	outer, err := b.Take()
	if err != nil {
		t.Fatal(err)
	}
	b.String("later") // must not disturb what was taken
	b.Append(single)
	b.Reset()
	b.String("after reset")
	if _, err := b.Take(); err != nil {
		t.Fatal(err)
	}
	inner := []any{"x", "one", 1, 2, []any{"s", 2.5}}
	tests := []struct {
		name string
		raw  Raw
		want any
	}{
		{"nested", nested, inner},
		{"outer", outer, []any{inner, "one", 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeResponse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := EncodeResponse(tt.want)
			if !bytes.Equal(got, want) {
				t.Errorf("EncodeResponse(%s) = %q; want %q", tt.name, got, want)
			}
			if n := len(want) - len(responseHead) - len(responseTail); tt.raw.Len() != n {
				t.Errorf("%s.Len() = %d; want %d", tt.name, tt.raw.Len(), n)
			}
		})
	}
}

// TestAppendResultMatchesEncodeResult checks the server's buffer-reusing
// path against EncodeResult, after whatever the buffer held.
func TestAppendResultMatchesEncodeResult(t *testing.T) {
	raw, _ := EncodeRaw([]any{"a", 1})
	tests := []struct {
		name string
		v    any
		err  error
	}{
		{"string", "x", nil},
		{"raws", []any{raw, raw, "tail"}, nil},
		{"int32 overflow", []any{raw, int64(1) << 40}, nil},
		{"fault", nil, &Fault{Code: 3, String: "no such domain"}},
		{"error", nil, errors.New("boom")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := EncodeResult(tt.v, tt.err)
			for _, dst := range [][]byte{nil, []byte("stale"), make([]byte, 0, 1<<16)} {
				got := appendResult(dst[:0], tt.v, tt.err)
				if !bytes.Equal(got, want) {
					t.Errorf("appendResult(%q[:0], %v, %v) = %q; want %q", dst, tt.v, tt.err, got, want)
				}
			}
		})
	}
}

// TestRawCompact checks that Compact keeps the text, flattening a rope.
func TestRawCompact(t *testing.T) {
	var b Builder
	b.String("a")
	inner, _ := b.Take()
	b.BeginArray()
	b.Append(inner)
	b.Int(1)
	b.EndArray()
	rope, _ := b.Take()
	tests := []struct {
		name string
		r    Raw
	}{{"zero", Raw{}}, {"flat", inner}, {"rope", rope}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.r.Compact()
			got, _ := EncodeResponse(c)
			want, _ := EncodeResponse(tt.r)
			if !bytes.Equal(got, want) || c.Len() != tt.r.Len() || c.segs != nil {
				t.Errorf("EncodeResponse(Compact(%s)) = %q (segs %v); want %q", tt.name, got, c.segs, want)
			}
		})
	}
}
