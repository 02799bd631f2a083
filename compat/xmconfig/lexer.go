package xmconfig

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types produced by the lexer. The names are the ones the grammar
// refers to (`@Name`, `Newline`, ...).
const (
	tokName lexer.TokenType = -(iota + 2)
	tokKeyword
	tokString
	tokNumber
	tokOp
	tokNewline
	tokIndent
	tokDedent
)

// Limits that keep hostile input from exhausting the parser. Real xm
// configs are a few kilobytes with brackets nested two deep.
const (
	// MaxFileSize is the largest config file accepted, in bytes.
	MaxFileSize = 4 << 20
	// maxNesting caps bracket depth and indentation levels.
	maxNesting = 64
	// maxPrefixRun caps runs of prefix operators (- + ~ not) and of '**',
	// which the grammar parses recursively.
	maxPrefixRun = 64
)

// Comment is a '#' comment of the source, kept with its position so that it
// can be carried into converted output.
type Comment struct {
	Pos  lexer.Position
	Text string // including the leading '#', without the line end
}

// LexError is a lexical error: a character or string that cannot start a
// Python token, or a limit exceeded.
type LexError struct {
	Pos lexer.Position
	Msg string
}

// Error implements error: "file:line:col: message".
func (e *LexError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

// definition implements lexer.Definition for Python 2 logical lines.
type definition struct{}

// Symbols implements lexer.Definition.
func (definition) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": lexer.EOF, "Name": tokName, "Keyword": tokKeyword, "String": tokString,
		"Number": tokNumber, "Op": tokOp, "Newline": tokNewline, "Indent": tokIndent,
		"Dedent": tokDedent,
	}
}

