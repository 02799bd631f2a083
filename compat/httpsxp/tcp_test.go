package httpsxp

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTCPLocationPort: over TCP, Location names the listener's own port
// and the host from the Host header (spec §2.7).
func TestTCPLocationPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	srv := New(newFakeService(1), Options{})
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, strings.Replace(libvirtPost("/xend/domain/guest001", "op=destroy"), "Host: localhost:8000", "Host: xenhost:8000", 1))
	b, _ := io.ReadAll(c)
	want := "Location: http://xenhost:" + strconv.Itoa(port) + "/xend/domain/guest001/..\r\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("destroy reply = %q; want a header %q", b, want)
	}
}

// TestMultipartForm: xend's own Python client posted configs as
// multipart/form-data; those arguments are read too.
func TestMultipartForm(t *testing.T) {
	svc := newFakeService(0)
	path, _ := startServer(t, svc)
	body := "--XX\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\ncreate\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"config\"; filename=\"cfg\"\r\n\r\n(vm (name mp))\r\n--XX--\r\n"
	req := "POST /xend/domain/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body
	got := exchange(t, path, req)
	if !strings.HasPrefix(got, "HTTP/1.1 201 created\r\n") || !strings.Contains(got, "Location: http://localhost:8080/xend/domain//mp\r\n") {
		t.Errorf("multipart create reply = %q; want 201 with Location …//mp", got)
	}
}

// TestBodyIgnoredWithoutFormType: a POST body is parsed only for
// application/x-www-form-urlencoded (and multipart); otherwise op is
// missing and xend answered 406.
func TestBodyIgnoredWithoutFormType(t *testing.T) {
	path, _ := startServer(t, newFakeService(0))
	got := exchange(t, path, "POST /xend/domain/Domain-0 HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nop=pause")
	if !strings.HasPrefix(got, "HTTP/1.1 406 Invalid request\r\n") {
		t.Errorf("reply = %q; want 406", got)
	}
	// The query string still counts for POST.
	got = exchange(t, path, "POST /xend/domain/Domain-0?op=unpause HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("reply = %q; want 200", got)
	}
}
