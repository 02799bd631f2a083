package relocation_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/prepare"
	"github.com/xendshim/xendshim/toolstack"
)

const legacyPolicy = `
kernels = ["/var/lib/xen/boot/vmlinuz-guest", "/var/lib/xen/boot/initrd-guest"]
[peer."cidr:127.0.0.0/8"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4 }
`

func legacyImage(name string, pages []byte) []byte {
	cfg := `(domain (domid 7) (uuid 11111111-2222-3333-4444-5555555555aa) (name ` + name + `) (memory 128) (maxmem 128) (vcpus 2) ` +
		`(image (linux (kernel /var/lib/xen/boot/vmlinuz-guest) (ramdisk /var/lib/xen/boot/initrd-guest) (args 'root=/dev/xvda1 ro'))))`
	var b bytes.Buffer
	b.WriteString(relocation.LegacySignature) // 16 bytes "LinuxGuestRecord"
	binary.Write(&b, binary.BigEndian, int32(len(cfg)))
	b.WriteString(cfg) // sxp.to_string(dominfo.sxpr()), no newline
	b.Write(pages)     // the legacy libxc stream, to EOF
	return b.Bytes()
}

func startLegacy(t *testing.T) (*relocation.LegacyReceiver, *counting, *relocation.SimulatedLegacyRestore, string) {
	pol, err := policy.Parse([]byte(legacyPolicy), false)
	if err != nil {
		t.Fatal(err)
	}
	dst := &counting{Backend: newSim(t, 3)}
	rest := &relocation.SimulatedLegacyRestore{TS: dst}
	l := &relocation.LegacyReceiver{TS: dst, Restorer: rest, Policy: pol, Limits: relocation.Limits{Idle: 3 * time.Second}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l, dst, rest, ln.Addr().String()
}

// TestLegacyReceiver is scenario F16: a fake xend sender (the bytes of
// specs/migration.md §1.3–1.4) against the compat listener.
func TestLegacyReceiver(t *testing.T) {
	pages := bytes.Repeat([]byte("page"), 4096)
	t.Run("commands", func(t *testing.T) {
		_, _, _, addr := startLegacy(t)
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		br := bufio.NewReader(c)
		for _, tc := range []struct{ send, want string }{
			{"help\n", "(ok (help quit receive sslreceive))\n"},
			{"bogus\n", `(err (type "<class 'xen.xend.XendError.XendError'>") (value 'Invalid operation: bogus'))` + "\n"},
			{"(help)\n", "(ok (help quit receive sslreceive))\n"},
		} {
			c.Write([]byte(tc.send))
			got, _ := br.ReadString('\n')
			if got != tc.want {
				t.Errorf("reply to %q = %q; want %q", tc.send, got, tc.want)
			}
		}
	})
	for _, pipelined := range []bool{false, true} {
		name := "receive, waiting for ready"
		if pipelined {
			name = "receive pipelined with the image"
		}
		t.Run(name, func(t *testing.T) {
			_, dst, rest, addr := startLegacy(t)
			c, _ := net.Dial("tcp", addr)
			defer c.Close()
			img := legacyImage("web1", pages)
			if pipelined {
				c.Write(append([]byte("receive\n"), img...))
			} else {
				c.Write([]byte("receive\n"))
			}
			buf := make([]byte, 80) // xend's recv(80)
			n, _ := io.ReadAtLeast(c, buf, len("(ready receive)\n"))
			if got := string(buf[:n]); got != "(ready receive)\n" {
				t.Fatalf("reply to receive = %q; want \"(ready receive)\\n\"", got)
			}
			if !pipelined {
				c.Write(img)
			}
			c.(*net.TCPConn).CloseWrite()
			rest2, _ := io.ReadAll(c)
			if string(rest2) != "(ok)\n" {
				t.Errorf("after the image: %q; want \"(ok)\\n\"", rest2)
			}
			d, err := toolstack.FindByName(context.Background(), dst, "web1")
			if err != nil || d.State&toolstack.StatePaused != 0 {
				t.Errorf("web1 on the receiver = %+v, %v; want running", d, err)
			}
			if rest.LastHash() == "" {
				t.Error("no stream hash recorded")
			}
		})
	}
	t.Run("policy refuses before any page", func(t *testing.T) {
		_, dst, _, addr := startLegacy(t)
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		c.Write([]byte("receive\n"))
		br := bufio.NewReader(c)
		br.ReadString('\n')
		img := legacyImage("db1", nil) // header and config only
		c.Write(img)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, _ := br.ReadString('\n')
		if !strings.HasPrefix(got, `(err (type "<class 'xen.xend.XendError.XendError'>") (value '`) || !strings.Contains(got, "may_send") {
			t.Errorf("refusal = %q; want a single-quoted xend err naming may_send", got)
		}
		if n := dst.calls.Load(); n != 0 {
			t.Errorf("receiver toolstack calls = %d; want 0", n)
		}
	})
	t.Run("not a guest record", func(t *testing.T) {
		_, _, _, addr := startLegacy(t)
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		c.Write([]byte("receive\nNotAGuestRecordX\x00\x00\x00\x01("))
		br := bufio.NewReader(c)
		br.ReadString('\n')
		got, _ := br.ReadString('\n')
		if !strings.Contains(got, `(value 'not a valid guest state file: found "NotAGuestRecordX"'))`) {
			t.Errorf("reply = %q; want the not-a-guest-state error", got)
		}
	})
}

// TestLegacyHostsAllow: an address outside every cidr peer is closed
// without a reply, as xend's hosts-allow did.
func TestLegacyHostsAllow(t *testing.T) {
	pol, _ := policy.Parse([]byte(`[peer."cidr:198.18.0.0/15"]`+"\nmay_send = { names = [\"x\"] }\n"), false)
	l := &relocation.LegacyReceiver{TS: newSim(t, 4), Policy: pol}
	a, b := net.Pipe()
	go l.ServeConn(context.Background(), &fakeAddrConn{Conn: a})
	b.SetDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(b)
	if len(got) != 0 || err != nil {
		t.Errorf("unlisted peer got %q, %v; want EOF without a byte", got, err)
	}
}

type fakeAddrConn struct{ net.Conn }

func (fakeAddrConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1234} }

