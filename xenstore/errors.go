package xenstore

import (
	"errors"
	"fmt"
	"syscall"
)

// errnos maps the errno names xenstored sends in XS_ERROR replies to errno
// values (the table xsd_errors in xen/io/xs_wire.h).
var errnos = map[string]syscall.Errno{
	"EINVAL": syscall.EINVAL, "EACCES": syscall.EACCES, "EEXIST": syscall.EEXIST,
	"EISDIR": syscall.EISDIR, "ENOENT": syscall.ENOENT, "ENOMEM": syscall.ENOMEM,
	"ENOSPC": syscall.ENOSPC, "EIO": syscall.EIO, "ENOTEMPTY": syscall.ENOTEMPTY,
	"ENOSYS": syscall.ENOSYS, "EROFS": syscall.EROFS, "EBUSY": syscall.EBUSY,
	"EAGAIN": syscall.EAGAIN, "EISCONN": syscall.EISCONN, "E2BIG": syscall.E2BIG,
	"EPERM": syscall.EPERM, "EQUOTA": syscall.EDQUOT,
}

// ErrClosed is returned by calls on a client whose connection is closed or broken.
var ErrClosed = errors.New("xenstore: connection closed")

// Error is a failure reported by xenstored for one request.
type Error struct {
	Op    MsgType       // the request type
	Path  string        // the path it was about ("" if none)
	Name  string        // the errno name xenstored sent, e.g. "ENOENT"
	Errno syscall.Errno // Name as an errno (0 if unknown)
}

// Error formats the failure as "xenstore: READ /local/domain/9/name: ENOENT (no such file or directory)".
func (e *Error) Error() string {
	s := "xenstore: " + e.Op.String()
	if e.Path != "" {
		s += " " + e.Path
	}
	s += ": " + e.Name
	if e.Errno != 0 {
		s += fmt.Sprintf(" (%v)", e.Errno)
	}
	return s
}

// Unwrap returns the errno, so errors.Is(err, fs.ErrNotExist) and
// errors.Is(err, syscall.EAGAIN) work.
func (e *Error) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

func newError(op MsgType, path string, payload []byte) *Error {
	name := "EINVAL"
	if p := splitNul(payload); len(p) > 0 {
		name = p[0]
	}
	return &Error{Op: op, Path: path, Name: name, Errno: errnos[name]}
}

// ErrnoName returns the xenstore errno name for e ("ENOENT"), or "EINVAL"
// when xenstored has no name for it. Servers use it to build XS_ERROR replies.
func ErrnoName(e syscall.Errno) string {
	for n, v := range errnos {
		if v == e {
			return n
		}
	}
	return "EINVAL"
}
