package httpsxp

import (
	"bufio"
	"context"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startServer serves svc on a fresh UNIX socket and returns its path.
func startServer(t testing.TB, svc Service) (string, *Server) {
	t.Helper()
	return startServerOpts(t, svc, Options{})
}

// startServerOpts is startServer with options.
func startServerOpts(t testing.TB, svc Service, opts Options) (string, *Server) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "xend-socket")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := New(svc, opts)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
	})
	return path, srv
}

// exchange sends raw bytes on one connection and returns everything the
// server sent until it closed the connection.
func exchange(t testing.TB, path, raw string) string {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	b, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

const libvirtGet = "Host: localhost:8000\r\nAccept-Encoding: identity\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"

func libvirtPost(path, body string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: localhost:8000\r\nAccept-Encoding: identity\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
		itoa(len(body)) + "\r\n\r\n" + body
}

func itoa(n int) string { return strconv.Itoa(n) }

// withLen fills the "Content-length: #" placeholder of a wanted reply with
// the length of its body.
func withLen(reply string) string {
	_, body, _ := strings.Cut(reply, "\r\n\r\n")
	return strings.Replace(reply, "Content-length: #", "Content-length: "+strconv.Itoa(len(body)), 1)
}

// TestStatusCodes sends one request per status code and malformed input,
// and checks the whole reply. After each, the server must still answer.
func TestStatusCodes(t *testing.T) {
	svc := newFakeService(1)
	path, _ := startServer(t, svc)
	const std = "Expires: -1\r\n"
	tests := []struct {
		name string
		req  string
		want string
	}{
		{"200 node", "GET /xend/node/ HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(node (nr_cpus 4) (xend_config_format 4))"},
		{"200 ls", "GET /xend HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(ls  node domain vnet)''"},
		{"200 root ls", "GET / HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(ls )''"},
		{"201 create", libvirtPost("/xend/domain/", "op=create&config=%28vm%20%28name%20%27n1%27%29%29"),
			"HTTP/1.1 201 created\r\nContent-length: #\r\n" + std + "Location: http://localhost:8080/xend/domain//n1\r\nPragma: no-cache\r\nCache-control: no-cache\r\nContent-type: application/sxp\r\n\r\n(domain (domid 102) (name n1) (uuid '') (memory 512) (state -b----))"},
		{"202 shutdown", libvirtPost("/xend/domain/guest001", "op=shutdown&reason=poweroff"),
			"HTTP/1.1 202 Accepted\r\nContent-length: #\r\n" + std + "Location: http://localhost:8080/xend/domain/guest001/..\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"404 domain", "GET /xend/domain/it's?detail=1 HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 404 Not found\r\nContent-length: #\r\n" + std + "Content-type: text/plain\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n<Fault 3: \"it's\">"},
		{"404 path", "GET /xend/domain/guest001/more HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 404 Not found\r\nContent-length: #\r\n" + std + "Content-type: text/plain\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\nNot found: more"},
		{"406 no op", libvirtPost("/xend/domain/guest001", "reason=poweroff"),
			"HTTP/1.1 406 Invalid request\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n''"},
		{"406 two ops", libvirtPost("/xend/domain/guest001", "op=pause&op=pause"),
			"HTTP/1.1 406 Invalid request\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n''"},
		{"501 unknown op", libvirtPost("/xend/domain/guest001", "op=frob"),
			"HTTP/1.1 501 Operation not implemented: frob\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\nOperation not implemented: frob''"},
		{"501 method", "DELETE /xend/domain HTTP/1.1\r\n\r\n",
			"HTTP/1.1 501 Not implemented\r\nContent-length: #\r\n" + std + "Accept: GET,HEAD,POST\r\nPragma: no-cache\r\nCache-control: no-cache\r\nContent-type: text/plain\r\n\r\nRequest method not supported (DELETE)"},
		{"500 op failed", libvirtPost("/xend/domain/Domain-0", "op=pause"),
			"HTTP/1.1 500 Request failed: pause\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(xend.err 'Cannot pause privileged domain 0')"},
		{"500 missing argument", libvirtPost("/xend/domain/guest001", "op=set%5fvcpus"),
			"HTTP/1.1 500 Request failed: set_vcpus\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(xend.err 'Missing parameter: vcpus')"},
		{"500 bad int", libvirtPost("/xend/domain/guest001", "op=set%5fvcpus&vcpus=two"),
			"HTTP/1.1 500 Request failed: set_vcpus\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(xend.err \"invalid literal for int() with base 10: 'two'\")"},
		{"500 bad sxp", libvirtPost("/xend/domain/guest001", "op=device%5fcreate&config=%28vbd%29%28vif%29"),
			"HTTP/1.1 500 Request failed: device_create\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(xend.err 'Too many sxprs')"},
		{"500 no Host on unix", "GET /xend/domain HTTP/1.0\r\n\r\n",
			"HTTP/1.1 500 Internal server error\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"400 request line", "GET\r\n\r\n",
			"HTTP/1.1 400 Bad request\r\nContent-length: #\r\n" + std + "Pragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"400 version", "GET /xend/node HTTP/x\r\n\r\n",
			"HTTP/1.1 400 Bad request\r\nContent-length: #\r\n" + std + "Pragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"400 too many headers", "GET /xend/node HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 501) + "\r\n",
			"HTTP/1.1 400 Bad request\r\nContent-length: #\r\n" + std + "Pragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"413 oversize", "POST /xend/domain/ HTTP/1.1\r\nContent-Length: 10001\r\n\r\nop=create",
			"HTTP/1.1 413 Request entity too large\r\nContent-length: #\r\n" + std + "Pragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"HEAD", "HEAD /xend/node HTTP/1.1\r\n\r\n",
			"HTTP/1.1 200 OK\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n"},
		{"HTTP/0.9 two fields", "GET /xend/node\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(node (nr_cpus 4) (xend_config_format 4))"},
		{"bare LF headers", "GET /xend/node HTTP/1.1\nHost: x\n\n",
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: application/sxp\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(node (nr_cpus 4) (xend_config_format 4))"},
		{"dmesg text", "GET /xend/node/dmesg HTTP/1.1\r\n" + libvirtGet,
			"HTTP/1.1 200 OK\r\nContent-length: #\r\n" + std + "Content-type: text/plain\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n(XEN) hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := withLen(tt.want)
			if got := exchange(t, path, tt.req); got != want {
				t.Errorf("reply to %q =\n%q\nwant\n%q", tt.req, got, want)
			}
			// The server keeps answering.
			if got := exchange(t, path, "GET /xend/domain HTTP/1.1\r\n"+libvirtGet); !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
				t.Errorf("after %s: list reply = %q; want 200", tt.name, got)
			}
		})
	}
}

