package xend

import (
	"errors"
	"fmt"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xmlrpc"
)

// Fault codes of xend's legacy server (XendClient.py), re-exported so that
// callers of this package need not import xmlrpc to read an *Error.
const (
	CodeInternal      = xmlrpc.FaultInternal      // 1: any non-Xend exception
	CodeGeneric       = xmlrpc.FaultGeneric       // 2: XendError and its subclasses
	CodeInvalidDomain = xmlrpc.FaultInvalidDomain // 3: XendInvalidDomain
)

// Error is an error as xend raised it: the fault code it maps to and the
// value xend put in the faultString (xmlrpc.md §3.2). Value is usually a
// string; cpu_pool errors carry a list ([]any).
//
// Every error the Service returns is an *Error, possibly wrapped, or an
// error that FaultOf maps to code 2.
type Error struct {
	// Code is CodeInternal, CodeGeneric or CodeInvalidDomain.
	Code int
	// Value is the faultString: a string, or a []any of strings.
	Value any
	// Prefix is what Python's str() of the exception put before Value:
	// "Invalid Configuration: " for an XendConfigError. XML-RPC faults
	// carry Value alone (§3.2); PythonStr adds it.
	Prefix string
}

// Error implements error with the faultString's text.
func (e *Error) Error() string {
	if s, ok := e.Value.(string); ok {
		return s
	}
	return fmt.Sprint(e.Value)
}

// invalidDomain is XendInvalidDomain(ident): fault 3 whose string is the
// identifier exactly as the caller gave it.
func invalidDomain(ident string) error { return &Error{Code: CodeInvalidDomain, Value: ident} }

// xendError is XendError/VmError(msg): fault 2.
func xendError(format string, args ...any) error {
	return &Error{Code: CodeGeneric, Value: fmt.Sprintf(format, args...)}
}

// configError is XendConfigError(msg): fault 2 with msg, whose str() is
// "Invalid Configuration: msg" (golden http/026).
func configError(msg string) error {
	return &Error{Code: CodeGeneric, Value: msg, Prefix: "Invalid Configuration: "}
}

// internalError is any other Python exception: fault 1 with str(exc).
func internalError(format string, args ...any) error {
	return &Error{Code: CodeInternal, Value: fmt.Sprintf(format, args...)}
}

// FaultOf turns an error returned by the Service into the XML-RPC fault
// xend sent for it. It is the one place where errors become faults: an
// *Error keeps its code and value, an *xmlrpc.Fault passes through
// unchanged, and anything else (a toolstack error the service did not
// translate) becomes fault 2 with its text, as xend wrapped xc errors in
// XendError(str(e)).
func FaultOf(err error) *xmlrpc.Fault {
	if err == nil {
		return nil
	}
	var xe *Error
	if errors.As(err, &xe) {
		return &xmlrpc.Fault{Code: xe.Code, String: xe.Value}
	}
	if f, ok := xmlrpc.AsFault(err); ok {
		return f
	}
	return &xmlrpc.Fault{Code: CodeGeneric, String: err.Error()}
}

// PythonStr returns str() of the exception xend raised for err: the text
// its HTTP/SXP interface showed in (xend.err '…') replies and 404 bodies.
// An XendInvalidDomain is an xmlrpclib Fault and prints as
// "<Fault 3: 'name'>"; an XendConfigError keeps its "Invalid
// Configuration: " prefix; anything else prints as its message.
func PythonStr(err error) string {
	var xe *Error
	if !errors.As(err, &xe) {
		return err.Error()
	}
	if xe.Code == CodeInvalidDomain {
		return "<Fault 3: " + sxp.Quote(xe.Error()) + ">"
	}
	return xe.Prefix + xe.Error()
}

// IsInvalidDomain reports whether err is xend's "no such domain" (fault 3).
// The HTTP/SXP layer answers 404 for it.
func IsInvalidDomain(err error) bool {
	var xe *Error
	return errors.As(err, &xe) && xe.Code == CodeInvalidDomain
}

// tsText returns the human part of a toolstack error: its detail when it is
// a *toolstack.Error with one, followed by what the toolstack itself said
// (the cause, e.g. xl's stderr) so that a client sees why, not only that,
// the host refused; else the whole text.
func tsText(err error) string {
	var te *toolstack.Error
	if errors.As(err, &te) && te.Detail != "" {
		if te.Cause != nil {
			return te.Detail + ": " + te.Cause.Error()
		}
		return te.Detail
	}
	return err.Error()
}
