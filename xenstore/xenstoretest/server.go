// Package xenstoretest is an in-process xenstored that speaks the real wire
// protocol, for tests of code that talks to xenstore. It keeps a tree with
// permissions, runs transactions on snapshots (a commit fails with EAGAIN if
// anything was written since the transaction began), fires watches as
// xenstored does (once at registration, then for every change at or below
// the watched path), lists big directories with XS_DIRECTORY_PART, and can
// be told to fail chosen requests.
package xenstoretest

import (
	"io"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/xendshim/xendshim/xenstore"
)

type node struct {
	value string
	perms []xenstore.Perm
	kids  map[string]*node
	order []string // children in creation order, as xenstored lists them
}

func (n *node) clone() *node {
	c := &node{value: n.value, perms: append([]xenstore.Perm(nil), n.perms...), kids: map[string]*node{}, order: append([]string(nil), n.order...)}
	for k, v := range n.kids {
		c.kids[k] = v.clone()
	}
	return c
}

type txn struct {
	root     *node
	startGen uint64
	changed  []string
}

type watch struct {
	conn  *conn
	path  string
	token string
}

type conn struct {
	nc   net.Conn
	out  chan xenstore.Msg
	done chan struct{}
}

// Server is a fake xenstored. The zero value is not usable; call NewServer.
type Server struct {
	mu        sync.Mutex
	root      *node
	gen       uint64
	nextTx    uint32
	txs       map[uint32]*txn
	watches   []watch
	fail      map[xenstore.MsgType][]string
	conflicts int
	requests  map[xenstore.MsgType]int
	conns     map[*conn]bool
	wg        sync.WaitGroup
	listeners []net.Listener
}

// NewServer returns a server holding "/", "/local", "/local/domain", "/tool"
// and "/vm", owned by dom0 with no access for others.
func NewServer() *Server {
	s := &Server{
		root:     &node{perms: []xenstore.Perm{{Domid: 0, Access: xenstore.AccessNone}}, kids: map[string]*node{}},
		txs:      map[uint32]*txn{},
		fail:     map[xenstore.MsgType][]string{},
		requests: map[xenstore.MsgType]int{},
		conns:    map[*conn]bool{},
	}
	for _, p := range []string{"/local/domain", "/tool", "/vm"} {
		s.Set(p, "")
	}
	return s
}

// Set writes value at path directly (creating parents), firing watches.
func (s *Server) Set(path, value string) {
	s.mu.Lock()
	write(s.root, path, value)
	s.gen++
	ev := s.eventsLocked([]string{path})
	s.mu.Unlock()
	s.send(ev)
}

// Seed sets every path of tree to its value, in sorted path order.
func (s *Server) Seed(tree map[string]string) {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.Set(k, tree[k])
	}
}

// Get returns the value at path and whether it exists.
func (s *Server) Get(path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := lookup(s.root, path)
	if n == nil {
		return "", false
	}
	return n.value, true
}

// Remove deletes path and its subtree directly, firing watches.
func (s *Server) Remove(path string) {
	s.mu.Lock()
	removed := remove(s.root, path)
	s.gen++
	ev := s.eventsLocked(removed)
	s.mu.Unlock()
	s.send(ev)
}

// Fire sends a watch event for a special path such as "@releaseDomain".
func (s *Server) Fire(path string) {
	s.mu.Lock()
	ev := s.eventsLocked([]string{path})
	s.mu.Unlock()
	s.send(ev)
}

// FailNext makes the next request of type t fail with the errno name (e.g.
// "EACCES"). Calls queue up.
func (s *Server) FailNext(t xenstore.MsgType, errname string) {
	s.mu.Lock()
	s.fail[t] = append(s.fail[t], errname)
	s.mu.Unlock()
}

// ConflictNext makes the next n transaction commits fail with EAGAIN.
func (s *Server) ConflictNext(n int) {
	s.mu.Lock()
	s.conflicts += n
	s.mu.Unlock()
}

// Requests returns how many requests of type t the server has answered.
func (s *Server) Requests(t xenstore.MsgType) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[t]
}

// Pipe returns the client end of a new in-memory connection to the server.
func (s *Server) Pipe() net.Conn {
	a, b := net.Pipe()
	s.Serve(b)
	return a
}

// ListenUnix serves on a UNIX socket at path until Close.
func (s *Server) ListenUnix(path string) error {
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.Serve(c)
		}
	}()
	return nil
}

