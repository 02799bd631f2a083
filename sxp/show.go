package sxp

import (
	"bytes"
	"math"
	"strconv"
)

// Show returns v as xend's sxp.show (to_string) wrote it: one line, items
// separated by single spaces, no trailing newline (http-sxp.md §1.3). Every
// SXP body of the HTTP interface is written this way. The zero Value prints
// as nothing.
func Show(v Value) string { return string(AppendShow(nil, v)) }

// AppendShow appends [Show](v) to dst and returns the extended slice.
func AppendShow(dst []byte, v Value) []byte {
	switch v.kind {
	case KindList:
		dst = append(dst, '(')
		for i, x := range v.list() {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = AppendShow(dst, x)
		}
		return append(dst, ')')
	case KindAtom:
		if IsAtom(v.str()) {
			return append(dst, v.str()...)
		}
		return AppendQuote(dst, v.str())
	case KindQuoted:
		return AppendQuote(dst, v.str())
	case KindInt:
		return strconv.AppendInt(dst, int64(v.num), 10)
	case KindLong:
		dst = append(dst, '\'')
		dst = strconv.AppendInt(dst, int64(v.num), 10)
		return append(dst, '\'')
	case KindFloat:
		return appendPyFloat(dst, math.Float64frombits(v.num))
	case KindBool:
		if v.num != 0 {
			return append(dst, "True"...)
		}
		return append(dst, "False"...)
	case KindNone:
		return append(dst, "'None'"...)
	}
	return dst
}

// showLen returns len(Show(v)) without building it.
func showLen(v Value) int {
	switch v.kind {
	case KindList:
		n := 2
		if len(v.list()) > 1 {
			n += len(v.list()) - 1
		}
		for _, x := range v.list() {
			n += showLen(x)
		}
		return n
	case KindAtom:
		if IsAtom(v.str()) {
			return len(v.str())
		}
		return quoteLen(v.str())
	case KindQuoted:
		return quoteLen(v.str())
	}
	var buf [32]byte
	return len(AppendShow(buf[:0], v))
}

// atomByte marks the bytes an atom may be made of when printed bare:
// ASCII letters, digits and . - _ : / ~ (sxp.py's atom test).
var atomByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range ".-_:/~" {
		t[c] = true
	}
	return t
}()

// IsAtom reports whether sxp.show writes s bare, without quotes: s is "@", or
// is non-empty and made only of ASCII letters, digits and . - _ : / ~. The
// empty string is not an atom (it prints as ” since Xen 4.1).
func IsAtom(s string) bool {
	if s == "" {
		return false
	}
	if s == "@" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if !atomByte[s[i]] {
			return false
		}
	}
	return true
}

// Quote returns s as a Python 2 string literal, the way repr(str) wrote it:
// single quotes unless s contains ' and no ", backslash escapes for the
// backslash, the delimiter, tab, newline and carriage return, and \xhh for
// every other byte below 0x20 or from 0x7f up.
func Quote(s string) string { return string(AppendQuote(nil, s)) }

const lowerHex = "0123456789abcdef"

// quoteDelim returns the delimiter Python's repr picks for s.
func quoteDelim(s string) byte {
	single, double := false, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			single = true
		case '"':
			double = true
		}
	}
	if single && !double {
		return '"'
	}
	return '\''
}

// AppendQuote appends [Quote](s) to dst and returns the extended slice.
func AppendQuote(dst []byte, s string) []byte {
	q := quoteDelim(s)
	dst = append(dst, q)
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '\\' && c != q {
			continue
		}
		dst = append(dst, s[start:i]...)
		start = i + 1
		switch c {
		case '\\', q:
			dst = append(dst, '\\', c)
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'x', lowerHex[c>>4], lowerHex[c&15])
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, q)
}

// quoteLen returns len(Quote(s)).
func quoteLen(s string) int {
	q := quoteDelim(s)
	n := 2 + len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == q || c == '\t' || c == '\n' || c == '\r':
			n++
		case c < 0x20 || c >= 0x7f:
			n += 3
		}
	}
	return n
}

// appendPyFloat appends f as Python 2.7 str(float) wrote it: 12 significant
// digits with trailing zeros dropped, in exponent form when the decimal
// exponent is below -4 or at least 11 (one less than the precision, because
// of the ".0" Python adds), otherwise in fixed form with ".0" added when
// there is no fractional part. Examples: 5.0, 137.189121425, 1e-07,
// 12345678901.0, 1.23456789012e+11.
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', 11, 64) // d.ddddddddddde±XX
	at := bytes.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(string(e[at+1:]))
	if exp < -4 || exp >= 11 {
		mant := trimZeros(e[:at])
		dst = append(dst, mant...)
		return append(dst, e[at:]...)
	}
	fixed := trimZeros(strconv.AppendFloat(buf[:0], f, 'f', 11-exp, 64))
	dst = append(dst, fixed...)
	if bytes.IndexByte(fixed, '.') < 0 {
		dst = append(dst, '.', '0')
	}
	return dst
}

// trimZeros drops trailing zeros after a decimal point, and the point
// itself when nothing follows it.
func trimZeros(b []byte) []byte {
	if bytes.IndexByte(b, '.') < 0 {
		return b
	}
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}
