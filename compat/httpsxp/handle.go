package httpsxp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// outcome is what the connection loop does with a handled request.
type outcome struct {
	resp  *Response
	close bool  // close the connection after the reply
	drop  bool  // close without any reply
	err   error // why, for the log
}

// call is one request on its way through the resource tree.
type call struct {
	srv  *Server
	conn *conn
	req  *Request
	resp *Response
}

// kind names the resources of xend's tree (spec §2.3).
type kind uint8

const (
	resRoot      kind = iota // /            (ls )
	resXend                  // /xend        SrvRoot
	resNode                  // /xend/node   SrvNode
	resDmesg                 // /xend/node/dmesg
	resLog                   // /xend/node/log
	resDomainDir             // /xend/domain SrvDomainDir
	resDomain                // /xend/domain/<d> SrvDomain
	resVnetDir               // /xend/vnet   SrvVnetDir
)

// target is the resource a path selected.
type target struct {
	kind kind
	dom  DomainRef
}

// children lists the fixed children of the directory resources, in xend's
// table order (it shows in the (ls …) listings).
var children = map[kind][]struct {
	name string
	kind kind
}{
	resXend: {{"node", resNode}, {"domain", resDomainDir}, {"vnet", resVnetDir}},
	resNode: {{"dmesg", resDmesg}, {"log", resLog}},
}

// errInternal marks failures outside any op: xend answered them with
// "500 Internal server error", an empty body, and closed the connection.
var errInternal = errors.New("internal server error")

// handle answers one request. It never panics the connection: a panic in
// a handler becomes a 500 Internal server error.
func (s *Server) handle(req *Request, c *conn) (out outcome) {
	cl := &call{srv: s, conn: c, req: req, resp: newResponse(req.keepAlive())}
	defer func() {
		if p := recover(); p != nil {
			s.log.Printf("httpsxp: %s %s: panic: %v", req.Method, req.URI, p)
			out = cl.internalError(fmt.Errorf("panic: %v", p))
		}
	}()
	t, ok, err := cl.traverse()
	if err != nil {
		return cl.internalError(err)
	}
	if !ok {
		return outcome{resp: cl.resp}
	}
	switch req.Method {
	case "GET", "HEAD":
		err = cl.get(t)
	case "POST":
		err = cl.post(t)
	default:
		cl.resp.SetStatus(501, "Not implemented")
		cl.resp.SetHeader("Accept", "GET,HEAD,POST")
		cl.resp.SetHeader("Content-Type", "text/plain")
		cl.resp.WriteString("Request method not supported (" + req.Method + ")")
	}
	if err != nil {
		return cl.internalError(err)
	}
	return outcome{resp: cl.resp}
}

// internalError is xend's answer to an exception outside an op: status
// 500, the headers set so far, no body, connection closed.
func (cl *call) internalError(err error) outcome {
	cl.srv.log.Printf("httpsxp: %s %s: %v", cl.req.Method, cl.req.URI, err)
	cl.resp.SetStatus(500, "Internal server error")
	cl.resp.resetBody()
	return outcome{resp: cl.resp, close: true, err: err}
}

// traverse walks the path from the root. When a segment selects nothing
// it has already written the 404 and returns false; an error means the
// lookup itself failed.
func (cl *call) traverse() (target, bool, error) {
	t := target{kind: resRoot}
	for _, seg := range cl.req.Path {
		if seg == "" {
			continue // an empty segment stays on the same resource
		}
		next, ok, err := cl.child(t, seg)
		if err != nil || !ok {
			return t, false, err
		}
		t = next
	}
	return t, true, nil
}

func (cl *call) child(t target, seg string) (target, bool, error) {
	if t.kind == resRoot && seg == "xend" {
		// the root's table is empty; xend is a child, not a listed entry
		return target{kind: resXend}, true, nil
	}
	for _, ch := range children[t.kind] {
		if ch.name == seg {
			return target{kind: ch.kind}, true, nil
		}
	}
	if t.kind == resDomainDir {
		d, err := cl.srv.svc.Lookup(seg)
		if err == nil {
			return target{kind: resDomain, dom: d}, true, nil
		}
		if errors.Is(err, toolstack.ErrNotFound) {
			// str(XendInvalidDomain): an xmlrpclib Fault (spec §2.3).
			cl.notFound("<Fault 3: " + sxp.Quote(seg) + ">")
			return t, false, nil
		}
		return t, false, fmt.Errorf("lookup %q: %w", seg, err)
	}
	cl.notFound("Not found: " + seg)
	return t, false, nil
}

func (cl *call) notFound(body string) {
	cl.resp.SetStatus(404, "Not found")
	cl.resp.SetHeader("Content-Type", "text/plain")
	cl.resp.WriteString(body)
}

