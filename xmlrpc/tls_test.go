package xmlrpc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testPKI is a throw-away CA with one server and one client certificate.
type testPKI struct {
	caPool         *x509.CertPool
	server, client tls.Certificate
	caFile         string
	clientCertFile string
	clientKeyFile  string
}

type issued struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	der  []byte
}

func issue(t *testing.T, tmpl *x509.Certificate, parent *issued) *issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: cert, key: key, der: der}
}

func (i *issued) tlsCert() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{i.der}, PrivateKey: i.key, Leaf: i.cert}
}

var serial int64

func template(cn string, isCA bool, usage x509.ExtKeyUsage) *x509.Certificate {
	serial++
	tm := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tm.IsCA, tm.BasicConstraintsValid = true, true
		tm.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tm.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	}
	return tm
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	ca := issue(t, template("xmlrpc test CA", true, 0), nil)
	st := template("localhost", false, x509.ExtKeyUsageServerAuth)
	st.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	st.DNSNames = []string{"localhost"}
	srv := issue(t, st, ca)
	cli := issue(t, template("xm client", false, x509.ExtKeyUsageClientAuth), ca)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cli.key)
	if err != nil {
		t.Fatal(err)
	}
	return &testPKI{
		caPool: pool, server: srv.tlsCert(), client: cli.tlsCert(),
		caFile:         write("ca.pem", "CERTIFICATE", ca.der),
		clientCertFile: write("client.pem", "CERTIFICATE", cli.der),
		clientKeyFile:  write("client.key", "PRIVATE KEY", keyDER),
	}
}

// serverConfig requires and verifies a client certificate from the test CA.
func (p *testPKI) serverConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
		MinVersion:   tls.VersionTLS12,
	}
}

func TestTLSClientCertificates(t *testing.T) {
	pki := newTestPKI(t)
	ln := tlsListener(t, pki)
	serveOn(t, &Server{Service: echoService{}}, ln)
	url := "https://" + ln.Addr().String() + "/RPC2"
	rogueCA := issue(t, template("rogue CA", true, 0), nil)
	rogue := issue(t, template("intruder", false, x509.ExtKeyUsageClientAuth), rogueCA)

	tests := []struct {
		name   string
		certs  []tls.Certificate
		wantOK bool
	}{
		{"client certificate from the trusted CA", []tls.Certificate{pki.client}, true},
		{"no client certificate", nil, false},
		{"client certificate from another CA", []tls.Certificate{rogue.tlsCert()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(url, WithTLSConfig(&tls.Config{RootCAs: pki.caPool, Certificates: tt.certs}), WithTimeout(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			v, err := c.Call(context.Background(), "who", "me")
			if tt.wantOK && err != nil {
				t.Fatalf("Call = %v; want success", err)
			}
			if !tt.wantOK && err == nil {
				t.Fatalf("Call = %v, nil; want the handshake refused", v)
			}
		})
	}
}
