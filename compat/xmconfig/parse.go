package xmconfig

import (
	"errors"
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parsed is a config file's syntax tree and its comments.
type Parsed struct {
	File     *File
	Comments []Comment
}

// Parse reads the Python source of an xm config file into a syntax tree.
// It never executes anything. Errors are *Diagnostic values carrying
// file:line:col.
func Parse(filename string, src []byte) (*Parsed, error) {
	s := &scanner{src: string(src), file: filename, line: 1, fast: true}
	toks, err := s.run()
	if err != nil {
		var le *LexError
		if errors.As(err, &le) {
			return nil, &Diagnostic{Pos: le.Pos, Severity: Error, Msg: "syntax error: " + le.Msg,
				Hint: "the file is not valid Python; xm could not have read it either"}
		}
		return nil, err
	}
	f := &File{Stmts: make([]*Stmt, 0, len(s.items)+4)}
	eof := toks[len(toks)-1]
	prev := 0
	for _, it := range s.items {
		if err := parseSegment(f, toks[prev:it.at], eof); err != nil {
			return nil, err
		}
		f.Stmts = append(f.Stmts, it.stmt)
		prev = it.at
	}
	if err := parseSegment(f, toks[prev:len(toks)-1], eof); err != nil {
		return nil, err
	}
	return &Parsed{File: f, Comments: s.comments}, nil
}

// parseSegment parses the statements of a token run with the grammar.
func parseSegment(f *File, seg []lexer.Token, eof lexer.Token) error {
	for _, chunk := range splitStatements(seg) {
		if st := fastCompound(chunk); st != nil {
			f.Stmts = append(f.Stmts, st)
			continue
		}
		sub, err := parseTokens(chunk, eof)
		if err != nil {
			return err
		}
		f.Stmts = append(f.Stmts, sub.Stmts...)
	}
	return nil
}

// parseTokens runs the participle grammar over a token slice.
func parseTokens(chunk []lexer.Token, eof lexer.Token) (*File, error) {
	toks := make([]lexer.Token, 0, len(chunk)+1)
	toks = append(append(toks, chunk...), eof)
	pl, err := lexer.Upgrade(&tokenList{toks: toks})
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFromLexer(pl)
	if err != nil {
		var pe participle.Error
		if errors.As(err, &pe) {
			return nil, &Diagnostic{Pos: pe.Position(), Severity: Error,
				Msg:  fmt.Sprintf("syntax error: %s", pe.Message()),
				Hint: "xendshim reads the Python subset real xm configs use; rewrite this line as NAME = literal"}
		}
		return nil, err
	}
	return f, nil
}
