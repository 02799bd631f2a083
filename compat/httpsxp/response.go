package httpsxp

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// Response is the reply being built for one request. Headers are kept the
// way xend kept them (a dict with lower-case keys, spec §2.7): they are
// written in CPython 2.7 dict order with names passed through
// str.capitalize, so "Content-length", "Content-type", "Cache-control".
type Response struct {
	Code   int
	Reason string
	order  pyDict
	values map[string]string
	body   bytes.Buffer
}

// mimeSxp is sxp.mime_type.
const mimeSxp = "application/sxp"

func newResponse(keepAlive bool) *Response {
	r := &Response{Code: 200, Reason: "OK", values: map[string]string{}}
	r.SetHeader("Expires", "-1")
	r.SetHeader("Pragma", "no-cache")
	r.SetHeader("Cache-Control", "no-cache")
	if keepAlive {
		r.SetHeader("Connection", "keep-alive")
	}
	return r
}

// SetStatus sets the status code and its reason phrase (xend often used
// custom reasons such as "Request failed: create").
func (r *Response) SetStatus(code int, reason string) { r.Code, r.Reason = code, reason }

// SetHeader sets a response header; the name is case-insensitive.
func (r *Response) SetHeader(name, value string) {
	k := strings.ToLower(name)
	r.order.insert(k)
	r.values[k] = value
}

// Header returns a header's value ("" if unset).
func (r *Response) Header(name string) string { return r.values[strings.ToLower(name)] }

// Write appends to the body.
func (r *Response) Write(p []byte) (int, error) { return r.body.Write(p) }

// WriteString appends to the body.
func (r *Response) WriteString(s string) { r.body.WriteString(s) }

// Body returns the body written so far.
func (r *Response) Body() []byte { return r.body.Bytes() }

// showValue writes v as sxp.show did, setting the SXP content type: the
// tail of xend's render_POST/render_GET for a non-None result (spec §2.6).
func (r *Response) showValue(v sxp.Value) {
	r.SetHeader("Content-Type", mimeSxp)
	r.body.Write(sxp.AppendShow(nil, v))
}

// resetBody drops what was written so far.
func (r *Response) resetBody() { r.body.Reset() }

// frame returns the response as it goes on the wire. A HEAD reply has
// neither body nor Content-length; every other reply carries
// Content-length, 0 included, inserted last as xend did. Call it once.
func (r *Response) frame(head bool) []byte {
	body := r.body.Bytes()
	if !head {
		r.SetHeader("Content-Length", strconv.Itoa(len(body)))
	}
	var out bytes.Buffer
	out.Grow(160 + len(body))
	out.WriteString("HTTP/1.1 ")
	out.WriteString(strconv.Itoa(r.Code))
	out.WriteByte(' ')
	out.WriteString(r.Reason)
	out.WriteString("\r\n")
	for _, k := range r.order.keys() {
		out.WriteString(capitalize(k))
		out.WriteString(": ")
		out.WriteString(r.values[k])
		out.WriteString("\r\n")
	}
	out.WriteString("\r\n")
	if !head {
		out.Write(body)
	}
	return out.Bytes()
}

// capitalize is Python's str.capitalize for ASCII: first byte upper case,
// the rest lower case.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	b := []byte(strings.ToLower(s))
	if 'a' <= b[0] && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}
