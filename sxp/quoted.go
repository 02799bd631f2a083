package sxp

import "fmt"

// quoted reads a quoted string starting at p.pos (on the quote character)
// and returns its decoded contents.
func (p *parser) quoted() (string, error) {
	s := p.s
	open := p.pos
	q := s[open]
	i := open + 1
	// Fast path: no escapes.
	for i < len(s) {
		c := s[i]
		if c == q {
			p.pos = i + 1
			return s[open+1 : i], nil
		}
		if c == '\\' {
			break
		}
		i++
	}
	buf := make([]byte, 0, i-open+16)
	buf = append(buf, s[open+1:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			p.pos = i + 1
			return string(buf), nil
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// Backslash escape.
		esc := i
		i++
		if i >= len(s) {
			return "", p.unterminated(open, i)
		}
		c = s[i]
		i++
		switch c {
		case 'a':
			buf = append(buf, '\a')
		case 'b':
			buf = append(buf, '\b')
		case 't':
			buf = append(buf, '\t')
		case 'n':
			buf = append(buf, '\n')
		case 'v':
			buf = append(buf, '\v')
		case 'f':
			buf = append(buf, '\f')
		case 'r':
			buf = append(buf, '\r')
		case '\\', '\'', '"':
			buf = append(buf, c)
		case 'x':
			h1, h2 := -2, -2
			if i < len(s) {
				h1 = unhex(s[i])
			}
			if i+1 < len(s) {
				h2 = unhex(s[i+1])
			}
			if h1 < 0 || h2 < 0 {
				if h1 == -2 || (h1 >= 0 && h2 == -2) {
					return "", p.unterminated(open, len(s))
				}
				return "", p.errAt(esc, ErrSyntax, `invalid \x escape: \x must be followed by exactly two hex digits, as in \x41`, "global name 'buf' is not defined")
			}
			buf = append(buf, byte(h1<<4|h2))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(c - '0')
			for k := 0; k < 2 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
				n = n*8 + int(s[i]-'0')
				i++
			}
			if n > 0xff {
				return "", p.errAt(i-1, ErrSyntax, fmt.Sprintf(`invalid octal escape: \%s is %d, more than 255 (\377); write at most \377`, s[esc+1:i], n), "invalid octal escape: out of range "+s[esc+1:i])
			}

			buf = append(buf, byte(n))
		default:
			// xend keeps the backslash and drops the escaped byte.
			buf = append(buf, '\\')
		}
	}
	return "", p.unterminated(open, len(s))
}

func (p *parser) unterminated(open, at int) *SyntaxError {
	l, c := p.lineCol(open)
	return p.errAt(at, ErrUnexpectedEOF, fmt.Sprintf("unexpected end of input in the string opened with %c at %d:%d; add the closing %c", p.s[open], l, c, p.s[open]), "unexpected EOF")
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
