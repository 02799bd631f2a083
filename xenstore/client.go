package xenstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// DefaultSocketPaths are the UNIX sockets xenstored listens on, tried in order
// by Open (after $XENSTORED_PATH when set).
var DefaultSocketPaths = []string{"/var/run/xenstored/socket", "/run/xenstored/socket"}

// DefaultDevicePaths are the kernel's xenbus devices, Open's fallback when no
// socket answers (a dom0 whose xenstored runs in a stub domain, or a domU).
var DefaultDevicePaths = []string{"/dev/xen/xenbus", "/proc/xen/xenbus"}

// Client is a connection to xenstored. It is safe for concurrent use:
// requests are sent one at a time (the xenbus device allows no more) and
// watch events are delivered on their own channels.
type Client struct {
	conn io.ReadWriteCloser
	sem  chan struct{} // one request in flight

	replies chan Msg
	done    chan struct{} // closed when the read loop ends

	mu        sync.Mutex
	watches   map[string]*Watch // by token
	nextReq   uint32
	nextToken uint64
	readErr   error
	closeOnce sync.Once
}

// Open connects to the local xenstored: $XENSTORED_PATH if set, then the
// DefaultSocketPaths, then the DefaultDevicePaths. The error names every
// place it tried.
func Open() (*Client, error) {
	var paths []string
	if p := os.Getenv("XENSTORED_PATH"); p != "" {
		paths = append(paths, p)
	}
	paths = append(paths, DefaultSocketPaths...)
	var tried []string
	for _, p := range paths {
		c, err := Dial(p)
		if err == nil {
			return c, nil
		}
		tried = append(tried, err.Error())
	}
	for _, p := range DefaultDevicePaths {
		c, err := OpenDevice(p)
		if err == nil {
			return c, nil
		}
		tried = append(tried, err.Error())
	}
	return nil, fmt.Errorf("xenstore: no xenstored reachable (is this a Xen dom0 with xenstored running?): %s", strings.Join(tried, "; "))
}

// Dial connects to xenstored's UNIX socket at path.
func Dial(path string) (*Client, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("xenstore: dial %s: %w", path, err)
	}
	return NewClient(conn), nil
}

// OpenDevice opens the kernel's xenbus device at path (such as /dev/xen/xenbus).
func OpenDevice(path string) (*Client, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("xenstore: open %s: %w", path, err)
	}
	return NewClient(f), nil
}

// NewClient runs the protocol over conn, which the client owns from now on.
func NewClient(conn io.ReadWriteCloser) *Client {
	c := &Client{
		conn:    conn,
		sem:     make(chan struct{}, 1),
		replies: make(chan Msg, 8),
		done:    make(chan struct{}),
		watches: make(map[string]*Watch),
	}
	go c.readLoop()
	return c
}

// Close closes the connection; pending calls fail with ErrClosed and every
// watch's event channel is closed.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.conn.Close() })
	<-c.done
	return err
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		m, err := ReadMsg(c.conn)
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			ws := c.watches
			c.watches = map[string]*Watch{}
			c.mu.Unlock()
			for _, w := range ws {
				w.stop()
			}
			return
		}
		if m.Type == TypeWatchEvent {
			c.dispatchEvent(m.Payload)
			continue
		}
		select {
		case c.replies <- m:
		case <-c.done:
			return
		}
	}
}

func (c *Client) dispatchEvent(payload []byte) {
	p := splitNul(payload)
	if len(p) < 2 {
		return
	}
	c.mu.Lock()
	w := c.watches[p[1]]
	c.mu.Unlock()
	if w != nil {
		w.push(Event{Path: p[0], Token: p[1]})
	}
}

// brokenErr reports why the connection is unusable.
func (c *Client) brokenErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readErr != nil && !errors.Is(c.readErr, net.ErrClosed) && !errors.Is(c.readErr, os.ErrClosed) && c.readErr != io.EOF {
		return fmt.Errorf("%w: %v", ErrClosed, c.readErr)
	}
	return ErrClosed
}

