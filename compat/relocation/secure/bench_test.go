package secure

import (
	"context"
	"crypto/x509"
	"net"
	"testing"

	"github.com/xendshim/xendshim/compat/relocation/xmp"
)

// BenchmarkStreamTLS measures the native transport's data path: 1 MiB
// DATA frames through TLS 1.3 over loopback TCP, decoded by the receiver
// (run: go test -bench StreamTLS -benchtime 512x ./compat/relocation/secure).
func BenchmarkStreamTLS(b *testing.B) {
	ca := must(NewCA("bench CA", CertOptions{}))
	kc, ks := must(Issue(&ca, "a", CertOptions{})), must(Issue(&ca, "b", CertOptions{}))
	mk := func(k KeyPair) *Endpoint {
		c, _ := k.TLS()
		p := newPool(ca)
		return &Endpoint{Mode: ModeCA, Cert: &c, Roots: p}
	}
	client, server := mk(kc), mk(ks)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan int64)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			done <- -1
			return
		}
		tc, _, err := server.Server(context.Background(), raw)
		if err != nil {
			done <- -1
			return
		}
		var n int64
		for {
			f, err := xmp.ReadFrame(tc)
			if err != nil {
				break
			}
			n += int64(len(f.Payload))
		}
		done <- n
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	tc, _, err := client.Client(context.Background(), raw, "b")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, xmp.MaxData)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := xmp.WriteFrame(tc, xmp.TypeData, buf); err != nil {
			b.Fatal(err)
		}
	}
	tc.CloseWrite()
	if n := <-done; n != int64(b.N)*int64(len(buf)) {
		b.Fatalf("received %d bytes; sent %d", n, int64(b.N)*int64(len(buf)))
	}
}

func newPool(ca KeyPair) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(ca.CertPEM)
	return p
}

// BenchmarkStreamPlainTCP is the same data path without TLS, for
// comparison (the "plain TCP is faster" argument, spec §3.3).
func BenchmarkStreamPlainTCP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan int64)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- -1
			return
		}
		var n int64
		for {
			f, err := xmp.ReadFrame(c)
			if err != nil {
				break
			}
			n += int64(len(f.Payload))
		}
		done <- n
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, xmp.MaxData)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := xmp.WriteFrame(c, xmp.TypeData, buf); err != nil {
			b.Fatal(err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if n := <-done; n != int64(b.N)*int64(len(buf)) {
		b.Fatalf("received %d bytes", n)
	}
}
