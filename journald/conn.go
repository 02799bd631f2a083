package journald

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultSocket is where systemd-journald receives native-protocol
// datagrams.
const DefaultSocket = "/run/systemd/journal/socket"

// sendBuffer is the socket send buffer asked for, so that ordinary large
// records still fit in one datagram (the kernel caps it at wmem_max).
const sendBuffer = 8 << 20

// sendTimeout bounds how long a send may wait for a full journald queue.
const sendTimeout = 5 * time.Second

// Option changes how Dial connects.
type Option func(*Conn)

// WithSocket sends to the datagram socket at path instead of
// DefaultSocket (a journald namespace's socket, or a test's).
func WithSocket(path string) Option {
	return func(c *Conn) { c.path = path }
}

// Conn sends records to journald. It is safe for concurrent use. The
// socket is not connected, so a restarted journald is reached again.
type Conn struct {
	path   string
	addr   *unix.SockaddrUnix
	mu     sync.Mutex
	fd     int
	closed bool
}

// Dial checks that journald's socket exists and answers, and returns a
// Conn to it. A missing socket is an error that satisfies
// errors.Is(err, fs.ErrNotExist) and says what to use instead.
func Dial(opts ...Option) (*Conn, error) {
	c := &Conn{path: DefaultSocket}
	for _, o := range opts {
		o(c)
	}
	c.addr = &unix.SockaddrUnix{Name: c.path}
	fi, err := os.Stat(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &socketError{path: c.path, err: fs.ErrNotExist,
			msg: "no such file; is systemd-journald running? use --log=syslog or --log=file:PATH"}
	case err != nil:
		return nil, &socketError{path: c.path, err: err, msg: err.Error()}
	case fi.Mode().Type() != fs.ModeSocket:
		return nil, &socketError{path: c.path, err: fs.ErrInvalid, msg: "not a socket (" + fi.Mode().Type().String() + ")"}
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("journald: socket: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sendBuffer) // best effort
	// A stuck journald fails a send after sendTimeout instead of
	// stopping the caller for good.
	tv := unix.NsecToTimeval(sendTimeout.Nanoseconds())
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	c.fd = fd
	// journald drops an empty datagram; sending one proves somebody listens.
	if err := unix.Sendmsg(fd, nil, nil, c.addr, unix.MSG_NOSIGNAL); err != nil {
		unix.Close(fd)
		return nil, &socketError{path: c.path, err: err,
			msg: err.Error() + "; is systemd-journald running? use --log=syslog or --log=file:PATH"}
	}
	return c, nil
}

// socketError is Dial's error about the socket itself.
type socketError struct {
	path, msg string
	err       error
}

func (e *socketError) Error() string { return "journald socket " + e.path + ": " + e.msg }
func (e *socketError) Unwrap() error { return e.err }

// Path returns the socket the Conn sends to.
func (c *Conn) Path() string { return c.path }

// Send encodes the record and sends it as one datagram, or through a
// sealed memfd when it is too large for one. An invalid field name is an
// error and nothing is sent.
func (c *Conn) Send(fields []Field) error {
	b, err := Encode(fields)
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// SendRaw sends an already encoded record (see Encode) the same way as
// Send.
func (c *Conn) SendRaw(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("journald: send on a closed connection")
	}
	err := unix.Sendmsg(c.fd, b, nil, c.addr, unix.MSG_NOSIGNAL)
	if errors.Is(err, unix.EMSGSIZE) || errors.Is(err, unix.ENOBUFS) {
		err = c.sendMemfd(b)
	}
	if err != nil {
		return fmt.Errorf("journald: send to %s (%d bytes): %w", c.path, len(b), err)
	}
	return nil
}

// Close releases the socket. Later sends fail.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return unix.Close(c.fd)
}

// sendBufferSize reports the kernel's send buffer of the socket (tests
// size a record beyond it).
func (c *Conn) sendBufferSize() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
}
