package xmlrpc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// echoService returns its arguments; "block" waits for release.
type echoService struct{ release chan struct{} }

func (e echoService) Call(ctx context.Context, method string, args []any) (any, error) {
	if method == "block" {
		select {
		case <-e.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return append([]any{method}, args...), nil
}

// post builds a request with xm's header (spec §1.3), changing the first line.
func post(requestLine, eol, body string) string {
	return requestLine + eol +
		"Host: /var/run/xend/xmlrpc.sock" + eol +
		"Accept-Encoding: gzip" + eol +
		"User-Agent: xmlrpclib.py/1.0.1 (by www.pythonware.com)" + eol +
		"Content-Type: text/xml" + eol +
		fmt.Sprintf("Content-Length: %d", len(body)) + eol + eol + body
}

func callBody(method string, args ...any) string {
	b, err := EncodeCall(method, args)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func replyFor(t *testing.T, method string, args ...any) string {
	t.Helper()
	b, err := EncodeResponse(append([]any{method}, args...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var dateRE = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

func maskDateString(s string) string { return dateRE.ReplaceAllString(s, "Date: <date>\r") }

func okReply(body string) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.3 Python/2.7.18\r\nDate: <date>\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// TestHTTPQuirks: each tolerated quirk of old clients has its own case (spec §1.3).
func TestHTTPQuirks(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}})
	body := callBody("xend.domain", "pv1")
	want := okReply(replyFor(t, "xend.domain", "pv1"))
	tests := []struct {
		name string
		req  string
		want string // full conversation after the server closes, Date masked
	}{
		{"xm 2.7 request, socket path as Host, Connection: close",
			strings.Replace(post("POST /RPC2 HTTP/1.1", "\r\n", body), "Content-Type", "Connection: close\r\nContent-Type", 1), want},
		{"python 2.6: HTTP/1.0 and empty Host, half-closed after the reply",
			"POST /RPC2 HTTP/1.0\r\nHost: \r\nUser-Agent: xmlrpclib.py/1.0.1 (by www.pythonware.com)\r\nContent-Type: text/xml\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body, want},
		{"ssh relay: bare LF headers and //RPC2, two calls on one connection",
			post("POST //RPC2 HTTP/1.1", "\n", body) + strings.Replace(post("POST //RPC2 HTTP/1.1", "\n", body), "Content-Type", "Connection: close\nContent-Type", 1),
			want + want},
		{"pipelined keep-alive with a stray CRLF between requests",
			post("POST / HTTP/1.1", "\r\n", body) + "\r\n" + strings.Replace(post("POST /anything HTTP/1.1", "\r\n", body), "Content-Type", "Connection: close\r\nContent-Type", 1),
			want + want},
		{"HTTP/1.0 with keep-alive stays open",
			"POST /RPC2 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body +
				"POST /RPC2 HTTP/1.0\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body,
			want + want},
		{"Expect: 100-continue",
			"POST /RPC2 HTTP/1.1\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body,
			"HTTP/1.1 100 Continue\r\n\r\n" + want},
		{"GET is 501 as BaseHTTPServer answered",
			"GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n",
			errorReply(501, "Unsupported method ('GET')", "Server does not support this operation")},
		{"lower-case post is 501 too",
			"post /RPC2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
			errorReply(501, "Unsupported method ('post')", "Server does not support this operation")},
		{"HEAD gets the 501 header only",
			"HEAD / HTTP/1.1\r\n\r\n",
			errorReplyHead(501, "Unsupported method ('HEAD')", "Server does not support this operation")},
		{"HTTP/0.9 GET",
			"GET /\r\n",
			errorReply(501, "Unsupported method ('GET')", "Server does not support this operation")},
		{"missing Content-Length is 411",
			"POST /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n",
			errorReply(411, "Content-Length required", "Client must specify Content-Length.")},
		{"bad Content-Length",
			"POST /RPC2 HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
			errorReply(400, "Bad Content-Length ('-5')", "Bad request syntax or unsupported method")},
		{"conflicting Content-Length",
			"POST /RPC2 HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
			errorReply(400, "Conflicting Content-Length headers", "Bad request syntax or unsupported method")},
		{"chunked is refused",
			"POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			errorReply(501, "Transfer-Encoding 'chunked' not supported; send Content-Length", "Server does not support this operation")},
		{"garbage request line",
			"HELLO\r\n\r\n",
			errorReply(400, "Bad request syntax ('HELLO')", "Bad request syntax or unsupported method")},
		{"bad version",
			"POST / FTP/1.0\r\n\r\n",
			errorReply(400, "Bad request version ('FTP/1.0')", "Bad request syntax or unsupported method")},
		{"HTTP/2.0 is 505",
			"POST / HTTP/2.0\r\n\r\n",
			errorReply(505, "Invalid HTTP Version (2.0)", "Cannot fulfill request.")},
		{"malformed header line",
			"POST / HTTP/1.1\r\nno colon here\r\n\r\n",
			errorReply(400, `Bad request header (malformed MIME header: missing colon: "no colon here")`, "Bad request syntax or unsupported method")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maskDateString(rawExchange(t, "unix", addr, tt.req))
			if got != tt.want {
				t.Errorf("server replied\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func errorPage(code int, message, explain string) string {
	return fmt.Sprintf("<head>\n<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n<p>Error code %d.\n<p>Message: %s.\n<p>Error code explanation: %d = %s.\n</body>\n",
		code, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(message), code, explain)
}

func errorReply(code int, message, explain string) string {
	page := errorPage(code, message, explain)
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nServer: BaseHTTP/0.3 Python/2.7.18\r\nDate: <date>\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", code, message, len(page), page)
}

func errorReplyHead(code int, message, explain string) string {
	full := errorReply(code, message, explain)
	return full[:strings.Index(full, "\r\n\r\n")+4]
}

// TestKeepAliveAcrossCalls: HTTP/1.1 stays open between separate writes, and the
// peer's close ends the connection quietly.
func TestKeepAliveAcrossCalls(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}})
	c, err := net.Dial("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 3 {
		body := callBody("n", i)
		io.WriteString(c, post("POST /RPC2 HTTP/1.1", "\r\n", body))
		got := maskDateString(string(readReply(t, br)))
		if want := okReply(replyFor(t, "n", i)); got != want {
			t.Fatalf("call %d: reply %q; want %q", i, got, want)
		}
	}
}

// TestLimits: each limit gets a clear HTTP error, and the server still answers.
func TestLimits(t *testing.T) {
	srv := &Server{Service: echoService{}, Limits: Limits{
		MaxHeaderBytes: 1024,
		MaxBodyBytes:   4096,
		ReadTimeout:    300 * time.Millisecond,
		IdleTimeout:    300 * time.Millisecond,
	}}
	addr := startServer(t, srv)
	tests := []struct {
		name string
		req  string
		want string
	}{
		{"body claiming 1 GiB", "POST /RPC2 HTTP/1.1\r\nContent-Length: 1073741824\r\n\r\n",
			errorReply(413, "Request body of 1073741824 bytes exceeds the limit of 4096 bytes", "Entity is too large.")},
		{"request line too long", "POST /" + strings.Repeat("a", 2000) + " HTTP/1.1\r\n\r\n",
			errorReply(414, "Request line longer than 1024 bytes", "URI is too long.")},
		{"headers too long", "POST / HTTP/1.1\r\nX-Junk: " + strings.Repeat("a", 2000) + "\r\n\r\n",
			errorReply(431, "Request headers longer than 1024 bytes", "Request header fields are too large.")},
		{"slow client: headers never finish", "POST /RPC2 HTTP/1.1\r\nHost: x\r\n",
			errorReply(408, "Request not received within 300ms", "Request timed out; try again later.")},
		{"slow client: body never finishes", "POST /RPC2 HTTP/1.1\r\nContent-Length: 100\r\n\r\n<?xml",
			errorReply(408, "Request not received within 300ms", "Request timed out; try again later.")},
		{"silent client is closed without a reply", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maskDateString(rawExchange(t, "unix", addr, tt.req))
			if got != tt.want {
				t.Errorf("server replied\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	// After all that, a normal call still works.
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, err := c.Call(context.Background(), "still", "here"); err != nil || fmt.Sprint(v) != "[still here]" {
		t.Errorf("Call after hostile requests = %v, %v; want [still here]", v, err)
	}
}

// TestIdleTimeout: a kept-alive connection with no next request is closed quietly.
func TestIdleTimeout(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}, Limits: Limits{IdleTimeout: 200 * time.Millisecond}})
	body := callBody("m")
	got := maskDateString(rawExchange(t, "unix", addr, post("POST /RPC2 HTTP/1.1", "\r\n", body)))
	if want := okReply(replyFor(t, "m")); got != want {
		t.Errorf("idle connection got %q; want one reply then close: %q", got, want)
	}
}

// TestMaxConns: the connection beyond the limit gets 503 at once; the others work.
func TestMaxConns(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}, Limits: Limits{MaxConns: 2}})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("unix", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// Make sure both are accepted before the third arrives.
	for _, c := range held {
		io.WriteString(c, post("POST / HTTP/1.1", "\r\n", callBody("warm")))
		readReply(t, bufio.NewReader(c))
	}
	got := maskDateString(rawExchange(t, "unix", addr, ""))
	want := errorReply(503, "Too many connections (limit 2); try again later", "The server cannot process the request due to a high load")
	if got != want {
		t.Errorf("third connection got %q; want %q", got, want)
	}
	held[0].Close()
	time.Sleep(50 * time.Millisecond) // let the server notice; the assertion below retries anyway
	var last string
	for range 50 {
		last = maskDateString(rawExchange(t, "unix", addr, strings.Replace(post("POST / HTTP/1.1", "\r\n", callBody("m")), "Content-Type", "Connection: close\r\nContent-Type", 1)))
		if strings.HasPrefix(last, "HTTP/1.1 200 ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("after a slot freed, a connection got %q; want 200", last)
}

// TestShutdownWaitsForCalls: a call in progress is answered before Shutdown returns.
func TestShutdownWaitsForCalls(t *testing.T) {
	release := make(chan struct{})
	srv := &Server{Service: echoService{release: release}, Log: quietLog()}
	ln, path := unixListener(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	c, err := NewClient("httpu://" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res := make(chan error, 1)
	go func() { _, err := c.Call(context.Background(), "block"); res <- err }()
	waitFor(t, func() bool { return srv.connCount(true) > 0 })
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a call was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-res; err != nil {
		t.Errorf("call during shutdown: %v; want its reply", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

// TestShutdownDeadline: a call that never ends is cut off when ctx expires.
func TestShutdownDeadline(t *testing.T) {
	srv := &Server{Service: echoService{release: make(chan struct{})}, Log: quietLog()}
	ln, path := unixListener(t)
	go srv.Serve(ln)
	c, _ := NewClient("httpu://" + path)
	defer c.Close()
	res := make(chan error, 1)
	go func() { _, err := c.Call(context.Background(), "block"); res <- err }()
	waitFor(t, func() bool { return srv.connCount(true) > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown = %v; want context.DeadlineExceeded", err)
	}
	if err := <-res; err == nil {
		t.Errorf("blocked call succeeded after forced shutdown; want an error")
	}
}

func unixListener(t *testing.T) (net.Listener, string) {
	t.Helper()
	dir := t.TempDir()
	if len(dir) > 90 {
		t.Skipf("temp dir path too long for a UNIX socket: %s", dir)
	}
	path := dir + "/s"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return ln, path
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached within 5s")
}
