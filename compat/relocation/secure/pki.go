package secure

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"time"
)

// KeyPair is a certificate with its private key, in PEM.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// TLS parses the pair into a tls.Certificate.
func (k KeyPair) TLS() (tls.Certificate, error) { return tls.X509KeyPair(k.CertPEM, k.KeyPEM) }

// Cert parses the certificate.
func (k KeyPair) Cert() (*x509.Certificate, error) {
	b, _ := pem.Decode(k.CertPEM)
	if b == nil {
		return nil, fmt.Errorf("secure: no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// CertOptions tune issued certificates (zero values give defaults).
type CertOptions struct {
	// NotBefore and NotAfter bound validity; default now-1h .. now+Validity.
	NotBefore, NotAfter time.Time
	// Validity is used when NotAfter is zero; default 90 days.
	Validity time.Duration
	// ExtKeyUsage overrides the usages (default client and server auth).
	ExtKeyUsage []x509.ExtKeyUsage
	// URIs overrides the URI SANs (default xendshim://host/<name>).
	URIs []string
}

func (o CertOptions) window() (time.Time, time.Time) {
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		v := o.Validity
		if v == 0 {
			v = 90 * 24 * time.Hour
		}
		na = time.Now().Add(v)
	}
	return nb, na
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n
}

func encode(der []byte, key ed25519.PrivateKey) (KeyPair, error) {
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}),
	}, nil
}

// NewCA makes a self-signed Ed25519 migration CA named name.
func NewCA(name string, o CertOptions) (KeyPair, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, err
	}
	nb, na := o.window()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return KeyPair{}, err
	}
	return encode(der, key)
}

// Issue makes a host certificate for name signed by ca, with the URI SAN
// xendshim://host/<name>, the DNS SAN name and client+server auth usages.
// A nil ca makes it self-signed (for pinned mode).
func Issue(ca *KeyPair, name string, o CertOptions) (KeyPair, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, err
	}
	nb, na := o.window()
	eku := o.ExtKeyUsage
	if eku == nil {
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}
	}
	uris := o.URIs
	if uris == nil {
		uris = []string{HostURI(name)}
	}
	var us []*url.URL
	for _, u := range uris {
		us = append(us, mustURL(u))
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: eku, URIs: us, DNSNames: []string{name},
	}
	parent, signer := tmpl, any(key)
	if ca != nil {
		pc, err := ca.Cert()
		if err != nil {
			return KeyPair{}, err
		}
		tc, err := ca.TLS()
		if err != nil {
			return KeyPair{}, err
		}
		parent, signer = pc, tc.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return KeyPair{}, err
	}
	return encode(der, key)
}