// request sends one message and waits for its reply. An XS_ERROR reply
// becomes *Error; a reply of another type than the request's is a protocol
// error.
func (c *Client) request(ctx context.Context, tx uint32, typ MsgType, path string, payload []byte) ([]byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("xenstore: %s %s: %w", typ, path, ctx.Err())
	case <-c.done:
		return nil, c.brokenErr()
	}
	defer func() { <-c.sem }()
	c.mu.Lock()
	c.nextReq++
	id := c.nextReq
	c.mu.Unlock()
	if err := WriteMsg(c.conn, Msg{Type: typ, ReqID: id, TxID: tx, Payload: payload}); err != nil {
		select {
		case <-c.done:
			return nil, c.brokenErr()
		default:
		}
		return nil, fmt.Errorf("xenstore: %s %s: %w", typ, path, err)
	}
	for {
		select {
		case m := <-c.replies:
			if m.ReqID != id {
				continue // the late reply of a request whose caller gave up
			}
			if m.Type == TypeError {
				return nil, newError(typ, path, m.Payload)
			}
			if m.Type != typ {
				return nil, fmt.Errorf("xenstore: protocol error: %s %s answered with %s", typ, path, m.Type)
			}
			return m.Payload, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("xenstore: %s %s: %w", typ, path, ctx.Err())
		case <-c.done:
			return nil, c.brokenErr()
		}
	}
}

func checkPath(op MsgType, path string) error {
	if path == "" || len(path) > MaxPathLen || strings.IndexByte(path, 0) >= 0 {
		return &Error{Op: op, Path: path, Name: "EINVAL", Errno: errnos["EINVAL"]}
	}
	return nil
}

// ops implements the path operations for the client (tx 0) and for transactions.
type ops struct {
	c  *Client
	tx uint32
}

func (o ops) read(ctx context.Context, path string) (string, error) {
	if err := checkPath(TypeRead, path); err != nil {
		return "", err
	}
	b, err := o.c.request(ctx, o.tx, TypeRead, path, joinNul(path))
	return string(b), err
}

func (o ops) write(ctx context.Context, path, value string) error {
	if err := checkPath(TypeWrite, path); err != nil {
		return err
	}
	p := append(joinNul(path), value...)
	_, err := o.c.request(ctx, o.tx, TypeWrite, path, p)
	return err
}

func (o ops) simple(ctx context.Context, typ MsgType, path string) error {
	if err := checkPath(typ, path); err != nil {
		return err
	}
	_, err := o.c.request(ctx, o.tx, typ, path, joinNul(path))
	return err
}