// TestKeepAlivePipelined sends two requests at once on a keep-alive
// connection; both are answered in order, the connection stays open, and
// the reply headers carry Connection: keep-alive in xend's order.
func TestKeepAlivePipelined(t *testing.T) {
	path, _ := startServer(t, newFakeService(0))
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "POST /xend/domain/Domain-0 HTTP/1.1\r\nConnection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nop=unpause"
	io.WriteString(c, req+req)
	br := bufio.NewReader(c)
	want := "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nExpires: -1\r\nContent-length: 0\r\nPragma: no-cache\r\nCache-control: no-cache\r\n\r\n"
	for i := 0; i < 2; i++ {
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(br, buf); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if string(buf) != want {
			t.Errorf("reply %d = %q; want %q", i, buf, want)
		}
	}
	// Still open: a third request is answered.
	io.WriteString(c, "GET /xend/node HTTP/1.1\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 200 OK\r\n" {
		t.Errorf("third reply line = %q, %v; want 200", line, err)
	}
}

// TestDumpLibvirtArgs checks the deliberate relaxation of op=dump: reset
// defaults to 0 and a repeated live takes the last value (old libvirt).
func TestDumpLibvirtArgs(t *testing.T) {
	svc := newFakeService(1)
	path, _ := startServer(t, svc)
	got := exchange(t, path, libvirtPost("/xend/domain/guest001", "op=dump&file=%2ftmp%2fx&live=0&live=1&crash=0"))
	if !strings.HasPrefix(got, "HTTP/1.1 202 Accepted\r\n") || !strings.HasSuffix(got, "\r\n\r\n") {
		t.Errorf("dump reply = %q; want 202 with empty body", got)
	}
	if want := "guest001 dump map[crash:0 file:/tmp/x live:1 reset:0]"; svc.lastCall() != want {
		t.Errorf("service call = %q; want %q", svc.lastCall(), want)
	}
}

// TestOldLibvirtRawBody: 2010-era libvirt sent raw values; '+' turns into a
// space and the rest arrives as xend saw it.
func TestOldLibvirtRawBody(t *testing.T) {
	svc := newFakeService(1)
	path, _ := startServer(t, svc)
	got := exchange(t, path, libvirtPost("/xend/domain/guest001", "op=pincpu&vcpu=0&cpumap=0,2"))
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\n0") {
		t.Errorf("pincpu reply = %q; want 200 with body 0", got)
	}
	if want := "guest001 pincpu map[cpumap:0,2 vcpu:0]"; svc.lastCall() != want {
		t.Errorf("service call = %q; want %q", svc.lastCall(), want)
	}
}

// TestShutdownClosesIdle: Shutdown closes idle keep-alive connections and
// Serve returns ErrServerClosed (checked in the cleanup).
func TestShutdownClosesIdle(t *testing.T) {
	path, srv := startServer(t, newFakeService(0))
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /xend/node HTTP/1.1\r\nConnection: keep-alive\r\n\r\n")
	br := bufio.NewReader(c)
	if line, _ := br.ReadString('\n'); line != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("reply = %q", line)
	}
	time.Sleep(50 * time.Millisecond) // let the connection go idle
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(br); err != nil {
		t.Errorf("idle connection not closed cleanly: %v", err)
	}
}
