package xmlrpc

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goldenExchange is one captured xm call: raw request and response bytes.
type goldenExchange struct {
	name     string
	request  []byte
	response []byte
}

func loadGolden(t testing.TB) []goldenExchange {
	t.Helper()
	reqs, err := filepath.Glob("testdata/golden/*.request.http")
	if err != nil || len(reqs) == 0 {
		t.Fatalf("no golden captures in testdata/golden: %v", err)
	}
	var out []goldenExchange
	for _, rq := range reqs {
		rs := strings.TrimSuffix(rq, ".request.http") + ".response.http"
		a, err := os.ReadFile(rq)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(rs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, goldenExchange{name: strings.TrimSuffix(filepath.Base(rq), ".request.http"), request: a, response: b})
	}
	return out
}

// splitHTTP returns the header block (with its final CRLF CRLF) and the body.
func splitHTTP(t testing.TB, msg []byte) (head, body []byte) {
	t.Helper()
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no end of headers in %q", msg[:min(len(msg), 80)])
	}
	return msg[:i+4], msg[i+4:]
}

// TestGoldenCallRoundTrip decodes every request xm sent and re-encodes it: the
// bytes must be xm's (EncodeCall reproduces xmlrpclib.dumps for calls).
func TestGoldenCallRoundTrip(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.name, func(t *testing.T) {
			_, body := splitHTTP(t, g.request)
			method, args, err := DecodeCall(body)
			if err != nil {
				t.Fatalf("DecodeCall: %v", err)
			}
			got, err := EncodeCall(method, args)
			if err != nil {
				t.Fatalf("EncodeCall(%s): %v", method, err)
			}
			if !bytes.Equal(got, body) {
				t.Errorf("EncodeCall(DecodeCall(body)) differs from xm's bytes:\n%s", firstDiff(got, body))
			}
		})
	}
}

// TestGoldenResponseRoundTrip decodes every reply xend sent and re-encodes it:
// values, faults, nil, doubles, escapes and layout must come out byte for byte.
func TestGoldenResponseRoundTrip(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.name, func(t *testing.T) {
			_, body := splitHTTP(t, g.response)
			v, err := DecodeResponse(body)
			if err != nil {
				if _, ok := AsFault(err); !ok {
					t.Fatalf("DecodeResponse: %v", err)
				}
			}
			got := EncodeResult(v, err)
			if !bytes.Equal(got, body) {
				t.Errorf("EncodeResult(DecodeResponse(body)) differs from xend's bytes:\n%s", firstDiff(got, body))
			}
		})
	}
}

// replayService answers each method with a fixed decoded golden reply.
type replayService struct {
	result any
	err    error
}

func (r replayService) Call(ctx context.Context, method string, args []any) (any, error) {
	return r.result, r.err
}

// TestGoldenServerReplay sends xm's exact request bytes to a Server over a UNIX
// socket and compares the whole reply, status line and headers included, with
// xend's after masking the Date header (the only field that varies by run).
func TestGoldenServerReplay(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.name, func(t *testing.T) {
			wantHead, wantBody := splitHTTP(t, g.response)
			v, err := DecodeResponse(wantBody)
			if _, isFault := AsFault(err); err != nil && !isFault {
				t.Fatal(err)
			}
			addr := startServer(t, &Server{Service: replayService{v, err}})
			conn, derr := net.Dial("unix", addr)
			if derr != nil {
				t.Fatal(derr)
			}
			defer conn.Close()
			if _, err := conn.Write(g.request); err != nil {
				t.Fatal(err)
			}
			// xm reads until the server closes; here the connection is HTTP/1.1
			// and stays open, so read exactly one framed reply.
			got := readReply(t, bufio.NewReader(conn))
			gotHead, gotBody := splitHTTP(t, got)
			if !bytes.Equal(maskDate(gotHead), maskDate(wantHead)) {
				t.Errorf("reply header = %q; want %q", maskDate(gotHead), maskDate(wantHead))
			}
			if !bytes.Equal(gotBody, wantBody) {
				t.Errorf("reply body differs:\n%s", firstDiff(gotBody, wantBody))
			}
		})
	}
}

// TestDateHeaderFormat checks the Date header against the form the captures use.
func TestDateHeaderFormat(t *testing.T) {
	now := time.Date(2026, 11, 24, 20, 35, 41, 0, time.UTC)
	got := string(appendOK(nil, DefaultServerHeader, now, 261))
	want := "HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.3 Python/2.7.18\r\nDate: Tue, 24 Nov 2026 20:35:41 GMT\r\nContent-Type: text/xml\r\nContent-Length: 261\r\n\r\n"
	if got != want {
		t.Errorf("appendOK(...) = %q; want %q", got, want)
	}
	if _, err := time.Parse(http.TimeFormat, "Tue, 24 Nov 2026 20:35:41 GMT"); err != nil {
		t.Fatal(err)
	}
}

func maskDate(head []byte) []byte {
	lines := bytes.Split(head, []byte("\r\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("Date: ")) {
			lines[i] = []byte("Date: <date>")
		}
	}
	return bytes.Join(lines, []byte("\r\n"))
}

// firstDiff describes where two byte strings first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	return "at byte " + strconv.Itoa(i) + "\n got: " + quoteWin(got, lo, i+60) + "\nwant: " + quoteWin(want, lo, i+60)
}

func quoteWin(b []byte, lo, hi int) string {
	hi = min(hi, len(b))
	if lo > hi {
		return `""`
	}
	return strings.ReplaceAll(string(b[lo:hi]), "\n", `\n`)
}
