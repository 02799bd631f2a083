package listener

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestResolveInterfaceAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{":8000", ":8000"},
		{"127.0.0.1:8006", "127.0.0.1:8006"},
		{"[::1]:8006", "[::1]:8006"},
		{"lo:8002", "127.0.0.1:8002"},
		{"localhost:8006", "localhost:8006"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ResolveInterfaceAddr(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ResolveInterfaceAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := ResolveInterfaceAddr("no-port"); err == nil {
		t.Error(`ResolveInterfaceAddr("no-port") succeeded; want error`)
	}
}

func TestTCPListens(t *testing.T) {
	ln, err := TCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial %s: %v", ln.Addr(), err)
	}
	c.Close()
}

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, and returns their file names.
type testPKI struct{ caCert, srvCert, srvKey, cliCert, cliKey string }

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalPKCS8PrivateKey(k)
		return der, kd
	}
	sc, sk := leaf(2, x509.ExtKeyUsageServerAuth)
	cc, ck := leaf(3, x509.ExtKeyUsageClientAuth)
	return testPKI{
		caCert:  write("ca.pem", "CERTIFICATE", caDER),
		srvCert: write("srv.pem", "CERTIFICATE", sc), srvKey: write("srv.key", "PRIVATE KEY", sk),
		cliCert: write("cli.pem", "CERTIFICATE", cc), cliKey: write("cli.key", "PRIVATE KEY", ck),
	}
}

func TestTLSClientCertificates(t *testing.T) {
	pki := newTestPKI(t)
	caPEM, _ := os.ReadFile(pki.caCert)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cliPair, err := tls.LoadX509KeyPair(pki.cliCert, pki.cliKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		clientCA   string
		clientCert bool
		wantOK     bool
	}{
		{"no client CA, anonymous client", "", false, true},
		{"client CA, anonymous client refused", pki.caCert, false, false},
		{"client CA, certified client", pki.caCert, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := TLSFiles{Cert: pki.srvCert, Key: pki.srvKey, ClientCA: tc.clientCA}.ServerConfig()
			if err != nil {
				t.Fatal(err)
			}
			inner, err := TCP("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := TLS(inner, cfg)
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err == nil {
					c.Write([]byte("hello"))
				}
			}()
			ccfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
			if tc.clientCert {
				ccfg.Certificates = []tls.Certificate{cliPair}
			}
			c, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(c)
				c.Close()
			}
			ok := err == nil && string(got) == "hello"
			if ok != tc.wantOK {
				t.Errorf("TLS exchange ok = %v (read %q, err %v); want %v", ok, got, err, tc.wantOK)
			}
		})
	}
}

func TestTLSFilesErrors(t *testing.T) {
	pki := newTestPKI(t)
	for _, tc := range []struct {
		name  string
		files TLSFiles
	}{
		{"missing key", TLSFiles{Cert: pki.srvCert}},
		{"nonexistent cert", TLSFiles{Cert: "/nonexistent.pem", Key: pki.srvKey}},
		{"client CA not PEM", TLSFiles{Cert: pki.srvCert, Key: pki.srvKey, ClientCA: pki.srvKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.files.ServerConfig(); err == nil {
				t.Errorf("ServerConfig(%+v) succeeded; want error", tc.files)
			}
		})
	}
}
