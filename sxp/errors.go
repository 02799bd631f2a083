package sxp

import (
	"errors"
	"fmt"
)

// Limits on hostile input. The parser and the [Decoder] refuse input beyond
// them with a [*SyntaxError] wrapping [ErrTooDeep] or [ErrTooLarge], before
// allocating for it. Real xend data is far inside them: domain records are a
// few kilobytes and nest about eight lists deep.
const (
	// MaxDepth is the deepest list nesting accepted.
	MaxDepth = 512
	// MaxSize is the largest input, in bytes, that Parse and ParseAll accept,
	// and the largest single value a Decoder reads.
	MaxSize = 16 << 20
	// MaxValues is the most values (atoms, strings and lists, counted at every
	// depth) one call to Parse, ParseAll or Decoder.Decode builds.
	MaxValues = 1 << 20
)

// Error classes a [*SyntaxError] can wrap; test for them with errors.Is.
var (
	// ErrUnexpectedEOF: the input ended inside a list or a quoted string.
	ErrUnexpectedEOF = errors.New("unexpected end of input")
	// ErrTooDeep: lists nest deeper than MaxDepth.
	ErrTooDeep = errors.New("lists nested too deeply")
	// ErrTooLarge: the input is larger than MaxSize or builds more than
	// MaxValues values.
	ErrTooLarge = errors.New("input too large")
	// ErrValueCount: Parse found no value, or more than one.
	ErrValueCount = errors.New("not exactly one value")
	// ErrSyntax: anything else xend's parser rejected.
	ErrSyntax = errors.New("syntax error")
)

// SyntaxError describes input the parser rejects, and where.
type SyntaxError struct {
	// Offset is the byte offset of the offending byte from the start of the
	// input (for a Decoder, from the first byte it read), counted from 0.
	Offset int64
	// Line and Col locate the same byte; both count from 1 and Col counts
	// bytes, not characters.
	Line, Col int
	// Msg says what is wrong and, where it helps, how to fix it.
	Msg string
	// XendMsg is the text of the exception xend 4.4 raised for the same input
	// (str(ParseError), such as "unexpected EOF"), for callers that must
	// reproduce xend's error replies. It is empty where xend had no such
	// error: the limits, and Parse finding no value (xend's callers failed
	// later, each in its own way).
	XendMsg string
	// XendSilent is true when xend 4.4 raised nothing for this input: it ended
	// in the middle of an atom inside an unclosed list, and xend silently
	// dropped the unfinished list (http-sxp.md §1.2). [ParseAll] still returns
	// the values completed before it, so a caller can mimic xend.
	XendSilent bool
	// Err is the class of the error: ErrUnexpectedEOF, ErrTooDeep,
	// ErrTooLarge, ErrValueCount or ErrSyntax.
	Err error
}

// Error returns "sxp: LINE:COL (byte OFFSET): MSG".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("sxp: %d:%d (byte %d): %s", e.Line, e.Col, e.Offset, e.Msg)
}

// Unwrap returns the error class, so errors.Is(err, sxp.ErrUnexpectedEOF)
// works.
func (e *SyntaxError) Unwrap() error { return e.Err }

// position returns the 1-based line and byte column of offset off in s.
func position(s string, off int) (line, col int) {
	if off > len(s) {
		off = len(s)
	}
	line, lineStart := 1, 0
	for i := 0; i < off; i++ {
		if s[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return line, off - lineStart + 1
}
