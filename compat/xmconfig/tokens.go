package xmconfig

// Scanning of single tokens: strings, numbers, operators.

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

var keywords = map[string]bool{
	"and": true, "as": true, "assert": true, "break": true, "class": true,
	"continue": true, "def": true, "del": true, "elif": true, "else": true,
	"except": true, "exec": true, "finally": true, "for": true, "from": true,
	"global": true, "if": true, "import": true, "in": true, "is": true,
	"lambda": true, "not": true, "or": true, "pass": true, "print": true,
	"raise": true, "return": true, "try": true, "while": true, "with": true,
	"yield": true,
}

// three-character operators first, then two, then one.
var ops3 = []string{"**=", "//=", ">>=", "<<="}

var ops2 = []string{"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "<>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="}

const ops1 = "-+*/%=,;:.()[]{}<>&|^~@`"

// str scans a string literal; start is where its prefix begins, q where
// the opening quote is. The token value is the literal as written.
func (s *scanner) str(start, q int) error {
	s.prefixRun = 0
	quote := s.src[q]
	delim3 := `"""`
	if quote == '\'' {
		delim3 = "'''"
	}
	triple := strings.HasPrefix(s.src[q:], delim3)
	startLine, startCol := s.line, start-s.lineStart+1
	tokPos := lexer.Position{Filename: s.file, Offset: start, Line: startLine, Column: startCol}
	i := q + 1
	if triple {
		i = q + 3
	}
	for {
		if i >= len(s.src) {
			return &LexError{Pos: tokPos, Msg: "unterminated string literal (EOF while scanning)"}
		}
		c := s.src[i]
		switch {
		case c == '\\':
			if i+1 < len(s.src) {
				if s.src[i+1] == '\r' && i+2 < len(s.src) && s.src[i+2] == '\n' {
					i++
				}
				if s.src[i+1] == '\n' {
					s.line++
					s.lineStart = i + 2
				}
			}
			i += 2
			continue
		case c == '\n':
			if !triple {
				return &LexError{Pos: tokPos, Msg: "unterminated string literal (EOL while scanning)"}
			}
			s.line++
			s.lineStart = i + 1
		case c == quote:
			if !triple {
				i++
				goto end
			}
			if strings.HasPrefix(s.src[i:], delim3) {
				i += 3
				goto end
			}
		}
		i++
	}
end:
	s.toks = append(s.toks, lexer.Token{Type: tokString, Value: s.src[start:i], Pos: tokPos})
	s.pos = i
	return nil
}

func (s *scanner) number() error {
	s.prefixRun = 0
	start := s.pos
	i := s.pos
	src := s.src
	isHex := func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
	if src[i] == '0' && i+1 < len(src) && (src[i+1]|0x20 == 'x' || src[i+1]|0x20 == 'o' || src[i+1]|0x20 == 'b') {
		i += 2
		for i < len(src) && isHex(src[i]) {
			i++
		}
	} else {
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		if i < len(src) && src[i] == '.' {
			i++
			for i < len(src) && isDigit(src[i]) {
				i++
			}
		}
		if i < len(src) && src[i]|0x20 == 'e' {
			j := i + 1
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if j < len(src) && isDigit(src[j]) {
				i = j
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
		}
	}
	if i < len(src) && (src[i]|0x20 == 'l' || src[i]|0x20 == 'j') {
		i++
	}
	if i < len(src) && isIdentChar(src[i]) {
		return s.errAt(start, "invalid number literal %q", src[start:i+1])
	}
	s.pos = i
	s.emit(tokNumber, start, src[start:i])
	return nil
}

func (s *scanner) prefix(off int) error {
	s.prefixRun++
	if s.prefixRun > maxPrefixRun {
		return s.errAt(off, "more than %d prefix operators in a row", maxPrefixRun)
	}
	return nil
}

func (s *scanner) op() error {
	start := s.pos
	rest := s.src[s.pos:]
	val := ""
	// the common single-character operators first
	switch rest[0] {
	case ',', '(', ')', '[', ']', '{', '}', ':', '.', ';', '~', '@', '`':
		val = rest[:1]
	case '=', '+', '-', '%':
		if len(rest) < 2 || rest[1] != '=' {
			val = rest[:1]
		}
	}
	for _, o := range ops3 {
		if val != "" {
			break
		}
		if strings.HasPrefix(rest, o) {
			val = o
			break
		}
	}
	if val == "" {
		for _, o := range ops2 {
			if len(rest) < 2 {
				break
			}
			if strings.HasPrefix(rest, o) {
				val = o
				break
			}
		}
	}
	if val == "" && strings.IndexByte(ops1, rest[0]) >= 0 {
		val = rest[:1]
	}
	if val == "" {
		c := rest[0]
		if c == 0 {
			return s.errAt(start, "NUL byte in source")
		}
		if c >= 0x80 {
			return s.errAt(start, "non-ASCII character outside a string or comment")
		}
		return s.errAt(start, "unexpected character %q", rest[:1])
	}
	s.pos += len(val)
	switch val {
	case "(", "[", "{":
		s.depth++
		if s.depth > maxNesting {
			return s.errAt(start, "brackets nested deeper than %d levels", maxNesting)
		}
	case ")", "]", "}":
		if s.depth > 0 {
			s.depth--
		}
	}
	switch val {
	case "-", "+", "~", "**":
		if err := s.prefix(start); err != nil {
			return err
		}
	default:
		s.prefixRun = 0
	}
	s.emit(tokOp, start, val)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "u", "b", "ur", "br":
		return true
	}
	return false
}
