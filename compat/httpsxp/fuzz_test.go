package httpsxp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenRequests returns the captured libvirt requests, the fuzz seeds.
func goldenRequests(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.request.http"))
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		f.Fatal("no golden requests under testdata/golden")
	}
	return out
}

// FuzzReadRequest feeds arbitrary bytes to the request reader and the
// whole dispatch (on the fake service). It must never panic; a parsed body
// never exceeds the limit; every reply frames as HTTP/1.1 with a
// Content-length equal to its body.
func FuzzReadRequest(f *testing.F) {
	for _, b := range goldenRequests(f) {
		f.Add(b)
	}
	f.Add([]byte("GET /xend/domain/%zz?detail=1&&;a HTTP/1.1\r\n X: y\r\n\r\n"))
	f.Add([]byte("POST /xend/domain/ HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 60\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nnew\r\n--B--\r\n"))
	svc := newFakeService(2)
	srv := New(svc, Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := readRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		if len(req.Body) > MaxBodyBytes {
			t.Fatalf("body of %d bytes accepted; limit %d", len(req.Body), MaxBodyBytes)
		}
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		out := srv.handle(req, &conn{srv: srv, nc: a, port: 8080})
		if out.err != nil && strings.HasPrefix(out.err.Error(), "panic") {
			t.Fatalf("handler panicked on %q: %v", data, out.err)
		}
		if out.drop {
			return
		}
		frame := out.resp.frame(req.Method == "HEAD")
		head, body, ok := bytes.Cut(frame, []byte("\r\n\r\n"))
		if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 ")) {
			t.Fatalf("bad frame %q", frame)
		}
		if req.Method != "HEAD" && !bytes.Contains(head, []byte(fmt.Sprintf("\r\nContent-length: %d", len(body)))) {
			t.Fatalf("Content-length does not match body of %d bytes: %q", len(body), frame)
		}
	})
}

// FuzzParseQuery checks the form decoder: no panic, and a value encoded
// the way late libvirt encodes (every non-alphanumeric byte as %xx) comes
// back unchanged.
func FuzzParseQuery(f *testing.F) {
	for _, b := range goldenRequests(f) {
		_, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
		f.Add(string(body), "x")
	}
	f.Add("a=%&b=%4&c=%zz;d", "(vm (name 'x y'))")
	f.Fuzz(func(t *testing.T, qs, value string) {
		a := newArgs()
		parseQuery(a, qs, true)
		parseQuery(a, qs, false)
		enc := libvirtEncode(value)
		b := newArgs()
		parseQuery(b, "op=new&config="+enc, true)
		got, _ := b.First("config")
		if value != "" && got != value {
			t.Fatalf("parseQuery(config=%s) = %q; want %q", enc, got, value)
		}
	})
}

// libvirtEncode encodes like late libvirt's virBufferURIEncodeString:
// ASCII letters and digits stay, every other byte becomes %xx (lower case).
func libvirtEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}
