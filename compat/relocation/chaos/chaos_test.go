package chaos

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// echo starts a TCP echo server and a proxy in front of it.
func echo(t *testing.T, faults ...Fault) (*Proxy, string) {
	t.Helper()
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	pl, _ := net.Listen("tcp", "127.0.0.1:0")
	p := &Proxy{Target: up.Addr().String(), Faults: faults}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Serve(ctx, pl); close(done) }()
	t.Cleanup(func() { cancel(); up.Close(); <-done })
	return p, pl.Addr().String()
}

func roundTrip(t *testing.T, addr string, msg []byte) []byte {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.Write(msg)
	c.(*net.TCPConn).CloseWrite()
	got, _ := io.ReadAll(c)
	return got
}

func TestProxy(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), 100)
	tests := []struct {
		name  string
		fault []Fault
		want  func(got []byte) bool
	}{
		{"clean relay", nil, func(g []byte) bool { return bytes.Equal(g, msg) }},
		{"cut upstream after 100 bytes", []Fault{{Conn: 1, Dir: Up, After: 100, Kind: Cut}}, func(g []byte) bool { return len(g) <= 100 }},
		{"reset downstream after 10 bytes", []Fault{{Conn: 1, Dir: Down, After: 10, Kind: Reset}}, func(g []byte) bool { return len(g) <= 10 }},
		{"flip byte 5", []Fault{{Conn: 1, Dir: Up, After: 5, Kind: Flip}}, func(g []byte) bool {
			return len(g) == len(msg) && g[5] == msg[5]^0xFF && bytes.Equal(g[6:], msg[6:])
		}},
		{"drop", []Fault{{Conn: 1, Kind: Drop}}, func(g []byte) bool { return len(g) == 0 }},
		{"fault for another connection", []Fault{{Conn: 2, Kind: Drop}}, func(g []byte) bool { return bytes.Equal(g, msg) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, addr := echo(t, tc.fault...)
			got := roundTrip(t, addr, msg)
			if !tc.want(got) {
				t.Errorf("relay through %+v returned %d bytes", tc.fault, len(got))
			}
			if tc.fault == nil && !bytes.Equal(p.Recorded(1), msg) {
				t.Errorf("Recorded(1) = %d bytes; want the %d sent", len(p.Recorded(1)), len(msg))
			}
		})
	}
}
