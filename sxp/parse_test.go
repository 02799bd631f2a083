package sxp

import (
	"errors"
	"strings"
	"testing"
)

// TestParseAllAccepts covers what xend 4.4's sxp.Parser accepted, each case
// written as the input and the values printed one per element with Show.
func TestParseAllAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // Show of each top-level value
	}{
		{"empty input", "", nil},
		{"only whitespace", " \t\n\v\f\r", nil},
		{"single atom", "abc", []string{"abc"}},
		{"numbers are atoms", "(42 1.5 0x10 -b----)", []string{"(42 1.5 0x10 -b----)"}},
		{"nested lists", "(a (b (c)) ())", []string{"(a (b (c)) ())"}},
		{"adjacent lists, no spaces", "(a)(b)", []string{"(a)", "(b)"}},
		{"several values", "(a) b 'c'", []string{"(a)", "b", "'c'"}},
		{"comment to end of line", "(a # comment (\n b)", []string{"(a b)"}},
		{"comment ends an atom", "(ab#c\n d)", []string{"(ab d)"}},
		{"comment at end without newline", "(a) # x", []string{"(a)"}},
		{"single-quoted", "(k 'a b')", []string{"(k 'a b')"}},
		{"double-quoted", `(k "a b")`, []string{"(k 'a b')"}},
		{"empty strings", `('' "")`, []string{"('' '')"}},
		{"quote inside atom is ordinary", "(b'c d\"e)", []string{`("b'c" 'd"e')`}},
		{"quote right after string starts a token", "'b'c", []string{"'b'", "c"}},
		{"separators start new atoms", "([0,1] b;c {x} <y>)", []string{"('[0,1' ']' b ';c' '{x' '}' '<y' '>')"}},
		{"bang is not a separator", "(a!b)", []string{"('a!b')"}},
		{"non-ASCII after first byte", "(caf\xc3\xa9)", []string{`('caf\xc3\xa9')`}},
		{"control byte inside atom", "(a\x01b)", []string{`('a\x01b')`}},
		{"ctrl-d inside atom is ordinary", "(a\x04b)", []string{`('a\x04b')`}},
		{"ctrl-d inside string is ordinary", "('a\x04b')", []string{`('a\x04b')`}},
		{"ctrl-d ends input", "(a) \x04 (b", []string{"(a)"}},
		{"ctrl-d inside comment is ordinary", "(a # \x04\n b)", []string{"(a b)"}},
		{"named escapes", `'\a\b\t\n\v\f\r\\\'\"'`, []string{`'\x07\x08\t\n\x0b\x0c\r\\\'"'`}},
		{"hex escape", `'\x41\x7e\xc3\xA9'`, []string{`'A~\xc3\xa9'`}},
		{"octal escapes", `'\101\0\7x\12'`, []string{`'A\x00\x07x\n'`}},
		{"octal stops at three digits", `'\1011'`, []string{`'A1'`}},
		{"octal maximum", `'\377'`, []string{`'\xff'`}},
		{"unknown escape keeps backslash, drops byte", `'a\qb\
c'`, []string{`'a\\b\\c'`}},
		{"libvirt escaping", `(uname 'file:/root/\'\\some.img')`, []string{`(uname "file:/root/'\\some.img")`}},
		{"string spans lines", "'a\nb'", []string{`'a\nb'`}},
		{"backslash-newline between tokens is skipped", "(a)\\\n(b \\\r\n c)", []string{"(a)", "(b c)"}},
		{"backslash not before newline is an atom", `(a \ b)`, []string{`(a '\\' b)`}},
		{"backslash ending an atom stays", "(a b\\\n)", []string{`(a 'b\\')`}},
		{"at sign atom", "(@ (k v))", []string{"(@ (k v))"}},
		{"vertical tab and form feed are space", "(a\vb\fc)", []string{"(a b c)"}},
		{"CRLF", "(a\r\n b)\r\n", []string{"(a b)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := ParseAllString(tt.in)
			if err != nil {
				t.Fatalf("ParseAll(%q) error: %v", tt.in, err)
			}
			var got []string
			for _, v := range vals {
				got = append(got, Show(v))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("ParseAll(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseAllRejects covers what xend rejected, with the position this
// parser reports, the class of error, and the text xend's exception carried.
func TestParseAllRejects(t *testing.T) {
	tests := []struct {
		name, in   string
		line, col  int
		offset     int64
		class      error
		xend       string
		xendSilent bool
	}{
		{"close at top level", "(a))", 1, 4, 3, ErrSyntax, "syntax error: )", false},
		{"close first", ")", 1, 1, 0, ErrSyntax, "syntax error: )", false},
		{"NUL at token start", "(a \x00)", 1, 4, 3, ErrSyntax, "invalid character: code 0", false},
		{"high byte at token start", "\n(\xc3\xa9)", 2, 2, 2, ErrSyntax, "invalid character: code 195", false},
		{"control byte at token start", "(\x01)", 1, 2, 1, ErrSyntax, "invalid character: code 1", false},
		{"unclosed list after space", "(vm (name a) ", 1, 14, 13, ErrUnexpectedEOF, "unexpected EOF", false},
		{"unclosed list after close", "(vm (name a)", 1, 13, 12, ErrUnexpectedEOF, "unexpected EOF", false},
		{"unclosed list ending in atom", "(vm (name a", 1, 12, 11, ErrUnexpectedEOF, "unexpected EOF", true},
		{"unclosed list ending in comment", "(vm # x", 1, 8, 7, ErrUnexpectedEOF, "unexpected EOF", true},
		{"ctrl-d inside list", "(a \x04 b)", 1, 4, 3, ErrUnexpectedEOF, "unexpected EOF", false},
		{"unterminated string", "(a 'b c)\n", 2, 1, 9, ErrUnexpectedEOF, "unexpected EOF", false},
		{"unterminated escape", `'a\`, 1, 4, 3, ErrUnexpectedEOF, "unexpected EOF", false},
		{"octal out of range", `(a '\400')`, 1, 8, 7, ErrSyntax, "invalid octal escape: out of range 400", false},
		{"hex with one digit", `'\x4g'`, 1, 2, 1, ErrSyntax, "global name 'buf' is not defined", false},
		{"hex with no digit", `'\xg'`, 1, 2, 1, ErrSyntax, "global name 'buf' is not defined", false},
		{"hex at end of input", `'\x4`, 1, 5, 4, ErrUnexpectedEOF, "unexpected EOF", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAllString(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseAll(%q) error = %v; want a *SyntaxError", tt.in, err)
			}
			if se.Line != tt.line || se.Col != tt.col || se.Offset != tt.offset {
				t.Errorf("ParseAll(%q) at %d:%d (byte %d); want %d:%d (byte %d): %v", tt.in, se.Line, se.Col, se.Offset, tt.line, tt.col, tt.offset, err)
			}
			if !errors.Is(err, tt.class) {
				t.Errorf("ParseAll(%q) = %v; want class %v", tt.in, err, tt.class)
			}
			if se.XendMsg != tt.xend || se.XendSilent != tt.xendSilent {
				t.Errorf("ParseAll(%q) xend = %q silent %v; want %q silent %v", tt.in, se.XendMsg, se.XendSilent, tt.xend, tt.xendSilent)
			}
			if !strings.HasPrefix(err.Error(), "sxp: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

// TestParseAllPartial checks that ParseAll returns the values completed
// before an error, so a caller can mimic xend (which took the first value of
// `(a) (b` only when no error was raised).
func TestParseAllPartial(t *testing.T) {
	vals, err := ParseAllString("(a) (b) (c")
	if err == nil || len(vals) != 2 || Show(vals[1]) != "(b)" {
		t.Errorf("ParseAll(\"(a) (b) (c\") = %v, %v; want [(a) (b)] and an error", vals, err)
	}
}

func TestParseExactlyOne(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		errLine int
		errCol  int
	}{
		{"(a b)", "(a b)", 0, 0},
		{"  (a b) # trailing comment\n", "(a b)", 0, 0},
		{"abc", "abc", 0, 0},
		{"", "", 1, 1},
		{"# nothing", "", 1, 10},
		{"(a) (b)", "", 1, 5},
		{"(a)\n'x'", "", 2, 1},
	}
	for _, tt := range tests {
		v, err := ParseString(tt.in)
		if tt.errLine == 0 {
			if err != nil || Show(v) != tt.want {
				t.Errorf("Parse(%q) = %v, %v; want %s", tt.in, v, err, tt.want)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrValueCount) || se.Line != tt.errLine || se.Col != tt.errCol {
			t.Errorf("Parse(%q) = %v, %v; want ErrValueCount at %d:%d", tt.in, v, err, tt.errLine, tt.errCol)
		}
	}
	if v, err := Parse([]byte("(x)")); err != nil || Show(v) != "(x)" {
		t.Errorf("Parse([]byte(\"(x)\")) = %v, %v", v, err)
	}
}

func TestParseKinds(t *testing.T) {
	v, err := ParseString(`(a 'b' "c" (d))`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Kind{KindAtom, KindQuoted, KindQuoted, KindList}
	for i, k := range want {
		if got := v.Index(i).Kind(); got != k {
			t.Errorf("kind of item %d = %v; want %v", i, got, k)
		}
	}
}

func TestLimits(t *testing.T) {
	t.Run("depth", func(t *testing.T) {
		ok := strings.Repeat("(", MaxDepth) + strings.Repeat(")", MaxDepth)
		if _, err := ParseString(ok); err != nil {
			t.Errorf("Parse(%d nested lists) = %v; want success", MaxDepth, err)
		}
		deep := strings.Repeat("(", MaxDepth+1) + strings.Repeat(")", MaxDepth+1)
		_, err := ParseString(deep)
		var se *SyntaxError
		if !errors.Is(err, ErrTooDeep) || !errors.As(err, &se) || se.Offset != MaxDepth {
			t.Errorf("Parse(%d nested lists) = %v; want ErrTooDeep at byte %d", MaxDepth+1, err, MaxDepth)
		}
	})
	t.Run("size", func(t *testing.T) {
		big := make([]byte, MaxSize+1)
		for i := range big {
			big[i] = ' '
		}
		if _, err := ParseAll(big); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseAll(%d bytes) = %v; want ErrTooLarge", len(big), err)
		}
	})
	t.Run("values", func(t *testing.T) {
		many := strings.Repeat("a ", MaxValues+1)
		if _, err := ParseAllString(many); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseAll(%d atoms) = %v; want ErrTooLarge", MaxValues+1, err)
		}
	})
}
