package xmlrpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("xmlrpc: server closed")

// Server serves XML-RPC over HTTP/1.x on any net.Listener: a UNIX socket, TCP, or
// TLS through tls.NewListener (client certificates are then checked by the
// tls.Config during the handshake, which runs under ReadTimeout).
//
// It reads requests itself rather than with net/http, because xm's
// "Host: /var/run/xend/xmlrpc.sock" is refused by net/http (spec §1.3). Every
// reply carries Content-Length; HTTP/1.1 connections are kept alive until the
// peer closes them, HTTP/1.0 ones are half-closed after the reply, as xend did.
//
// The zero Server is not usable: Service must be set. Fields must not change once
// Serve has been called.
type Server struct {
	// Service answers the calls; usually a *Dispatcher.
	Service Service
	// Limits bound sizes, times and connections; zero fields take defaults.
	Limits Limits
	// ServerHeader is the Server header value; "" means DefaultServerHeader.
	ServerHeader string
	// Log receives one line per failed connection or rejected request;
	// nil means slog.Default().
	Log *slog.Logger

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*serverConn]struct{}
	sem       chan struct{}
	closing   atomic.Bool
	refusing  atomic.Int64 // 503 replies in flight
	baseCtx   context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	initOnce  sync.Once
	lim       Limits
}

// serverConn is one accepted connection.
type serverConn struct {
	net.Conn
	idle atomic.Bool // waiting for the next request; Shutdown may close it
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.lim = s.Limits.withDefaults()
		s.sem = make(chan struct{}, s.lim.MaxConns)
		s.listeners = make(map[*net.Listener]struct{})
		s.conns = make(map[*serverConn]struct{})
		s.baseCtx, s.cancel = context.WithCancel(context.Background())
		if s.ServerHeader == "" {
			s.ServerHeader = DefaultServerHeader
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
	})
}

// Serve accepts connections on ln and serves each on its own goroutine until ln
// fails or the server shuts down; it always closes ln. After Shutdown or Close it
// returns ErrServerClosed. Serve may be called for several listeners at once.
func (s *Server) Serve(ln net.Listener) error {
	if s.Service == nil {
		return errors.New("xmlrpc: Server.Service is nil")
	}
	s.init()
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[&ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &ln)
		s.mu.Unlock()
		ln.Close()
	}()

	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// EMFILE, ECONNABORTED and the like: wait and retry, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.Log.Warn("xmlrpc: accept failed; retrying", "listener", ln.Addr(), "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		select {
		case s.sem <- struct{}{}:
		default:
			s.Log.Warn("xmlrpc: connection refused: too many connections", "peer", c.RemoteAddr(), "max", s.lim.MaxConns)
			// Answer 503 while at most MaxConns refusals are in flight; beyond
			// that (a flood) close at once rather than hold more descriptors.
			if s.refusing.Add(1) > int64(s.lim.MaxConns) {
				s.refusing.Add(-1)
				c.Close()
				continue
			}
			if !s.track(nil) {
				s.refusing.Add(-1)
				c.Close()
				return ErrServerClosed
			}
			go func() {
				defer s.wg.Done()
				defer s.refusing.Add(-1)
				s.refuse(c, 503, fmt.Sprintf("Too many connections (limit %d); try again later", s.lim.MaxConns), false)
			}()
			continue
		}
		sc := &serverConn{Conn: c}
		if !s.track(sc) {
			<-s.sem
			c.Close()
			return ErrServerClosed
		}
		go s.serveConn(sc)
	}
}

// track registers a connection (or, with nil, a refusal in progress) in the
// WaitGroup that Shutdown waits on; it fails once shutdown has begun.
func (s *Server) track(sc *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if sc != nil {
		s.conns[sc] = struct{}{}
	}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(sc *serverConn) {
	s.mu.Lock()
	delete(s.conns, sc)
	s.mu.Unlock()
	<-s.sem
	s.wg.Done()
}

// Shutdown stops the server gracefully: it closes the listeners, closes idle
// connections, and waits for calls in progress to be answered. If ctx ends first it
// closes the remaining connections, cancels the calls' context and returns
// ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.closing.Store(true)
	for ln := range s.listeners {
		(*ln).Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle()
		select {
		case <-done:
			s.cancel()
			return nil
		case <-ctx.Done():
			s.Close()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close stops the server at once: listeners and connections are closed and the
// calls' context is cancelled. Handlers still running finish on their own.
func (s *Server) Close() error {
	s.init()
	s.mu.Lock()
	s.closing.Store(true)
	for ln := range s.listeners {
		(*ln).Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.cancel()
	return nil
}

// connCount returns the number of open connections, or of those serving a
// request when busyOnly is set.
func (s *Server) connCount(busyOnly bool) int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if !busyOnly || !c.idle.Load() {
			n++
		}
	}
	return n
}

func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() {
			c.Close()
		}
	}
}

