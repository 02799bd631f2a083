package secure

import (
	"context"
	"crypto/hmac"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/xendshim/xendshim/compat/relocation/xmp"
)

// Endpoint holds one host's credentials and trust settings. The same
// Endpoint serves as sender (Client) and receiver (Server).
type Endpoint struct {
	// Mode selects the authentication (ModeCA, ModePinned, ModePSK).
	Mode Mode
	// Cert is this host's certificate (CA and pinned modes). In PSK mode it
	// may be nil: a throw-away self-signed certificate is made.
	Cert *tls.Certificate
	// Roots is the migration CA (ModeCA).
	Roots *x509.CertPool
	// Pins maps a peer name to its SPKI pin "sha256/<b64>" (ModePinned).
	// The sender looks the destination up by name; the receiver accepts a
	// client whose pin is any value of the map.
	Pins map[string]string
	// PSKID is this host's name in PSK mode; PSKs maps a peer's id to the
	// key this host shares with it (per pair, at least 32 bytes).
	PSKID string
	PSKs  map[string][]byte
	// DenySPKI holds revoked public keys (pins) and DenySerials revoked
	// certificate serial numbers (hex); Go checks neither CRL nor OCSP.
	DenySPKI    map[string]bool
	DenySerials map[string]bool
	// KnownPeer, if set, is asked on the receiver after authentication; a
	// false answer fails the handshake (unknown peers get nothing more).
	KnownPeer func(Identity) bool
	// HandshakeTimeout bounds the TLS handshake and the PSK exchange;
	// default 10 s.
	HandshakeTimeout time.Duration

	mu        sync.Mutex
	ephemeral *tls.Certificate
}

// MinPSKLen is the shortest pre-shared key accepted.
const MinPSKLen = 32

// exporterLabel is the TLS exporter label the PSK proof is bound to.
const exporterLabel = "EXPORTER-xendshim-migrate-psk"

// ErrAuth is wrapped by every authentication failure.
var ErrAuth = errors.New("secure: authentication failed")

func authErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrAuth, fmt.Sprintf(format, args...))
}

func (e *Endpoint) cert() (tls.Certificate, error) {
	if e.Cert != nil {
		return *e.Cert, nil
	}
	if e.Mode != ModePSK {
		return tls.Certificate{}, fmt.Errorf("secure: %s mode needs a host certificate", e.Mode)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ephemeral != nil {
		return *e.ephemeral, nil
	}
	kp, err := Issue(nil, "xendshim-psk-ephemeral", CertOptions{Validity: 24 * time.Hour})
	if err != nil {
		return tls.Certificate{}, err
	}
	c, err := kp.TLS()
	if err != nil {
		return tls.Certificate{}, err
	}
	e.ephemeral = &c
	return c, nil
}

// Check reports configuration errors (missing CA, pins, short keys).
func (e *Endpoint) Check() error {
	switch e.Mode {
	case ModeCA:
		if e.Roots == nil || e.Cert == nil {
			return fmt.Errorf("secure: ca mode needs a CA file and a host certificate and key")
		}
	case ModePinned:
		if e.Cert == nil || len(e.Pins) == 0 {
			return fmt.Errorf("secure: pinned mode needs a host certificate and at least one peer pin")
		}
	case ModePSK:
		if e.PSKID == "" || len(e.PSKs) == 0 {
			return fmt.Errorf("secure: psk mode needs this host's psk id and at least one peer key")
		}
		for id, k := range e.PSKs {
			if len(k) < MinPSKLen {
				return fmt.Errorf("secure: the key shared with %q is %d bytes; use at least %d random bytes", id, len(k), MinPSKLen)
			}
		}
	default:
		return fmt.Errorf("secure: unknown mode %q (want ca, pinned or psk)", e.Mode)
	}
	return nil
}

func (e *Endpoint) denied(c *x509.Certificate) error {
	if e.DenySPKI[SPKIPin(c)] {
		return authErr("certificate key %s is on the deny list", SPKIPin(c))
	}
	if e.DenySerials[hex.EncodeToString(c.SerialNumber.Bytes())] {
		return authErr("certificate serial %x is on the deny list", c.SerialNumber.Bytes())
	}
	return nil
}

// peerIdentity verifies the peer's leaf for the mode and returns who it is.
// want, on the client, is the destination name the certificate must carry.
func (e *Endpoint) peerIdentity(cs tls.ConnectionState, server bool, want string) (Identity, error) {
	if cs.Version != tls.VersionTLS13 {
		return "", authErr("TLS version %x; want 1.3", cs.Version)
	}
	if cs.NegotiatedProtocol != xmp.ALPN {
		return "", authErr("ALPN %q; want %q", cs.NegotiatedProtocol, xmp.ALPN)
	}
	if len(cs.PeerCertificates) == 0 {
		return "", authErr("peer sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	if err := e.denied(leaf); err != nil {
		return "", err
	}
	switch e.Mode {
	case ModeCA:
		// Chain, validity and EKU were checked by crypto/tls.
		name, err := hostName(leaf)
		if err != nil {
			return "", authErr("%v", err)
		}
		if !server && name != want {
			return "", authErr("receiver certificate is for %q; dialled %q", name, want)
		}
		return Identity(HostURI(name)), nil
	case ModePinned:
		pin := SPKIPin(leaf)
		if server {
			for _, p := range e.Pins {
				if hmac.Equal([]byte(p), []byte(pin)) {
					return Identity("spki:" + pin), nil
				}
			}
			return "", authErr("client key %s is not pinned", pin)
		}
		if p, ok := e.Pins[want]; !ok || !hmac.Equal([]byte(p), []byte(pin)) {
			return "", authErr("receiver key %s does not match the pin for %q", pin, want)
		}
		return Identity("spki:" + pin), nil
	case ModePSK:
		return "", nil // decided by the PSK exchange
	}
	return "", authErr("unknown mode %q", e.Mode)
}

func (e *Endpoint) base() (*tls.Config, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	c, err := e.cert()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		MaxVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{c},
		NextProtos:   []string{xmp.ALPN},
		// No resumption: every connection authenticates afresh, and no
		// ticket is written that the peer must read.
		SessionTicketsDisabled: true,
	}, nil
}

// ServerTLS returns the receiver's TLS configuration.
func (e *Endpoint) ServerTLS() (*tls.Config, error) {
	cfg, err := e.base()
	if err != nil {
		return nil, err
	}
	if e.Mode == ModeCA {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = e.Roots
	} else {
		cfg.ClientAuth = tls.RequireAnyClientCert
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if e.Mode == ModeCA {
			if err := requireEKU(cs.PeerCertificates, x509.ExtKeyUsageClientAuth); err != nil {
				return err
			}
		}
		id, err := e.peerIdentity(cs, true, "")
		if err != nil {
			return err
		}
		if id != "" && e.KnownPeer != nil && !e.KnownPeer(id) {
			return authErr("%s is not a configured peer", id)
		}
		return nil
	}
	return cfg, nil
}

// ClientTLS returns the sender's TLS configuration for destination dest
// (the peer's name: its URI SAN host name or key in Pins/PSKs).
func (e *Endpoint) ClientTLS(dest string) (*tls.Config, error) {
	cfg, err := e.base()
	if err != nil {
		return nil, err
	}
	switch e.Mode {
	case ModeCA:
		cfg.RootCAs = e.Roots
		cfg.ServerName = dest
		// The hostname in ServerName is checked against DNS SANs by
		// crypto/tls; VerifyConnection adds the URI SAN check.
	default:
		// Pinned and PSK: the chain is not checked by crypto/tls; the pin
		// check in VerifyConnection (or the PSK proof) is mandatory.
		cfg.InsecureSkipVerify = true
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if e.Mode == ModeCA {
			if err := requireEKU(cs.PeerCertificates, x509.ExtKeyUsageServerAuth); err != nil {
				return err
			}
		}
		_, err := e.peerIdentity(cs, false, dest)
		return err
	}
	return cfg, nil
}

func requireEKU(chain []*x509.Certificate, want x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return authErr("no certificate")
	}
	for _, u := range chain[0].ExtKeyUsage {
		if u == want || u == x509.ExtKeyUsageAny {
			return nil
		}
	}
	return authErr("certificate %q lacks the needed extended key usage", chain[0].Subject.CommonName)
}