// Close stops listening and drops every connection.
func (s *Server) Close() {
	s.mu.Lock()
	ls := s.listeners
	s.listeners = nil
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range cs {
		c.nc.Close()
	}
	s.wg.Wait()
}

// Serve answers requests on nc until it closes.
func (s *Server) Serve(nc net.Conn) {
	c := &conn{nc: nc, out: make(chan xenstore.Msg, 4096), done: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	s.wg.Add(2)
	go func() { // writer
		defer s.wg.Done()
		for {
			select {
			case m := <-c.out:
				if err := xenstore.WriteMsg(nc, m); err != nil {
					nc.Close()
					return
				}
			case <-c.done:
				return
			}
		}
	}()
	go func() { // reader
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			kept := s.watches[:0]
			for _, w := range s.watches {
				if w.conn != c {
					kept = append(kept, w)
				}
			}
			s.watches = kept
			s.mu.Unlock()
			close(c.done)
			nc.Close()
		}()
		for {
			m, err := xenstore.ReadMsg(nc)
			if err != nil {
				if err != io.EOF {
					_ = err
				}
				return
			}
			s.handle(c, m)
		}
	}()
}

type outEvent struct {
	c *conn
	m xenstore.Msg
}

func (s *Server) send(evs []outEvent) {
	for _, e := range evs {
		select {
		case e.c.out <- e.m:
		case <-e.c.done:
		}
	}
}

// eventsLocked builds the watch events for changed paths.
func (s *Server) eventsLocked(changed []string) []outEvent {
	var out []outEvent
	for _, p := range changed {
		for _, w := range s.watches {
			if p == w.path || strings.HasPrefix(p, strings.TrimSuffix(w.path, "/")+"/") {
				out = append(out, outEvent{w.conn, xenstore.Msg{Type: xenstore.TypeWatchEvent, Payload: nul(p, w.token)}})
			}
		}
	}
	return out
}

func nul(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return b
}

func split(b []byte) []string {
	s := string(b)
	s = strings.TrimSuffix(s, "\x00")
	if s == "" {
		return []string{""}
	}
	return strings.Split(s, "\x00")
}

func (s *Server) handle(c *conn, m xenstore.Msg) {
	reply := func(p []byte) xenstore.Msg {
		return xenstore.Msg{Type: m.Type, ReqID: m.ReqID, TxID: m.TxID, Payload: p}
	}
	fail := func(name string) xenstore.Msg {
		return xenstore.Msg{Type: xenstore.TypeError, ReqID: m.ReqID, TxID: m.TxID, Payload: nul(name)}
	}
	s.mu.Lock()
	s.requests[m.Type]++
	var msg xenstore.Msg
	var evs []outEvent
	var after []outEvent
	if q := s.fail[m.Type]; len(q) > 0 {
		s.fail[m.Type] = q[1:]
		msg = fail(q[0])
	} else {
		msg, evs, after = s.exec(c, m, reply, fail)
	}
	s.mu.Unlock()
	s.send([]outEvent{{c, msg}})
	s.send(evs)
	s.send(after)
}

func parts(path string) []string {
	p := strings.Trim(path, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func parent(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

func lookup(root *node, path string) *node {
	n := root
	for _, p := range parts(path) {
		n = n.kids[p]
		if n == nil {
			return nil
		}
	}
	return n
}

func write(root *node, path, value string) {
	n := root
	for _, p := range parts(path) {
		k := n.kids[p]
		if k == nil {
			k = &node{perms: append([]xenstore.Perm(nil), n.perms...), kids: map[string]*node{}}
			n.kids[p] = k
			n.order = append(n.order, p)
		}
		n = k
	}
	n.value = value
}

// remove deletes path and returns it and every path below it.
func remove(root *node, path string) []string {
	pn := lookup(root, parent(path))
	ps := parts(path)
	if pn == nil || len(ps) == 0 {
		return nil
	}
	name := ps[len(ps)-1]
	n := pn.kids[name]
	if n == nil {
		return nil
	}
	var gone []string
	var walk func(p string, n *node)
	walk = func(p string, n *node) {
		gone = append(gone, p)
		for _, k := range n.order {
			walk(p+"/"+k, n.kids[k])
		}
	}
	walk(path, n)
	delete(pn.kids, name)
	for i, k := range pn.order {
		if k == name {
			pn.order = append(pn.order[:i], pn.order[i+1:]...)
			break
		}
	}
	return gone
}