// get is render_GET of every resource.
func (cl *call) get(t target) error {
	svc := cl.srv.svc
	switch t.kind {
	case resRoot, resXend, resNode:
		if t.kind == resNode {
			v, err := svc.NodeSXP()
			if err != nil {
				return err
			}
			cl.resp.showValue(v)
			return nil
		}
		// SrvDir wrote "(ls" and " name" per child, then returned ''.
		var b strings.Builder
		b.WriteString("(ls ")
		for _, ch := range children[t.kind] {
			b.WriteString(" " + ch.name)
		}
		b.WriteString(")")
		cl.resp.WriteString(b.String())
		cl.resp.showValue(sxp.Atom(""))
	case resDmesg, resLog:
		var text string
		var err error
		if t.kind == resDmesg {
			text, err = svc.Dmesg()
		} else {
			text, err = svc.XendLog()
		}
		if err != nil {
			return err
		}
		cl.resp.SetHeader("Content-Type", "text/plain")
		cl.resp.WriteString(text)
	case resDomainDir:
		return cl.listDomains()
	case resDomain:
		if op := cl.req.Args.Get("op"); len(op) > 0 && op[0] == "vcpuinfo" {
			return cl.perform(t, domainOps)
		}
		v, err := svc.Record(t.dom)
		if err != nil {
			return err
		}
		cl.resp.showValue(v)
		cl.resp.showValue(sxp.Atom("")) // the '' of the returned empty string
	case resVnetDir:
		cl.resp.showValue(sxp.List())
	}
	return nil
}

// listDomains is SrvDomainDir.render_GET in SXP mode (spec §3.1).
func (cl *call) listDomains() error {
	cl.resp.SetHeader("Content-Type", mimeSxp)
	if _, ok := cl.conn.hostPort(cl.req); !ok {
		// ls_domain computed its URL first; without a Host header on the
		// UNIX socket that raised (golden http/066).
		return fmt.Errorf("%w: no Host header to build the listing URL from", errInternal)
	}
	svc := cl.srv.svc
	if cl.req.Args.Has("detail") {
		recs, err := svc.ListRecords()
		if err != nil {
			return err
		}
		cl.resp.Write(sxp.AppendShow(nil, sxp.List(recs...)))
		return nil
	}
	state := "running"
	if s, ok := cl.req.Args.First("state"); ok {
		state = s
	}
	names, err := svc.ListNames(state)
	if err != nil {
		return err
	}
	items := make([]sxp.Value, len(names))
	for i, n := range names {
		items[i] = sxp.Atom(n)
	}
	cl.resp.Write(sxp.AppendShow(nil, sxp.List(items...)))
	return nil
}

// post is render_POST: every resource runs perform with its op table.
func (cl *call) post(t target) error {
	return cl.perform(t, opTables[t.kind])
}

// opFunc runs one op; a valid result is written with sxp.show.
type opFunc func(cl *call, t target, args formValues) (sxp.Value, error)

// opSpec describes one op of a resource.
type opSpec struct {
	// params are the FormFn parameters, bound before run. Hand-written
	// xend ops list none and read cl.req.Args themselves.
	params []param
	// accept: the op first answers "202 Accepted" with a Location header
	// (xend's acceptCommand), before doing anything.
	accept bool
	// thread: a thread op. Its result is discarded and an error keeps the
	// status already set, with (xend.err …) as the body (spec §2.6).
	thread bool
	run    opFunc
}

// perform is SrvBase.perform (spec §2.4): exactly one op, known to the
// resource; errors become "500 Request failed: op" with (xend.err '…').
// It returns an error only for failures outside the op (errInternal).
func (cl *call) perform(t target, ops map[string]*opSpec) error {
	resp := cl.resp
	names := cl.req.Args.Get("op")
	if len(names) != 1 {
		resp.SetStatus(406, "Invalid request")
		resp.showValue(sxp.Atom(""))
		return nil
	}
	name := names[0]
	spec, ok := ops[name]
	if !ok {
		resp.SetStatus(501, "Operation not implemented: "+name)
		resp.WriteString("Operation not implemented: " + name)
		resp.showValue(sxp.Atom(""))
		return nil
	}
	v, err := cl.runOp(t, spec)
	if err == nil {
		if v.IsValid() && !spec.thread {
			resp.showValue(v)
		}
		return nil
	}
	if errors.Is(err, errInternal) {
		return err
	}
	if !spec.thread {
		resp.SetStatus(500, "Request failed: "+name)
	}
	resp.showValue(sxp.List(sxp.Atom("xend.err"), sxp.Atom(errText(err))))
	return nil
}

func (cl *call) runOp(t target, spec *opSpec) (sxp.Value, error) {
	if spec.accept {
		if err := cl.accept(); err != nil {
			return sxp.Value{}, err
		}
	}
	args := formValues{}
	if spec.params != nil {
		var err error
		if args, err = bindForm(cl.req.Args, spec.params, nil); err != nil {
			return sxp.Value{}, err
		}
	}
	return spec.run(cl, t, args)
}

// accept is xend's acceptCommand: 202 and a Location naming the resource's
// parent ("…/xend/domain/NAME/..").
func (cl *call) accept() error {
	url, err := cl.prePathURL()
	if err != nil {
		return err
	}
	cl.resp.SetStatus(202, "Accepted")
	cl.resp.SetHeader("Location", url+"/..")
	return nil
}

// prePathURL is the URL of the request's path: http://HOST[:PORT]/PATH.
func (cl *call) prePathURL() (string, error) {
	hp, ok := cl.conn.hostPort(cl.req)
	if !ok {
		return "", fmt.Errorf("%w: no Host header to build a Location from", errInternal)
	}
	path, _, _ := strings.Cut(cl.req.URI, "?")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "http://" + hp + path, nil
}

// errText is the text xend put in (xend.err '…'): str(exception).
func errText(err error) string {
	var xt interface{ XendText() string }
	if errors.As(err, &xt) {
		return xt.XendText()
	}
	return err.Error()
}
