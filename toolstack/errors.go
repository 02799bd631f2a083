package toolstack

import (
	"errors"
	"fmt"
)

// Error classes. Every error returned by a Toolstack wraps exactly one of
// these, so callers can branch with errors.Is.
var (
	// ErrNotFound: the domain, device, file or save image does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a domain with that name or UUID, or a device with that id,
	// already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: an argument is malformed or out of range (bad MAC, weight
	// outside 1..65535, vCPU beyond max_vcpus, corrupt save image).
	ErrInvalid = errors.New("invalid argument")
	// ErrBadState: the domain is in the wrong state for the operation
	// (unpausing a running domain is fine; saving a dying one is not).
	ErrBadState = errors.New("wrong domain state")
	// ErrNoMemory: the host has not enough free memory for the request.
	ErrNoMemory = errors.New("not enough memory")
	// ErrUnsupported: this host or backend cannot do it (no PCI devices to
	// pass through, no VNC because no device model runs, ...).
	ErrUnsupported = errors.New("not supported")
)

// Error is the error type Toolstack implementations return. It names the
// operation and the domain and wraps one class sentinel.
type Error struct {
	// Op is the operation, e.g. "pause" or "device add vbd".
	Op string
	// Domain identifies the domain ("3", "tiny" or a UUID); empty for host
	// operations.
	Domain string
	// Class is one of the Err* sentinels.
	Class error
	// Detail is a human explanation, e.g. "domain is paused"; may be empty.
	Detail string
	// Cause is an underlying error (an I/O error, xl's stderr), may be nil.
	Cause error
}

// Error formats as "op domain D: detail: class".
func (e *Error) Error() string {
	s := e.Op
	if e.Domain != "" {
		s += " domain " + e.Domain
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Class != nil {
		s += " (" + e.Class.Error() + ")"
	}
	return s
}

// Unwrap returns the class sentinel and the cause, so errors.Is works for
// both.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Class != nil {
		errs = append(errs, e.Class)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// Errorf builds an *Error for operation op on domain dom (a domid, name or
// "" for host operations) of the given class, with a formatted detail.
func Errorf(class error, op string, dom any, format string, args ...any) error {
	d := ""
	if dom != nil {
		d = fmt.Sprint(dom)
	}
	return &Error{Op: op, Domain: d, Class: class, Detail: fmt.Sprintf(format, args...)}
}

// ClassOf returns the class sentinel err wraps, or nil if it wraps none.
func ClassOf(err error) error {
	for _, c := range []error{ErrNotFound, ErrExists, ErrInvalid, ErrBadState, ErrNoMemory, ErrUnsupported} {
		if errors.Is(err, c) {
			return c
		}
	}
	return nil
}
