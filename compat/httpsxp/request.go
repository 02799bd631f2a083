package httpsxp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// Limits on what a request may hold. xend's own values (spec §2.2).
const (
	// MaxBodyBytes is xend's body limit: a larger Content-Length is answered
	// with 413 and the connection is closed without reading the body.
	MaxBodyBytes = 10000
	// maxHeaderLines is xend's header line limit (more → 400).
	maxHeaderLines = 500
	// maxLineBytes bounds one request or header line. xend had no bound (it
	// read until '\n'); the shim refuses longer lines with 400 so one client
	// cannot make it buffer without limit.
	maxLineBytes = 64 << 10
)

// Request is one parsed HTTP request as xend's web layer saw it.
type Request struct {
	Method  string
	URI     string
	Version string // "" for an HTTP/0.9-style two-field request line
	Header  textproto.MIMEHeader
	Body    []byte
	// Path holds the percent-decoded segments of the URI path after its
	// leading '/'; empty segments are kept (they select nothing).
	Path []string
	// Args holds the query and (for form POSTs) body arguments.
	Args *Args
}

// requestError is a framing error: the server answers with Code/Reason and
// closes the connection. Detail says what was wrong, for the log.
type requestError struct {
	Code   int
	Reason string
	Detail string
}

func (e *requestError) Error() string {
	return fmt.Sprintf("httpsxp: %d %s: %s", e.Code, e.Reason, e.Detail)
}

func badRequest(format string, a ...any) *requestError {
	return &requestError{Code: 400, Reason: "Bad request", Detail: fmt.Sprintf(format, a...)}
}

// errNoRequest means the peer closed the connection before sending a
// request line: the normal end of a connection.
var errNoRequest = errors.New("httpsxp: connection closed before a request")

// readLine reads one line ending in '\n' (the '\r\n' or '\n' removed). A
// final line without '\n' at EOF is returned as it is, like Python's
// readline.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(b)+len(frag) > maxLineBytes {
			return "", badRequest("line longer than %d bytes", maxLineBytes)
		}
		b = append(b, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				break
			}
			return "", err
		}
		break
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, nil
}

// readRequest reads one request from r: request line, headers and (when
// Content-Length says so) the body. It follows xen/web/http.py (spec §2.2).
func readRequest(r *bufio.Reader) (*Request, error) {
	line, err := readLine(r)
	if err != nil {
		if err == io.EOF {
			return nil, errNoRequest
		}
		return nil, err
	}
	req := &Request{Header: textproto.MIMEHeader{}}
	fields := strings.Fields(line)
	switch len(fields) {
	case 3:
		req.Method, req.URI, req.Version = fields[0], fields[1], fields[2]
		if !validVersion(req.Version) {
			return nil, badRequest("request line %q: version %q is not HTTP/x.y", line, req.Version)
		}
	case 2:
		req.Method, req.URI = fields[0], fields[1]
	default:
		return nil, badRequest("request line %q: want METHOD URI [HTTP/x.y]", line)
	}
	if err := readHeaders(r, req.Header); err != nil {
		return nil, err
	}
	if cl, ok := contentLength(req.Header); ok {
		if cl > MaxBodyBytes {
			return nil, &requestError{Code: 413, Reason: "Request entity too large",
				Detail: fmt.Sprintf("Content-Length %d exceeds the limit of %d bytes", cl, MaxBodyBytes)}
		}
		if cl < 0 {
			// Python would read to EOF here; the shim refuses instead.
			return nil, badRequest("negative Content-Length %d", cl)
		}
		req.Body = make([]byte, cl)
		if _, err := io.ReadFull(r, req.Body); err != nil {
			return nil, badRequest("body shorter than Content-Length %d: %v", cl, err)
		}
	}
	req.parseTarget()
	req.parseBodyArgs()
	return req, nil
}

// validVersion accepts "HTTP/x.y" with decimal x and y.
func validVersion(v string) bool {
	rest, ok := strings.CutPrefix(v, "HTTP/")
	if !ok {
		return false
	}
	maj, min, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(maj, 10, 32)
	_, err2 := strconv.ParseUint(min, 10, 32)
	return err1 == nil && err2 == nil
}

