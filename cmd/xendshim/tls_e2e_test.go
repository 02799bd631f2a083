package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writePKI writes a CA and a server and a client certificate it signed
// (the server's for 127.0.0.1) and returns the file names.
func writePKI(t *testing.T, dir string) (ca, srvCert, srvKey string, client tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	roots = x509.NewCertPool()
	roots.AddCert(caCert)
	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
		return p
	}
	sder, sk := leaf(2, x509.ExtKeyUsageServerAuth)
	skDER, _ := x509.MarshalPKCS8PrivateKey(sk)
	cder, ck := leaf(3, x509.ExtKeyUsageClientAuth)
	client = tls.Certificate{Certificate: [][]byte{cder}, PrivateKey: ck}
	return write("ca.pem", "CERTIFICATE", caDER), write("srv.pem", "CERTIFICATE", sder), write("srv.key", "PRIVATE KEY", skDER), client, roots
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeXMLRPCOverTLSWithClientCertificates: --xmlrpc-addr with
// --xmlrpc-tls-cert/-key speaks HTTPS only, and --xmlrpc-client-ca turns
// away clients without a certificate from that CA.
func TestServeXMLRPCOverTLSWithClientCertificates(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key, client, roots := writePKI(t, dir)
	addr := freePort(t)
	s := startServer(t, "--http-socket", "", "--xmlrpc-addr", addr,
		"--xmlrpc-tls-cert", cert, "--xmlrpc-tls-key", key, "--xmlrpc-client-ca", ca)
	s.waitSocket(t, s.xmlrpc)
	waitLog(t, s, "xendshim ready")
	call := func(certs []tls.Certificate) (string, error) {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", Certificates: certs})
		if err != nil {
			return "", err
		}
		defer c.Close()
		body := "<?xml version='1.0'?>\n<methodCall>\n<methodName>system.listMethods</methodName>\n<params>\n</params>\n</methodCall>\n"
		fmt.Fprintf(c, "POST /RPC2 HTTP/1.0\r\nHost: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
		b, err := io.ReadAll(c)
		return string(b), err
	}
	if got, err := call([]tls.Certificate{client}); err != nil || !strings.Contains(got, "xend.domains") {
		t.Errorf("certified client: %v\n%s", err, got)
	}
	if got, err := call(nil); err == nil && strings.Contains(got, "xend.domains") {
		t.Errorf("client without a certificate was served:\n%s", got)
	}
	if plain, err := net.Dial("tcp", addr); err == nil {
		fmt.Fprintf(plain, "POST /RPC2 HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
		plain.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(plain)
		plain.Close()
		if strings.Contains(string(b), "HTTP/1.") {
			t.Errorf("plain HTTP was answered on the TLS port: %q", b)
		}
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("serve exit after SIGTERM = %v; want 0", err)
	}
}