// serveConn runs the request loop of one connection.
func (s *Server) serveConn(c *serverConn) {
	defer s.untrack(c)
	defer c.Close()
	lr := &limitedReader{r: c.Conn}
	br := bufio.NewReaderSize(lr, 4096)
	var hdr []byte
	for first := true; ; first = false {
		// Wait for the first byte of the next request.
		c.idle.Store(true)
		if s.closing.Load() {
			return
		}
		wait := s.lim.IdleTimeout
		if first {
			wait = s.lim.ReadTimeout
		}
		lr.n = int64(s.lim.MaxHeaderBytes)
		c.SetReadDeadline(time.Now().Add(wait))
		if _, err := br.Peek(1); err != nil {
			if first && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.Log.Debug("xmlrpc: connection closed before a request", "peer", c.RemoteAddr(), "err", err)
			}
			return
		}
		c.idle.Store(false)
		c.SetReadDeadline(time.Now().Add(s.lim.ReadTimeout))

		req, err := readRequest(br, s.lim)
		if err != nil {
			s.fail(c, req, err)
			return
		}
		if req.method != "POST" {
			s.fail(c, req, &httpError{501, fmt.Sprintf("Unsupported method (%s)", pyStrRepr(req.method))})
			return
		}
		if req.contentLength < 0 {
			s.fail(c, req, &httpError{411, "Content-Length required"})
			return
		}
		if req.contentLength > s.lim.MaxBodyBytes {
			s.fail(c, req, &httpError{413, fmt.Sprintf("Request body of %d bytes exceeds the limit of %d bytes", req.contentLength, s.lim.MaxBodyBytes)})
			return
		}
		if req.major == 1 && req.minor >= 1 && equalFoldTrim(req.header.Get("Expect"), "100-continue") {
			c.SetWriteDeadline(time.Now().Add(s.lim.WriteTimeout))
			if _, err := c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
				return
			}
		}
		lr.n = 1<<63 - 1
		body, err := readBody(br, req.contentLength)
		if err != nil {
			s.fail(c, req, err)
			return
		}
		c.SetReadDeadline(time.Time{})

		bp := replyBufs.Get().(*[]byte)
		reply := s.call(c, body, (*bp)[:0])
		hdr = appendOK(hdr[:0], s.ServerHeader, time.Now(), len(reply))
		c.SetWriteDeadline(time.Now().Add(s.lim.WriteTimeout))
		bufs := net.Buffers{hdr, reply} // one writev on TCP and UNIX sockets
		_, err = bufs.WriteTo(c.Conn)
		if cap(reply) <= maxScratch {
			*bp = reply[:0]
			replyBufs.Put(bp)
		}
		if err != nil {
			s.Log.Info("xmlrpc: writing reply failed", "peer", c.RemoteAddr(), "err", err)
			return
		}
		if req.close {
			closeWrite(c.Conn)
			return
		}
	}
}

// call decodes one request body and runs it. A body that is not XML-RPC gets fault
// 1 naming the problem and its position (xend closed the connection without a
// reply, which xm reported as a crash; spec §1.3).
func (s *Server) call(c *serverConn, body, dst []byte) []byte {
	dec := Decoder{MaxDepth: s.lim.MaxDepth, MaxBytes: int(s.lim.MaxBodyBytes)}
	method, args, err := dec.DecodeCall(body)
	if err != nil {
		s.Log.Info("xmlrpc: bad request body", "peer", c.RemoteAddr(), "err", err)
		return append(dst, EncodeFault(&Fault{Code: FaultInternal, String: err.Error()})...)
	}
	ctx := withPeer(s.baseCtx, c.RemoteAddr())
	v, err := s.Service.Call(ctx, method, args)
	return appendResult(dst, v, err)
}

// replyBufs holds reply buffers: a reply is written and then dropped, so
// its buffer serves the next one (large listings would otherwise allocate
// megabytes per call).
var replyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// fail answers a request that cannot be served and closes the connection. A read
// timeout gets 408; a connection the client already dropped gets nothing.
func (s *Server) fail(c *serverConn, req *request, err error) {
	var he *httpError
	var ne net.Error
	switch {
	case errors.As(err, &he):
	case errors.As(err, &ne) && ne.Timeout():
		he = &httpError{408, fmt.Sprintf("Request not received within %s", s.lim.ReadTimeout)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		s.Log.Debug("xmlrpc: client closed the connection mid-request", "peer", c.RemoteAddr())
		return
	default:
		s.Log.Info("xmlrpc: reading request failed", "peer", c.RemoteAddr(), "err", err)
		return
	}
	s.Log.Info("xmlrpc: request refused", "peer", c.RemoteAddr(), "status", he.code, "reason", he.message)
	head := req != nil && req.method == "HEAD"
	s.refuse(c.Conn, he.code, he.message, head)
}

// refuse writes an error reply, half-closes, drains what the client still sends
// for a moment (so the reply is not lost to a TCP reset) and closes.
func (s *Server) refuse(c net.Conn, code int, message string, head bool) {
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(s.lim.WriteTimeout))
	if _, err := c.Write(appendError(nil, s.ServerHeader, time.Now(), code, message, head)); err != nil {
		return
	}
	closeWrite(c)
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.CopyN(io.Discard, c, 256<<10)
}

// closeWrite half-closes a connection when its type can (TCP, UNIX, TLS).
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

func equalFoldTrim(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), b) }
