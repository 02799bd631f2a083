package httpsxp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// unixLocationPort is the port xend put in Location headers for requests
// that came over its UNIX socket: the internal default of its UNIX
// listener, 8080 (spec §2.7, golden http/011).
const unixLocationPort = 8080

// Default time limits for one connection.
const (
	// DefaultReadTimeout bounds the wait for a complete request (and, on a
	// kept-alive connection, for the next one). xend had none.
	DefaultReadTimeout = 5 * time.Minute
	// DefaultWriteTimeout bounds writing one response.
	DefaultWriteTimeout = time.Minute
)

// Options configures a [Server]. The zero value is usable.
type Options struct {
	// Logger receives one line per framing error, internal error and
	// dropped connection, prefixed "httpsxp: ". Nil discards them.
	Logger *log.Logger
	// ReadTimeout and WriteTimeout override the defaults when positive.
	ReadTimeout, WriteTimeout time.Duration
	// ServerHostname names this host in Location headers when a request
	// has no Host header and came over TCP; empty means the listener's
	// local address.
	ServerHostname string
	// StrictXend answers exactly as xend 4.4.4 did where the shim
	// deliberately differs (package doc): op=dump then requires reset,
	// which libvirt never sent. For replaying captures; off in service.
	StrictXend bool
}

// Server answers xend's HTTP/SXP protocol (the /xend/ resource tree that
// libvirt's old xen driver, virt-manager and xend's own Python client use)
// on any number of listeners.
type Server struct {
	svc  Service
	opts Options
	log  *log.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	shutdown  bool
	wg        sync.WaitGroup
}

// New returns a server that carries every request to svc, the xend service
// layer. cmd/xendshim serves it on the UNIX socket
// /var/lib/xend/xend-socket and on TCP xend-address:xend-port (8000) when
// xend-config.sxp enables them; call Serve once per listener.
func New(svc Service, opts Options) *Server {
	lg := opts.Logger
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	return &Server{svc: svc, opts: opts, log: lg,
		listeners: map[net.Listener]struct{}{}, conns: map[*conn]struct{}{}}
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("httpsxp: server closed")

// Serve accepts connections on ln and answers them, one goroutine each,
// until Shutdown is called or ln fails. It always returns a non-nil error:
// ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	port := locationPort(ln.Addr())
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if down {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Printf("httpsxp: accept: %v; retrying in %v", err, delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := &conn{srv: s, nc: nc, port: port}
		if !s.track(c) {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// ServeConn answers the requests on one already-accepted connection (for
// example one handed over by inetd or systemd) and closes it. Location
// headers name port 8080, as on xend's UNIX socket, unless nc's local
// address is TCP.
func (s *Server) ServeConn(nc net.Conn) {
	c := &conn{srv: s, nc: nc, port: locationPort(nc.LocalAddr())}
	if !s.track(c) {
		nc.Close()
		return
	}
	c.serve()
}

// Shutdown stops accepting, closes idle connections, and waits for the
// requests in progress to finish or ctx to end; then it closes whatever is
// left and returns ctx's error if it ended first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		if !c.busy {
			c.nc.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// setBusy marks c as handling a request; it reports false when the server
// is shutting down and c should stop.
func (s *Server) setBusy(c *conn, busy bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.busy = busy
	return !s.shutdown
}

// locationPort returns the port xend wrote in Location headers for a
// listener at addr: the TCP port, or 8080 for anything else.
func locationPort(addr net.Addr) int {
	if ta, ok := addr.(*net.TCPAddr); ok {
		return ta.Port
	}
	return unixLocationPort
}

// conn is one client connection.
type conn struct {
	srv  *Server
	nc   net.Conn
	port int  // port for Location headers
	busy bool // guarded by srv.mu
}

func (c *conn) serve() {
	defer c.srv.untrack(c)
	defer c.nc.Close()
	br := bufio.NewReaderSize(c.nc, 4096)
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.srv.opts.ReadTimeout))
		req, err := readRequest(br)
		if !c.srv.setBusy(c, true) {
			return
		}
		if err != nil {
			c.framingError(err)
			return
		}
		out := c.srv.handle(req, c)
		if out.drop {
			c.srv.log.Printf("httpsxp: %s %s: connection dropped without a reply: %v", req.Method, req.URI, out.err)
			return
		}
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
		if _, err := c.nc.Write(out.resp.frame(req.Method == "HEAD")); err != nil {
			return
		}
		if out.close || !req.keepAlive() {
			return
		}
		if !c.srv.setBusy(c, false) {
			return
		}
	}
}

// framingError answers a request that could not be read (400, 413) and
// lets the caller close the connection. A peer that went away is not
// answered.
func (c *conn) framingError(err error) {
	var re *requestError
	if !errors.As(err, &re) {
		if !errors.Is(err, errNoRequest) && !errors.Is(err, io.ErrUnexpectedEOF) {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				c.srv.log.Printf("httpsxp: read request: %v", err)
			}
		}
		return
	}
	c.srv.log.Printf("%v", re)
	resp := newResponse(false)
	resp.SetStatus(re.Code, re.Reason)
	c.nc.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
	c.nc.Write(resp.frame(false))
}

// hostPort returns "host[:port]" for Location headers (spec §2.7): the Host
// header up to its first ':', then the listener's port unless it is 80.
func (c *conn) hostPort(req *Request) (string, bool) {
	host := ""
	if h := req.Header.Values("Host"); len(h) > 0 {
		host = h[0]
		if i := strings.IndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
	} else {
		// xend resolved its own address here; over the UNIX socket that
		// raised, which turned the request into a 500 (golden http/066).
		ta, ok := c.nc.LocalAddr().(*net.TCPAddr)
		if !ok {
			return "", false
		}
		host = c.srv.opts.ServerHostname
		if host == "" {
			host = ta.IP.String()
		}
	}
	if c.port != 80 {
		host += ":" + strconv.Itoa(c.port)
	}
	return host, true
}
