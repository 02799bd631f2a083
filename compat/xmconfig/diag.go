package xmconfig

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// Severity orders diagnostics: Info < Warning < Error.
type Severity int

// Severities of a Diagnostic.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns "note", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "note"
	case Warning:
		return "warning"
	}
	return "error"
}

// Diagnostic is one finding about a config file: where, what, and how to
// fix it. An Error-severity Diagnostic is also an error value.
type Diagnostic struct {
	Pos      lexer.Position
	Severity Severity
	Key      string // the option concerned, if any
	Msg      string
	Hint     string
}

// Error implements error: "file:line:col: severity: msg; hint".
func (d *Diagnostic) Error() string {
	s := ""
	if d.Pos.Filename != "" || d.Pos.Line > 0 {
		s = fmt.Sprintf("%s:%d:%d: ", d.Pos.Filename, d.Pos.Line, d.Pos.Column)
	}
	s += d.Severity.String() + ": " + d.Msg
	if d.Hint != "" {
		s += "; " + d.Hint
	}
	return s
}
