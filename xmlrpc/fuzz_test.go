package xmlrpc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// seedGolden adds every captured request (whole, or body only) or response body.
func seedGolden(f *testing.F, part string) {
	for _, g := range loadGolden(f) {
		switch part {
		case "request":
			f.Add(g.request)
		case "call":
			_, body := splitHTTP(f, g.request)
			f.Add(body)
		case "response":
			_, body := splitHTTP(f, g.response)
			f.Add(body)
		}
	}
}

// hasControl reports bytes that XML 1.0 cannot carry raw; xmlrpclib wrote them
// anyway (spec §2.2), so a decoded value holding them does not round-trip.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' {
			return true
		}
	}
	return !bytes.Equal(bytes.ToValidUTF8(b, nil), b)
}

// FuzzDecodeCall: the decoder never panics, and whatever it accepts re-encodes to
// a document that decodes to the same bytes again (decode, encode, decode, encode
// is stable).
func FuzzDecodeCall(f *testing.F) {
	seedGolden(f, "call")
	f.Add([]byte("<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a</name><value><base64>AAEC</base64></value></member></struct></value></param></params></methodCall>"))
	f.Add([]byte("<methodCall><methodName>m</methodName><params><param><value><dateTime.iso8601>20261124T19:13:15</dateTime.iso8601></value></param><param><value><double>-1.5e-300</double></value></param></params></methodCall>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, args, err := Decoder{MaxDepth: 20}.DecodeCall(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("DecodeCall error %v is not a *SyntaxError", err)
			}
			return
		}
		enc, err := EncodeCall(m, args)
		if err != nil {
			return // e.g. the int32 rule
		}
		m2, args2, err := DecodeCall(enc)
		if err != nil {
			if hasControl(enc) {
				return
			}
			t.Fatalf("DecodeCall(EncodeCall(%q, %#v)) = %v", m, args, err)
		}
		enc2, err := EncodeCall(m2, args2)
		if err != nil || (!bytes.Equal(enc, enc2) && !bytes.Contains(enc, []byte("\r"))) {
			t.Fatalf("re-encoding is not stable:\n%q\n%q (%v)", enc, enc2, err)
		}
	})
}

// FuzzDecodeResponse: replies never panic the decoder; accepted ones re-encode.
func FuzzDecodeResponse(f *testing.F) {
	seedGolden(f, "response")
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decoder{MaxDepth: 20}.DecodeResponse(data)
		var se *SyntaxError
		if err != nil && errors.As(err, &se) {
			return
		}
		_ = EncodeResult(v, err) // must not panic
	})
}

// FuzzReadRequest: the HTTP request reader never panics, always stays within its
// header budget, and returns either a request with a known framing or an error.
func FuzzReadRequest(f *testing.F) {
	seedGolden(f, "request")
	f.Add([]byte("POST //RPC2 HTTP/1.1\nHost: x\nContent-Length: 3\n\nabc"))
	f.Add([]byte("POST /RPC2 HTTP/1.0\r\nHost: \r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxHeaderBytes: 512}.withDefaults()
		lr := &limitedReader{r: bytes.NewReader(data), n: int64(lim.MaxHeaderBytes)}
		br := bufio.NewReaderSize(lr, 4096)
		req, err := readRequest(br, lim)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("readRequest error %v is neither an HTTP error nor EOF", err)
			}
			if he != nil && (he.code < 400 || he.code > 599) {
				t.Fatalf("readRequest HTTP error code %d", he.code)
			}
			return
		}
		if req.method == "" || req.major > 1 {
			t.Fatalf("readRequest accepted %+v", req)
		}
		if end := headerEnd(data); end < 0 || end > lim.MaxHeaderBytes {
			t.Fatalf("readRequest accepted a header block ending at %d; budget %d", end, lim.MaxHeaderBytes)
		}
		if req.contentLength >= 0 {
			lr.n = 1 << 62
			body, err := readBody(br, min(req.contentLength, 1<<16))
			if err == nil && int64(len(body)) != min(req.contentLength, 1<<16) {
				t.Fatalf("readBody returned %d bytes; want %d", len(body), req.contentLength)
			}
		}
	})
}

// headerEnd returns the offset just past the first blank line, or -1.
func headerEnd(data []byte) int {
	a := bytes.Index(data, []byte("\n\n"))
	b := bytes.Index(data, []byte("\n\r\n"))
	switch {
	case a < 0 && b < 0:
		return -1
	case b < 0 || (a >= 0 && a < b):
		return a + 2
	}
	return b + 3
}
