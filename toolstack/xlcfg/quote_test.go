package xlcfg

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", `""`, false},
		{"plain /boot/vmlinuz", `"plain /boot/vmlinuz"`, false},
		{`say "hi"`, `"say \"hi\""`, false},
		{`a\b`, `"a\\b"`, false},
		{"tab\there", `"tab\there"`, false},
		{"l1\nl2\r", `"l1\nl2\r"`, false},
		{"\a\b\v\f", `"\a\b\v\f"`, false},
		{"it's", `"it's"`, false},
		{"utf-8 é", `"utf-8 é"`, false},
		{"nul\x00", "", true},
		{"esc\x1b", "", true},
		{"del\x7f", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Quote(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("Quote(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

// unquote decodes the escapes libxlu decodes (config.md §1.3).
func unquote(q string) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	body := q[1 : len(q)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' || c == '\n' {
			return "", false
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(body) {
			return "", false
		}
		r, ok := map[byte]byte{'"': '"', '\'': '\'', '\\': '\\', 'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}[body[i]]
		if !ok {
			return "", false
		}
		b.WriteByte(r)
	}
	return b.String(), true
}

// FuzzQuote checks that every quoted string is one libxlu STRING token
// that decodes back to the input, and that a refusal is only for a
// control byte libxlu cannot carry.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", `a "b" \c`, "l1\nl2", "x\x00", "é\x7f", "'\t'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Quote(s)
		if err != nil {
			if !strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && !strings.ContainsRune("\a\b\t\n\v\f\r", r)) || r == 0x7f }) {
				t.Fatalf("Quote(%q) = %v; want no error (nothing uncarriable)", s, err)
			}
			return
		}
		if back, ok := unquote(q); !ok || back != s {
			t.Fatalf("Quote(%q) = %q, which decodes as %q (%v)", s, q, back, ok)
		}
	})
}
