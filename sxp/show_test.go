package sxp

import (
	"math"
	"testing"
)

// TestShow pins sxp.show's output for every kind, from http-sxp.md §1.3
// and the [verified] examples there.
func TestShow(t *testing.T) {
	tests := []struct {
		name string
		in   Value
		want string
	}{
		{"atom", Atom("Pool-0"), "Pool-0"},
		{"atom with path chars", Atom("phy:/dev/sdb7"), "phy:/dev/sdb7"},
		{"atom tilde", Atom("~user/x.y_z"), "~user/x.y_z"},
		{"at sign", Atom("@"), "@"},
		{"empty string", Atom(""), "''"},
		{"space", Atom("a b"), "'a b'"},
		{"equals", Atom("a=b"), "'a=b'"},
		{"plus", Atom("x+y"), "'x+y'"},
		{"hash", Atom("#x"), "'#x'"},
		{"bang", Atom("!writable"), "'!writable'"},
		{"single quote", Atom("it's"), `"it's"`},
		{"both quotes", Atom(`a'b"c`), `'a\'b"c'`},
		{"double quote only", Atom(`say "hi"`), `'say "hi"'`},
		{"control and high bytes", Atom("\x01\x7f\xe9"), `'\x01\x7f\xe9'`},
		{"tab newline return", Atom("tab\t\n\r"), `'tab\t\n\r'`},
		{"backslash", Atom(`a\b`), `'a\\b'`},
		{"utf-8", Atom("caf\xc3\xa9"), `'caf\xc3\xa9'`},
		{"quoted atom-like", Quoted("x"), "'x'"},
		{"quoted empty", Quoted(""), "''"},
		{"int", Int(0), "0"},
		{"negative int", Int(-1), "-1"},
		{"long", Long(10), "'10'"},
		{"true", Bool(true), "True"},
		{"false", Bool(false), "False"},
		{"none", None(), "'None'"},
		{"float 12 digits", Float(1453900000.123456), "1453900000.12"},
		{"float", Float(137.189121425), "137.189121425"},
		{"float zero", Float(0), "0.0"},
		{"float negative zero", Float(math.Copysign(0, -1)), "-0.0"},
		{"float integral", Float(5), "5.0"},
		{"float small", Float(1e-07), "1e-07"},
		{"float 0.0001", Float(0.0001), "0.0001"},
		{"float large", Float(1e16), "1e+16"},
		{"float 11-digit integer", Float(12345678901), "12345678901.0"},
		{"float 1e11", Float(100000000000), "1e+11"},
		{"float exponent", Float(123456789012.3), "1.23456789012e+11"},
		{"float rounds up", Float(99999999999.9999), "1e+11"},
		{"float rounds to 12 digits", Float(0.1 + 0.2), "0.3"},
		{"float 1e-5", Float(0.00001), "1e-05"},
		{"float big exponent", Float(1.5e300), "1.5e+300"},
		{"float negative", Float(-2.5), "-2.5"},
		{"float inf", Float(math.Inf(1)), "inf"},
		{"float -inf", Float(math.Inf(-1)), "-inf"},
		{"float nan", Float(math.NaN()), "nan"},
		{"empty list", List(), "()"},
		{"list", List(Atom("a"), Int(1), List(Atom("b"), Atom(""))), "(a 1 (b ''))"},
		{"zero value", Value{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Show(tt.in); got != tt.want {
				t.Errorf("Show(%s) = %s; want %s", tt.name, got, tt.want)
			}
			if got := showLen(tt.in); got != len(tt.want) {
				t.Errorf("showLen(%s) = %d; want %d", tt.name, got, len(tt.want))
			}
			if tt.in.IsScalar() && tt.in.Kind() != KindAtom && tt.in.Kind() != KindQuoted {
				// Text is what the reader sees after printing.
				back, err := ParseString(tt.want)
				if err != nil || back.Text() != tt.in.Text() {
					t.Errorf("Parse(Show(%s)).Text() = %q, %v; want %q", tt.name, back.Text(), err, tt.in.Text())
				}
			}
		})
	}
}

func TestIsAtom(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false}, {"@", true}, {"@a", false}, {"abc123", true}, {"a.b-c_d:e/f~g", true},
		{"a b", false}, {"a,b", false}, {"a$", false}, {"\xc3\xa9", false}, {"-b----", true},
	}
	for _, tt := range tests {
		if got := IsAtom(tt.in); got != tt.want {
			t.Errorf("IsAtom(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestQuoteRoundTrip checks that the parser reads every Quote output back to
// the same bytes, for every byte value.
func TestQuoteRoundTrip(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for _, s := range []string{string(all), "'", `"`, `'"`, `\`, "a'b", ""} {
		q := Quote(s)
		v, err := ParseString(q)
		if err != nil || v.Text() != s {
			t.Errorf("Parse(Quote(%q)) = %q, %v", s, v.Text(), err)
		}
	}
}

// TestPretty pins PrettyPrint's layout: all-or-nothing blocks, four-column
// indent, closing parenthesis on its own line, width inclusive.
func TestPretty(t *testing.T) {
	long := List(Atom("domain"), List(Atom("domid"), Int(0)),
		List(Atom("image"), List(Atom("linux"), List(Atom("kernel"), Atom("")), List(Atom("args"), Atom("ro root=/dev/sda1 quiet")))),
		List(Atom("state"), Atom("r-----")))
	tests := []struct {
		name  string
		in    Value
		width int
		want  string
	}{
		{"scalar", Atom("a b"), 80, "'a b'\n"},
		{"fits", List(Atom("a"), Atom("b")), 80, "(a b)\n"},
		{"exactly fits", List(Atom("aaa"), Atom("bb")), 8, "(aaa bb)\n"},
		{"one too wide", List(Atom("aaa"), Atom("bbb")), 8, "(aaa\n    bbb\n)\n"},
		{"spec example", long, 80, "(domain\n    (domid 0)\n    (image (linux (kernel '') (args 'ro root=/dev/sda1 quiet')))\n    (state r-----)\n)\n"},
		{"nested break", long, 44, "(domain\n    (domid 0)\n    (image\n        (linux\n            (kernel '')\n            (args 'ro root=/dev/sda1 quiet')\n        )\n    )\n    (state r-----)\n)\n"},
		{"inner block breaks too", long, 43, "(domain\n    (domid 0)\n    (image\n        (linux\n            (kernel '')\n            (args\n                'ro root=/dev/sda1 quiet'\n            )\n        )\n    )\n    (state r-----)\n)\n"},
		{"list first", List(List(Atom("a"), Atom("b")), Atom("c")), 6, "((a b)\n    c\n)\n"},
		{"list first too wide", List(List(Atom("a"), Atom("b")), Atom("c")), 5, "((a\n     b\n )\n    c\n)\n"},
		{"empty list too wide", List(List()), 1, "((\n )\n)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Pretty(tt.in, tt.width); got != tt.want {
				t.Errorf("Pretty(%s, %d) =\n%s\nwant\n%s", Show(tt.in), tt.width, got, tt.want)
			}
		})
	}
}
