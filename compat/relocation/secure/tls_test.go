package secure

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"testing"
	"time"
)

type pki struct {
	ca, rogue         KeyPair
	a, b, c           KeyPair // a and b signed by ca; c signed by ca for "c"
	expired, noClient KeyPair
	rogueA            KeyPair
	selfA, selfB      KeyPair
}

func must(k KeyPair, err error) KeyPair {
	if err != nil {
		panic(err)
	}
	return k
}

func newPKI(t *testing.T) *pki {
	p := &pki{}
	p.ca = must(NewCA("test migration CA", CertOptions{}))
	p.rogue = must(NewCA("rogue CA", CertOptions{}))
	p.a = must(Issue(&p.ca, "a", CertOptions{}))
	p.b = must(Issue(&p.ca, "b", CertOptions{}))
	p.c = must(Issue(&p.ca, "c", CertOptions{}))
	p.expired = must(Issue(&p.ca, "a", CertOptions{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}))
	p.noClient = must(Issue(&p.ca, "a", CertOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}))
	p.rogueA = must(Issue(&p.rogue, "a", CertOptions{}))
	p.selfA = must(Issue(nil, "a", CertOptions{}))
	p.selfB = must(Issue(nil, "b", CertOptions{}))
	return p
}

func tlsCert(t *testing.T, k KeyPair) *tls.Certificate {
	c, err := k.TLS()
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

func pool(t *testing.T, k KeyPair) *x509.CertPool {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(k.CertPEM) {
		t.Fatal("bad CA PEM")
	}
	return p
}

// pair runs a handshake between client and server.
func pair(client, server *Endpoint, dest string) (cid, sid Identity, cerr, serr error) {
	// Loopback TCP, not net.Pipe: a synchronous pipe deadlocks when one
	// side stops reading mid-flight to send an alert.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	s, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	defer c.Close()
	defer s.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, sid, serr = server.Server(context.Background(), s)
		s.Close()
	}()
	_, cid, cerr = client.Client(context.Background(), c, dest)
	c.Close()
	<-done
	return
}

func TestHandshakes(t *testing.T) {
	p := newPKI(t)
	caEP := func(k KeyPair) *Endpoint {
		return &Endpoint{Mode: ModeCA, Cert: tlsCert(t, k), Roots: pool(t, p.ca), HandshakeTimeout: 5 * time.Second}
	}
	key1 := []byte("0123456789abcdef0123456789abcdef")
	key2 := []byte("fedcba9876543210fedcba9876543210")
	sb := caEP(p.b)
	serial, _ := p.c.Cert()
	revoking := caEP(p.b)
	revoking.DenySerials = map[string]bool{hex.EncodeToString(serial.SerialNumber.Bytes()): true}
	known := caEP(p.b)
	known.KnownPeer = func(id Identity) bool { return id == Identity(HostURI("a")) }
	spkiA, _ := p.selfA.Cert()
	spkiB, _ := p.selfB.Cert()
	pinS := &Endpoint{Mode: ModePinned, Cert: tlsCert(t, p.selfB), Pins: map[string]string{"a": SPKIPin(spkiA)}}
	pinC := &Endpoint{Mode: ModePinned, Cert: tlsCert(t, p.selfA), Pins: map[string]string{"b": SPKIPin(spkiB)}}
	pinWrong := &Endpoint{Mode: ModePinned, Cert: tlsCert(t, p.selfA), Pins: map[string]string{"b": SPKIPin(spkiA)}}
	pskS := &Endpoint{Mode: ModePSK, PSKID: "b", PSKs: map[string][]byte{"a": key1}}
	pskC := &Endpoint{Mode: ModePSK, PSKID: "a", PSKs: map[string][]byte{"b": key1}}
	pskWrong := &Endpoint{Mode: ModePSK, PSKID: "a", PSKs: map[string][]byte{"b": key2}}
	pskStranger := &Endpoint{Mode: ModePSK, PSKID: "z", PSKs: map[string][]byte{"b": key1}}
	tests := []struct {
		name           string
		client, server *Endpoint
		dest           string
		ok             bool
		wantSender     Identity
	}{
		{"ca ok", caEP(p.a), sb, "b", true, Identity(HostURI("a"))},
		{"ca known peer", caEP(p.a), known, "b", true, Identity(HostURI("a"))},
		{"ca unknown peer", caEP(p.c), known, "b", false, ""},
		{"client from rogue CA", caEP(p.rogueA), sb, "b", false, ""},
		{"client cert expired", caEP(p.expired), sb, "b", false, ""},
		{"client cert without clientAuth EKU", caEP(p.noClient), sb, "b", false, ""},
		{"client cert revoked by serial", caEP(p.c), revoking, "b", false, ""},
		{"receiver impersonates another host", caEP(p.a), sb, "c", false, ""},
		{"pinned ok", pinC, pinS, "b", true, Identity("spki:" + SPKIPin(spkiA))},
		{"pinned wrong pin", pinWrong, pinS, "b", false, ""},
		{"pinned unknown client", &Endpoint{Mode: ModePinned, Cert: tlsCert(t, p.selfB), Pins: map[string]string{"b": SPKIPin(spkiB)}}, pinS, "b", false, ""},
		{"psk ok", pskC, pskS, "b", true, "psk:a"},
		{"psk wrong key", pskWrong, pskS, "b", false, ""},
		{"psk unknown sender id", pskStranger, pskS, "b", false, ""},
		{"psk dialled name differs", pskC, pskS, "x", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sid, cerr, serr := pair(tc.client, tc.server, tc.dest)
			if tc.ok {
				if cerr != nil || serr != nil {
					t.Fatalf("handshake = client %v, server %v; want success", cerr, serr)
				}
				if sid != tc.wantSender {
					t.Errorf("sender identity = %q; want %q", sid, tc.wantSender)
				}
				if self := tc.client.SelfIdentity(); self != sid {
					t.Errorf("client SelfIdentity() = %q; the server saw %q", self, sid)
				}
				return
			}
			if cerr == nil && serr == nil {
				t.Fatalf("handshake succeeded; want failure")
			}
			if serr == nil && !errors.Is(cerr, ErrAuth) {
				t.Errorf("client error %v does not wrap ErrAuth", cerr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	short := &Endpoint{Mode: ModePSK, PSKID: "a", PSKs: map[string][]byte{"b": []byte("short")}}
	for _, e := range []*Endpoint{{Mode: ModeCA}, {Mode: ModePinned}, {Mode: "none"}, short} {
		if err := e.Check(); err == nil {
			t.Errorf("Check(%+v) = nil; want an error", e)
		}
	}
}

func TestSelfIdentityUnknown(t *testing.T) {
	p := newPKI(t)
	for _, e := range []*Endpoint{
		{Mode: ModeCA},
		{Mode: ModePinned, Cert: &tls.Certificate{}},
		{Mode: ModePSK},
		{Mode: "none", Cert: tlsCert(t, p.a)},
		{Mode: ModeCA, Cert: &tls.Certificate{Certificate: [][]byte{[]byte("not DER")}}},
	} {
		if got := e.SelfIdentity(); got != "" {
			t.Errorf("SelfIdentity() of %+v = %q; want none", e, got)
		}
	}
}
