package xend

import "strings"

// reprEscape returns repr(s)[1:-1] for a Python 2 str: what xend's legacy
// server did to every method result that is itself a string (xmlrpc.md §2.6).
// xm reverses it by evaluating the text as a Python literal, so a raw newline
// in a top-level string would crash the client.
//
// The delimiter is " when s holds ' and no ", otherwise '; with the '
// delimiter each ' is escaped as \'. Backslash, tab, newline and carriage
// return get their two-character escapes and every other byte below 0x20 or
// from 0x7f up becomes \xNN in lower-case hex.
func reprEscape(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
