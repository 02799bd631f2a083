package xmlrpc

import "time"

// Limits bound what one client can make the Server hold or wait for. A zero field
// takes the default given beside it. Each limit, when hit, gets a clear HTTP error
// (whose reason phrase says which limit and its value) or, for an idle
// keep-alive connection, a silent close.
type Limits struct {
	// MaxHeaderBytes bounds the request line plus headers (default 64 KiB); beyond
	// it the answer is 414 (request line) or 431 (headers).
	MaxHeaderBytes int
	// MaxBodyBytes bounds Content-Length (default 4 MiB; xm's largest request, a
	// domain config for xend.domain.create, is a few KiB); beyond it the answer is
	// 413 before any of the body is read. The body buffer grows only as bytes
	// arrive, so a false claim costs no memory. Worst case, the server holds about
	// MaxConns × 2.5 × MaxBodyBytes of request bodies at once.
	MaxBodyBytes int64
	// MaxDepth bounds the nesting of arrays and structs in a request (default
	// DefaultMaxDepth); beyond it the answer is fault 1.
	MaxDepth int
	// ReadTimeout bounds the time from the first byte of a request to its last
	// (default 30 s). A slow client gets 408 and the connection is closed. On a new
	// connection it also bounds the wait for the first byte.
	ReadTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive connection
	// (default 2 min); the connection is then closed silently.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing one response (default 30 s).
	WriteTimeout time.Duration
	// MaxConns bounds concurrent connections (default 128). A connection beyond it
	// is answered 503 at once and closed.
	MaxConns int
}

// Default limits, applied to zero fields of Limits.
const (
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxBodyBytes   = 4 << 20
	DefaultReadTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultWriteTimeout   = 30 * time.Second
	DefaultMaxConns       = 128
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	return l
}
