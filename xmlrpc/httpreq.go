package xmlrpc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// request is one HTTP/1.x request as xend's BaseHTTPServer saw it.
type request struct {
	method string // "POST"; case-sensitive, as BaseHTTPServer's do_<method> lookup
	target string // ignored by the server (spec §1.3: any path works, //RPC2 too)
	proto  string // "HTTP/1.1"
	major  int
	minor  int
	header textproto.MIMEHeader
	// close is set when the connection must close after the reply: HTTP/1.0
	// without "Connection: keep-alive", or "Connection: close".
	close bool
	// contentLength is -1 when the header is absent.
	contentLength int64
}

// httpError is a request the server answers with an HTTP error status and then
// closes the connection on, as BaseHTTPServer's send_error did. message is the
// reason phrase; it says exactly what was wrong.
type httpError struct {
	code    int
	message string
}

func (e *httpError) Error() string { return fmt.Sprintf("xmlrpc: HTTP %d %s", e.code, e.message) }

// limitedReader is the connection reader under the bufio.Reader. Its budget is
// reset for each request so that the request line and headers cannot exceed
// MaxHeaderBytes; the body is read with an unlimited budget.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderBudget
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

var errHeaderBudget = errors.New("xmlrpc: header size limit reached")

// readRequest reads a request line and headers. It accepts what old xm clients
// send and net/http refuses: a Host header holding a socket path, an empty Host
// with HTTP/1.0, header lines ending in a bare LF, a request target of //RPC2.
func readRequest(br *bufio.Reader, lim Limits) (*request, error) {
	tp := textproto.NewReader(br)
	var line string
	var err error
	for blank := 0; ; blank++ {
		line, err = readLine(br)
		if err != nil {
			if errors.Is(err, errHeaderBudget) {
				return nil, &httpError{414, fmt.Sprintf("Request line longer than %d bytes", lim.MaxHeaderBytes)}
			}
			return nil, err
		}
		// Tolerate a stray CRLF between requests (some clients add one after a body).
		if strings.TrimSpace(line) != "" || blank > 4 {
			break
		}
	}
	req := &request{contentLength: -1}
	if err := req.parseRequestLine(line); err != nil {
		return nil, err
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		if errors.Is(err, errHeaderBudget) {
			return nil, &httpError{431, fmt.Sprintf("Request headers longer than %d bytes", lim.MaxHeaderBytes)}
		}
		var pe textproto.ProtocolError
		if errors.As(err, &pe) {
			return nil, &httpError{400, fmt.Sprintf("Bad request header (%s)", pe)}
		}
		return nil, err
	}
	req.header = hdr
	// Keep-alive as BaseHTTPServer decided it with protocol_version HTTP/1.1.
	req.close = req.major < 1 || (req.major == 1 && req.minor == 0)
	switch strings.ToLower(strings.TrimSpace(hdr.Get("Connection"))) {
	case "close":
		req.close = true
	case "keep-alive":
		req.close = false
	}
	if te := hdr.Get("Transfer-Encoding"); te != "" {
		return req, &httpError{501, fmt.Sprintf("Transfer-Encoding %s not supported; send Content-Length", pyStrRepr(te))}
	}
	if vals := hdr.Values("Content-Length"); len(vals) > 0 {
		v := strings.TrimSpace(vals[0])
		for _, o := range vals[1:] {
			if strings.TrimSpace(o) != v {
				return req, &httpError{400, "Conflicting Content-Length headers"}
			}
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || strings.HasPrefix(v, "+") {
			return req, &httpError{400, fmt.Sprintf("Bad Content-Length (%s)", pyStrRepr(v))}
		}
		req.contentLength = n
	}
	return req, nil
}

// readLine reads one line ending in "\n" (an optional "\r" before it is dropped).
// Unlike bufio.Reader.ReadLine it reports a line cut short by the header budget
// as errHeaderBudget instead of returning it as if it were whole.
func readLine(br *bufio.Reader) (string, error) {
	var acc []byte
	for {
		frag, err := br.ReadSlice('\n')
		acc = append(acc, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(acc) > 0 && errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		acc = bytes.TrimSuffix(bytes.TrimSuffix(acc, []byte("\n")), []byte("\r"))
		return string(acc), nil
	}
}

// parseRequestLine splits "METHOD TARGET HTTP/x.y" as BaseHTTPServer.parse_request
// did, with its error texts.
func (req *request) parseRequestLine(line string) error {
	words := strings.Fields(line)
	switch len(words) {
	case 3:
		req.method, req.target, req.proto = words[0], words[1], words[2]
		if !strings.HasPrefix(req.proto, "HTTP/") {
			return &httpError{400, fmt.Sprintf("Bad request version (%s)", pyStrRepr(req.proto))}
		}
		num := req.proto[len("HTTP/"):]
		maj, mnr, ok := strings.Cut(num, ".")
		a, err1 := strconv.Atoi(maj)
		b, err2 := strconv.Atoi(mnr)
		if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 {
			return &httpError{400, fmt.Sprintf("Bad request version (%s)", pyStrRepr(req.proto))}
		}
		req.major, req.minor = a, b
		if a >= 2 {
			return &httpError{505, fmt.Sprintf("Invalid HTTP Version (%s)", num)}
		}
		return nil
	case 2:
		// HTTP/0.9: only GET existed, and this server has no GET.
		req.method, req.target = words[0], words[1]
		if req.method != "GET" {
			return &httpError{400, fmt.Sprintf("Bad HTTP/0.9 request type (%s)", pyStrRepr(req.method))}
		}
		return &httpError{501, fmt.Sprintf("Unsupported method (%s)", pyStrRepr(req.method))}
	}
	return &httpError{400, fmt.Sprintf("Bad request syntax (%s)", pyStrRepr(line))}
}

// readBody reads exactly n bytes. The buffer starts at no more than 1 MiB and
// doubles (never past n) as bytes arrive, so a client that claims a large body but
// sends little holds little memory, and a real one costs about twice its size.
func readBody(br *bufio.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), n))
			copy(grown, buf)
			buf = grown
		}
		m, err := br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil && int64(len(buf)) < n {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}