func (o ops) directory(ctx context.Context, path string) ([]string, error) {
	if err := checkPath(TypeDirectory, path); err != nil {
		return nil, err
	}
	b, err := o.c.request(ctx, o.tx, TypeDirectory, path, joinNul(path))
	var xe *Error
	if errors.As(err, &xe) && xe.Name == "E2BIG" {
		return o.directoryParts(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	return splitNul(b), nil
}

// directoryParts lists a directory too large for one reply with
// XS_DIRECTORY_PART: each reply is "generation\0" then names, and the last
// part ends with an empty name. A changed generation restarts the listing.
func (o ops) directoryParts(ctx context.Context, path string) ([]string, error) {
	for attempt := 0; attempt < 8; attempt++ {
		var names []string
		gen := ""
		off := 0
		restart := false
		for {
			b, err := o.c.request(ctx, o.tx, TypeDirectoryPart, path, joinNul(path, strconv.Itoa(off)))
			if err != nil {
				return nil, err
			}
			i := 0
			for i < len(b) && b[i] != 0 {
				i++
			}
			g := string(b[:i])
			if gen == "" {
				gen = g
			} else if g != gen {
				restart = true
				break
			}
			rest := b[min(i+1, len(b)):]
			last := len(rest) == 0 || (len(rest) >= 1 && rest[0] == 0) || (len(rest) >= 2 && rest[len(rest)-1] == 0 && rest[len(rest)-2] == 0)
			for _, n := range splitNul(rest) {
				if n != "" {
					names = append(names, n)
					off += len(n) + 1
				}
			}
			if last {
				break
			}
		}
		if !restart {
			return names, nil
		}
	}
	return nil, fmt.Errorf("xenstore: DIRECTORY_PART %s: directory kept changing while being listed", path)
}

func (o ops) getPerms(ctx context.Context, path string) ([]Perm, error) {
	if err := checkPath(TypeGetPerms, path); err != nil {
		return nil, err
	}
	b, err := o.c.request(ctx, o.tx, TypeGetPerms, path, joinNul(path))
	if err != nil {
		return nil, err
	}
	return ParsePerms(splitNul(b))
}

func (o ops) setPerms(ctx context.Context, path string, perms []Perm) error {
	if err := checkPath(TypeSetPerms, path); err != nil {
		return err
	}
	if len(perms) == 0 {
		return fmt.Errorf("xenstore: SET_PERMS %s: at least the owner's permission is needed", path)
	}
	parts := []string{path}
	for _, p := range perms {
		parts = append(parts, p.String())
	}
	_, err := o.c.request(ctx, o.tx, TypeSetPerms, path, joinNul(parts...))
	return err
}

// Read returns the value at path.
func (c *Client) Read(ctx context.Context, path string) (string, error) {
	return ops{c: c}.read(ctx, path)
}

// Write sets the value at path, creating missing parents.
func (c *Client) Write(ctx context.Context, path, value string) error {
	return ops{c: c}.write(ctx, path, value)
}

// Mkdir creates path (and missing parents) with an empty value; an existing
// path is left as it is.
func (c *Client) Mkdir(ctx context.Context, path string) error {
	return ops{c: c}.simple(ctx, TypeMkdir, path)
}

// Rm removes path and everything below it. Removing a missing node whose
// parent exists succeeds, as in xenstored.
func (c *Client) Rm(ctx context.Context, path string) error {
	return ops{c: c}.simple(ctx, TypeRm, path)
}

// Directory returns the names of path's children, in xenstored's order.
func (c *Client) Directory(ctx context.Context, path string) ([]string, error) {
	return ops{c: c}.directory(ctx, path)
}

// GetPerms returns path's permissions; the first entry is the owner and the
// default access of other domains.
func (c *Client) GetPerms(ctx context.Context, path string) ([]Perm, error) {
	return ops{c: c}.getPerms(ctx, path)
}

// SetPerms replaces path's permissions.
func (c *Client) SetPerms(ctx context.Context, path string, perms []Perm) error {
	return ops{c: c}.setPerms(ctx, path, perms)
}

// GetDomainPath returns the home path of a domain ("/local/domain/N").
func (c *Client) GetDomainPath(ctx context.Context, domid uint32) (string, error) {
	id := strconv.FormatUint(uint64(domid), 10)
	b, err := c.request(ctx, 0, TypeGetDomainPath, id, joinNul(id))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\x00"), nil
}

// ReadTree returns every node at or below path, keyed by absolute path,
// with its value. Nodes that vanish while it walks are skipped.
func (c *Client) ReadTree(ctx context.Context, path string) (map[string]string, error) {
	out := map[string]string{}
	if err := c.readTree(ctx, strings.TrimSuffix(path, "/"), out, true); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) readTree(ctx context.Context, path string, out map[string]string, top bool) error {
	p := path
	if p == "" {
		p = "/"
	}
	v, err := c.Read(ctx, p)
	if err != nil {
		if !top && isNotFound(err) {
			return nil
		}
		return err
	}
	out[p] = v
	kids, err := c.Directory(ctx, p)
	if err != nil {
		if !top && isNotFound(err) {
			return nil
		}
		return err
	}
	for _, k := range kids {
		if err := c.readTree(ctx, path+"/"+k, out, false); err != nil {
			return err
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var xe *Error
	return errors.As(err, &xe) && xe.Name == "ENOENT"
}

// IsNotFound reports whether err says a xenstore node does not exist.
func IsNotFound(err error) bool { return isNotFound(err) }
