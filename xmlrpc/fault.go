package xmlrpc

import (
	"errors"
	"fmt"
)

// Fault codes used by xend's legacy server (XendClient.py). The package itself only
// ever raises FaultInternal; the others are listed for callers.
const (
	// FaultInternal is xend's ERROR_INTERNAL: any exception that is not a Fault,
	// including TypeErrors from wrong arity and marshalling errors.
	FaultInternal = 1
	// FaultGeneric is xend's ERROR_GENERIC (XendError and its subclasses).
	FaultGeneric = 2
	// FaultInvalidDomain is xend's ERROR_INVALID_DOMAIN.
	FaultInvalidDomain = 3
)

// Fault is an XML-RPC fault: what the far side answered, as opposed to a transport
// failure. A Handler returns a *Fault to choose the reply's fault code and string;
// the Client returns a *Fault when the server sent one. Use errors.As to find it in
// a wrapped error.
type Fault struct {
	// Code is the faultCode.
	Code int
	// String is the faultString. xend usually sends a string, but cpu_pool errors
	// carry a list ([]any), so any encodable value is allowed.
	String any
}

// Error implements error. It prints like xmlrpclib's repr of a Fault:
// <Fault 3: 'nosuch'> for a string, <Fault 2: ['POOL_BAD_STATE', ...]> for a list.
func (f *Fault) Error() string {
	return fmt.Sprintf("<Fault %d: %s>", f.Code, pyRepr(f.String))
}

// Text returns the faultString as text: the string itself, or the Python repr of
// any other value (which is what xm prints after "Error: ").
func (f *Fault) Text() string {
	if s, ok := f.String.(string); ok {
		return s
	}
	return pyRepr(f.String)
}

// Faultf returns a *Fault with the given code and a formatted string.
func Faultf(code int, format string, args ...any) *Fault {
	return &Fault{Code: code, String: fmt.Sprintf(format, args...)}
}

// AsFault reports whether err is or wraps a *Fault, and returns it.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	if errors.As(err, &f) {
		return f, true
	}
	return nil, false
}
