package xmconfig

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeString decodes one Python 2 string literal as written (prefix,
// quotes and all). It reports the value and whether it is unicode.
func decodeString(lit string) (s string, unicode bool, err error) {
	i := 0
	raw := false
	for i < len(lit) && lit[i] != '\'' && lit[i] != '"' {
		switch lit[i] | 0x20 {
		case 'r':
			raw = true
		case 'u':
			unicode = true
		}
		i++
	}
	body := lit[i:]
	n := 1
	if len(body) >= 6 && (strings.HasPrefix(body, `"""`) || strings.HasPrefix(body, `'''`)) {
		n = 3
	}
	if len(body) < 2*n {
		return "", unicode, fmt.Errorf("malformed string literal")
	}
	body = body[n : len(body)-n]
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if raw {
		return body, unicode, nil
	}
	if strings.IndexByte(body, '\\') < 0 {
		return body, unicode, nil
	}
	var b strings.Builder
	for j := 0; j < len(body); j++ {
		c := body[j]
		if c != '\\' || j+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		j++
		e := body[j]
		switch e {
		case '\n':
			// backslash-newline: continuation, nothing added
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			if j+2 < len(body) && isHexDigit(body[j+1]) && isHexDigit(body[j+2]) {
				v, _ := strconv.ParseUint(body[j+1:j+3], 16, 8)
				b.WriteByte(byte(v))
				j += 2
			} else {
				return "", unicode, fmt.Errorf(`invalid \x escape`)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			k := j
			for k < len(body) && k < j+3 && body[k] >= '0' && body[k] <= '7' {
				k++
			}
			v, _ := strconv.ParseUint(body[j:k], 8, 16)
			b.WriteByte(byte(v))
			j = k - 1
		case 'u', 'U', 'N':
			if !unicode {
				b.WriteByte('\\')
				b.WriteByte(e)
				break
			}
			if e == 'N' {
				return "", unicode, fmt.Errorf(`\N{...} escapes are not supported`)
			}
			w := 4
			if e == 'U' {
				w = 8
			}
			if j+1+w > len(body) {
				return "", unicode, fmt.Errorf(`truncated \%c escape`, e)
			}
			v, perr := strconv.ParseUint(body[j+1:j+1+w], 16, 32)
			if perr != nil || v > utf8.MaxRune {
				return "", unicode, fmt.Errorf(`invalid \%c escape`, e)
			}
			b.WriteRune(rune(v))
			j += w
		default:
			// Python keeps unknown escapes literally.
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), unicode, nil
}

func isHexDigit(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// decodeNumber decodes a Python 2 number literal.
func decodeNumber(lit string) (Value, error) {
	// the common case: a short decimal int
	if n := len(lit); n > 0 && n <= 18 && (lit[0] != '0' || n == 1) {
		var v int64
		ok := true
		for i := 0; i < n; i++ {
			c := lit[i]
			if c < '0' || c > '9' {
				ok = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if ok {
			return Value{Kind: Int, I: v}, nil
		}
	}
	s := lit
	long := false
	if n := len(s); n > 0 && (s[n-1]|0x20 == 'l') {
		long = true
		s = s[:n-1]
	}
	if n := len(s); n > 0 && s[n-1]|0x20 == 'j' {
		return Value{}, fmt.Errorf("complex literal %s", lit)
	}
	if strings.ContainsAny(s, ".eE") && !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		if long {
			return Value{}, fmt.Errorf("invalid literal %s", lit)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(f, 0) {
			return Value{}, fmt.Errorf("invalid float literal %s", lit)
		}
		return Value{Kind: Float, F: f}, nil
	}
	base := 10
	digits := s
	switch {
	case len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'x':
		base, digits = 16, s[2:]
	case len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'o':
		base, digits = 8, s[2:]
	case len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'b':
		base, digits = 2, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	z, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return Value{}, fmt.Errorf("invalid integer literal %s", lit)
	}
	return intFromBig(z, long), nil
}

// intFromBig makes an int, or a long when it is forced or does not fit in
// 64 bits (xm ran on 64-bit Python, whose sys.maxint is 2^63-1).
func intFromBig(z *big.Int, long bool) Value {
	if !long && z.IsInt64() {
		return Value{Kind: Int, I: z.Int64()}
	}
	return Value{Kind: Long, Big: z}
}