// TestLegacySSLReceive: xend with xend-relocation-ssl sends "sslreceive"
// over TLS to port 8003 (§1.6) and verifies no certificate; the receiver
// answers "(ready sslreceive)" and takes the image as on the plain port.
func TestLegacySSLReceive(t *testing.T) {
	l, dst, _, _ := startLegacy(t)
	cert, err := getPKI().dst.TLS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	// xend's client: SSLv23 with no verification.
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("sslreceive\n"))
	br := bufio.NewReader(c)
	if got, _ := br.ReadString('\n'); got != "(ready sslreceive)\n" {
		t.Fatalf("reply to sslreceive = %q; want \"(ready sslreceive)\\n\"", got)
	}
	c.Write(legacyImage("web2", bytes.Repeat([]byte("page"), 1024)))
	c.CloseWrite()
	if rest, _ := io.ReadAll(br); string(rest) != "(ok)\n" {
		t.Errorf("after the image: %q; want \"(ok)\\n\"", rest)
	}
	if d, err := toolstack.FindByName(context.Background(), dst, "web2"); err != nil || d.State&toolstack.StatePaused != 0 {
		t.Errorf("web2 on the receiver = %+v, %v; want running", d, err)
	}
}

// TestLegacyPrepared: a "cidr:" peer with prepared = true may send from
// xend only domains registered for its address ("addr:IP").
func TestLegacyPrepared(t *testing.T) {
	pol, err := policy.Parse([]byte(strings.Replace(legacyPolicy, `may_send = { names = ["web*"] }`, "prepared = true\nmay_send = { names = [\"web*\"] }", 1)), false)
	if err != nil {
		t.Fatal(err)
	}
	store, err := prepare.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dst := &counting{Backend: newSim(t, 4)}
	l := &relocation.LegacyReceiver{TS: dst, Restorer: &relocation.SimulatedLegacyRestore{TS: dst}, Policy: pol, Prepared: store,
		Limits: relocation.Limits{Idle: 3 * time.Second}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	send := func() string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		c.Write([]byte("receive\n"))
		br.ReadString('\n')
		c.Write(legacyImage("web1", []byte("pages")))
		c.(*net.TCPConn).CloseWrite()
		got, _ := br.ReadString('\n')
		return got
	}
	if got := send(); !strings.Contains(got, "was not prepared on this host") || dst.calls.Load() != 0 {
		t.Fatalf("unregistered: reply %q, %d receiver calls; want a refusal naming the registration and no call", got, dst.calls.Load())
	}
	now := time.Now()
	const uuid = "11111111-2222-3333-4444-5555555555aa"
	l.Prepared.Add(prepare.Entry{UUID: uuid, Peer: "addr:127.0.0.1", Expires: now.Add(time.Hour)}, now)
	if got := send(); got != "(ok)\n" {
		t.Fatalf("registered: reply %q; want (ok)", got)
	}
	if err := l.Prepared.Check(uuid, "addr:127.0.0.1", time.Now()); err == nil {
		t.Error("the registration survived the commit")
	}
}