// Lex implements lexer.Definition.
func (d definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

// LexString implements lexer.StringDefinition. The whole input is scanned
// up front, so lexical errors surface before parsing starts.
func (definition) LexString(filename string, src string) (lexer.Lexer, error) {
	s := &scanner{src: src, file: filename, line: 1, lineStart: 0}
	toks, err := s.run()
	if err != nil {
		return nil, err
	}
	return &tokenList{toks: toks}, nil
}

type tokenList struct {
	toks []lexer.Token
	i    int
}

// Next implements lexer.Lexer.
func (t *tokenList) Next() (lexer.Token, error) {
	if t.i >= len(t.toks) {
		return t.toks[len(t.toks)-1], nil
	}
	tok := t.toks[t.i]
	t.i++
	return tok, nil
}

// scanner turns source text into tokens following Python's rules for
// logical lines: no NEWLINE inside brackets or after a backslash-newline,
// blank and comment-only lines produce nothing, INDENT/DEDENT from leading
// whitespace (tabs to multiples of eight), CR LF accepted as a line end.
type scanner struct {
	src       string
	file      string
	pos       int
	line      int
	lineStart int
	depth     int   // bracket depth
	indents   []int // indentation stack (without the implicit 0)
	toks      []lexer.Token
	comments  []Comment
	prefixRun int

	// With fast set, a top-level line the fast path reads (fastpath.go)
	// becomes a statement in items, and its tokens are dropped.
	fast    bool
	lineTok int // index in toks where the current logical line starts
	items   []fastItem
}

// fastItem is a statement read by the fast path; it comes before the
// token at index at.
type fastItem struct {
	stmt *Stmt
	at   int
}

// endLine offers a finished top-level logical line to the fast path.
func (s *scanner) endLine() {
	if !s.fast || len(s.indents) > 0 || s.lineTok >= len(s.toks) {
		return
	}
	if st := fastStmt(s.toks[s.lineTok:]); st != nil {
		s.toks = s.toks[:s.lineTok]
		s.items = append(s.items, fastItem{stmt: st, at: s.lineTok})
	}
}

func (s *scanner) position(off int) lexer.Position {
	return lexer.Position{Filename: s.file, Offset: off, Line: s.line, Column: off - s.lineStart + 1}
}

func (s *scanner) errAt(off int, format string, args ...any) error {
	return &LexError{Pos: s.position(off), Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) emit(typ lexer.TokenType, off int, val string) {
	s.toks = append(s.toks, lexer.Token{Type: typ, Value: val, Pos: s.position(off)})
}

// newline consumes a line end at s.pos ("\n" or "\r\n") and advances the line count.
func (s *scanner) newline() {
	if s.src[s.pos] == '\r' {
		s.pos++
	}
	s.pos++
	s.line++
	s.lineStart = s.pos
}

func (s *scanner) atLineEnd() bool {
	c := s.src[s.pos]
	return c == '\n' || (c == '\r' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n')
}

func (s *scanner) run() ([]lexer.Token, error) {
	if len(s.src) > MaxFileSize {
		return nil, s.errAt(0, "file larger than %d bytes", MaxFileSize)
	}
	s.toks = make([]lexer.Token, 0, 16)
	s.comments = make([]Comment, 0, strings.Count(s.src, "#"))
	if strings.HasPrefix(s.src, "\xef\xbb\xbf") {
		s.pos = 3
		s.lineStart = 3
	}
	atBOL := true
	for s.pos < len(s.src) {
		if atBOL && s.depth == 0 {
			blank, err := s.indentation()
			if err != nil {
				return nil, err
			}
			atBOL = blank
			s.lineTok = len(s.toks)
			continue
		}
		c := s.src[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			s.pos++
		case c == '\r' && !s.atLineEnd():
			s.pos++ // a stray CR is whitespace
		case c == '\n' || c == '\r':
			if s.depth == 0 {
				s.emit(tokNewline, s.pos, "\n")
				atBOL = true
				s.endLine()
			}
			s.newline()
		case c == '#':
			s.comment()
		case c == '\\':
			s.pos++
			if s.pos >= len(s.src) || !s.atLineEnd() {
				return nil, s.errAt(s.pos-1, "unexpected character after line continuation character")
			}
			s.newline()
		case c == '"' || c == '\'':
			if err := s.str(s.pos, s.pos); err != nil {
				return nil, err
			}
		case isDigit(c) || (c == '.' && s.pos+1 < len(s.src) && isDigit(s.src[s.pos+1])):
			if err := s.number(); err != nil {
				return nil, err
			}
		case isIdentStart(c):
			start := s.pos
			for s.pos < len(s.src) && isIdentChar(s.src[s.pos]) {
				s.pos++
			}
			word := s.src[start:s.pos]
			if s.pos < len(s.src) && (s.src[s.pos] == '\'' || s.src[s.pos] == '"') && isStringPrefix(word) {
				if err := s.str(start, s.pos); err != nil {
					return nil, err
				}
				continue
			}
			if keywords[word] {
				if word == "not" {
					if err := s.prefix(start); err != nil {
						return nil, err
					}
				} else {
					s.prefixRun = 0
				}
				s.emit(tokKeyword, start, word)
			} else {
				s.prefixRun = 0
				s.emit(tokName, start, word)
			}
		default:
			if err := s.op(); err != nil {
				return nil, err
			}
		}
	}
	if s.depth > 0 {
		return nil, s.errAt(s.pos, "end of file inside brackets (a '(', '[' or '{' is never closed)")
	}
	if n := len(s.toks); n > s.lineTok && s.toks[n-1].Type != tokNewline && s.toks[n-1].Type != tokDedent {
		s.emit(tokNewline, s.pos, "\n")
		s.endLine()
	}
	for range s.indents {
		s.emit(tokDedent, s.pos, "")
	}
	s.emit(lexer.EOF, s.pos, "")
	return s.toks, nil
}

// indentation measures the leading whitespace of a line. Blank and
// comment-only lines are skipped whole, as Python does.
func (s *scanner) indentation() (blank bool, err error) {
	col := 0
	i := s.pos
	for i < len(s.src) {
		switch s.src[i] {
		case ' ':
			col++
		case '\t':
			col = (col/8 + 1) * 8
		case '\f':
			col = 0
		default:
			goto done
		}
		i++
	}
done:
	s.pos = i
	if i >= len(s.src) {
		return false, nil
	}
	if c := s.src[i]; c == '#' || c == '\n' || (c == '\r' && s.atLineEnd()) {
		if c == '#' {
			s.comment()
		}
		if s.pos < len(s.src) {
			s.newline()
		}
		// still at the beginning of a line: the caller calls us again.
		return true, nil
	}
	cur := 0
	if n := len(s.indents); n > 0 {
		cur = s.indents[n-1]
	}
	switch {
	case col > cur:
		if len(s.indents) >= maxNesting {
			return false, s.errAt(i, "indentation nested deeper than %d levels", maxNesting)
		}
		s.indents = append(s.indents, col)
		s.emit(tokIndent, i, "")
	case col < cur:
		for len(s.indents) > 0 && s.indents[len(s.indents)-1] > col {
			s.indents = s.indents[:len(s.indents)-1]
			s.emit(tokDedent, i, "")
		}
		cur = 0
		if n := len(s.indents); n > 0 {
			cur = s.indents[n-1]
		}
		if cur != col {
			return false, s.errAt(i, "unindent does not match any outer indentation level")
		}
	}
	return false, nil
}

func (s *scanner) comment() {
	start := s.pos
	for s.pos < len(s.src) && s.src[s.pos] != '\n' && !(s.src[s.pos] == '\r' && s.atLineEnd()) {
		s.pos++
	}
	s.comments = append(s.comments, Comment{Pos: s.position(start), Text: s.src[start:s.pos]})
}