// readHeaders reads RFC 822 header lines up to an empty line or EOF.
// Continuation lines (leading space or tab) extend the previous header; a
// line that is neither a header nor a continuation is skipped.
func readHeaders(r *bufio.Reader, h textproto.MIMEHeader) error {
	var lastKey string
	for n := 0; ; n++ {
		if n >= maxHeaderLines {
			return badRequest("more than %d header lines", maxHeaderLines)
		}
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if line == "" {
			return nil
		}
		if (line[0] == ' ' || line[0] == '\t') && lastKey != "" {
			vs := h[lastKey]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			lastKey = ""
			continue
		}
		lastKey = textproto.CanonicalMIMEHeaderKey(name)
		h[lastKey] = append(h[lastKey], strings.TrimSpace(value))
	}
}

// contentLength returns the Content-Length header when it parses as a
// Python int (surrounding whitespace and a sign allowed).
func contentLength(h textproto.MIMEHeader) (int64, bool) {
	v := h.Get("Content-Length")
	if v == "" {
		return 0, false
	}
	n, err := pyInt(v)
	if err != nil {
		return 0, false
	}
	return n, true
}

// pyInt parses s as Python 2's int(s) for a decimal string: surrounding
// whitespace and one sign are allowed. The error text is Python's.
func pyInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	digits := strings.TrimLeft(t, "+-")
	ok := len(t)-len(digits) <= 1 && digits != ""
	for i := 0; ok && i < len(digits); i++ {
		ok = '0' <= digits[i] && digits[i] <= '9'
	}
	if ok {
		n, err := strconv.ParseInt(t, 10, 64)
		if err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("invalid literal for int() with base 10: %s", sxp.Quote(s))
}

// parseTarget splits the URI into path segments and query arguments.
func (req *Request) parseTarget() {
	path, query, _ := strings.Cut(req.URI, "?")
	// Anything after a second '?' is dropped, as xend's split did.
	query, _, _ = strings.Cut(query, "?")
	path = strings.TrimPrefix(path, "/")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = unquote(s)
	}
	req.Path = segs
	req.Args = newArgs()
	parseQuery(req.Args, query, false)
}

// parseBodyArgs merges POST form arguments into Args: body keys replace
// query keys of the same name. Other methods and other content types leave
// the body alone.
func (req *Request) parseBodyArgs() {
	if req.Method != "POST" || len(req.Body) == 0 && req.Header.Get("Content-Type") == "" {
		return
	}
	ctype, params := parseContentType(req.Header.Get("Content-Type"))
	switch ctype {
	case "application/x-www-form-urlencoded":
		body := newArgs()
		parseQuery(body, string(req.Body), true)
		for _, k := range body.Names() {
			req.Args.replace(k, body.vals[k])
		}
	case "multipart/form-data":
		req.parseMultipart(params["boundary"])
	}
}

// parseContentType splits a header value into its main value and
// parameters the way cgi.parse_header did: the main value is compared
// exactly (no case folding).
func parseContentType(v string) (string, map[string]string) {
	main, rest, _ := strings.Cut(v, ";")
	params := map[string]string{}
	if rest != "" {
		if _, p, err := mime.ParseMediaType("x/y;" + rest); err == nil {
			params = p
		}
	}
	return strings.TrimSpace(main), params
}

// parseMultipart reads a multipart/form-data body (xend's own Python client
// sent configs that way). Parts with a name become arguments, in order.
// A malformed body yields no arguments, as cgi.parse_multipart's failures
// left req.args without them.
func (req *Request) parseMultipart(boundary string) {
	if boundary == "" {
		return
	}
	mr := multipart.NewReader(strings.NewReader(string(req.Body)), boundary)
	body := newArgs()
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		name := p.FormName()
		data, err := io.ReadAll(io.LimitReader(p, MaxBodyBytes+1))
		if err != nil {
			break
		}
		if name != "" {
			body.add(name, string(data))
		}
	}
	for _, k := range body.Names() {
		req.Args.replace(k, body.vals[k])
	}
}

// keepAlive reports whether the client asked to keep the connection:
// only an explicit "Connection: keep-alive" does (spec §2.2 item 5).
func (req *Request) keepAlive() bool {
	for _, v := range req.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return false
			}
		}
	}
	for _, v := range req.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "keep-alive") {
				return true
			}
		}
	}
	return false
}