func (e *Endpoint) timeout() time.Duration {
	if e.HandshakeTimeout > 0 {
		return e.HandshakeTimeout
	}
	return 10 * time.Second
}

// Server runs the receiver's side of the handshake on conn and returns the
// TLS connection and the sender's identity.
func (e *Endpoint) Server(ctx context.Context, conn net.Conn) (*tls.Conn, Identity, error) {
	cfg, err := e.ServerTLS()
	if err != nil {
		return nil, "", err
	}
	tc := tls.Server(conn, cfg)
	return e.finish(ctx, tc, true, "")
}

// Client runs the sender's side of the handshake towards dest.
func (e *Endpoint) Client(ctx context.Context, conn net.Conn, dest string) (*tls.Conn, Identity, error) {
	cfg, err := e.ClientTLS(dest)
	if err != nil {
		return nil, "", err
	}
	tc := tls.Client(conn, cfg)
	return e.finish(ctx, tc, false, dest)
}

func (e *Endpoint) finish(ctx context.Context, tc *tls.Conn, server bool, dest string) (*tls.Conn, Identity, error) {
	tc.SetDeadline(time.Now().Add(e.timeout()))
	hctx, cancel := context.WithTimeout(ctx, e.timeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, "", handshakeErr(err)
	}
	cs := tc.ConnectionState()
	id, err := e.peerIdentity(cs, server, dest)
	if err != nil {
		return nil, "", err
	}
	if e.Mode == ModePSK {
		if id, err = e.pskExchange(tc, server, dest); err != nil {
			return nil, "", err
		}
		if server && e.KnownPeer != nil && !e.KnownPeer(id) {
			return nil, "", authErr("%s is not a configured peer", id)
		}
	}
	tc.SetDeadline(time.Time{})
	return tc, id, nil
}

// handshakeErr marks certificate failures as authentication errors.
func handshakeErr(err error) error {
	var (
		ua  x509.UnknownAuthorityError
		ci  x509.CertificateInvalidError
		hn  x509.HostnameError
		ae  tls.AlertError
		cve *tls.CertificateVerificationError
	)
	if errors.Is(err, ErrAuth) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn) || errors.As(err, &ae) || errors.As(err, &cve) {
		return fmt.Errorf("%w: tls handshake: %v", ErrAuth, err)
	}
	return fmt.Errorf("secure: tls handshake: %w", err)
}

// LoadCA reads a PEM CA bundle.
func LoadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secure: CA file: %w", err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("secure: %s holds no PEM certificate", path)
	}
	return p, nil
}
