package secure

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// URIPrefix starts the URI SAN that names a xendshim host.
const URIPrefix = "xendshim://host/"

// HostURI returns the URI SAN naming host name.
func HostURI(name string) string { return URIPrefix + name }

// Mode is how peers authenticate.
type Mode string

// Modes.
const (
	ModeCA     Mode = "ca"
	ModePinned Mode = "pinned"
	ModePSK    Mode = "psk"
)

// Identity is an authenticated peer: "xendshim://host/<name>",
// "spki:sha256/<b64>" or "psk:<id>". Policy keys its peer tables by it.
type Identity string

// SPKIPin returns the pin of a certificate's public key:
// "sha256/" + base64(SHA-256(SubjectPublicKeyInfo)).
func SPKIPin(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return "sha256/" + base64.StdEncoding.EncodeToString(sum[:])
}

// hostName returns the host name from the certificate's xendshim URI SAN,
// or an error if it has none or more than one.
func hostName(c *x509.Certificate) (string, error) {
	var names []string
	for _, u := range c.URIs {
		if u.Scheme == "xendshim" && u.Host == "host" {
			names = append(names, strings.TrimPrefix(u.Path, "/"))
		}
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("certificate %q has no %s<name> URI SAN", c.Subject.CommonName, URIPrefix)
	case 1:
		if names[0] == "" || strings.Contains(names[0], "/") {
			return "", fmt.Errorf("certificate %q has a malformed URI SAN %q", c.Subject.CommonName, URIPrefix+names[0])
		}
		return names[0], nil
	}
	return "", fmt.Errorf("certificate %q names %d xendshim hosts; want one", c.Subject.CommonName, len(names))
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// SelfIdentity is the identity this host presents to its peers, as a
// receiver would name it: the certificate's xendshim URI SAN (CA mode),
// its key's pin (pinned mode) or "psk:" and the PSK id. It is "" when the
// endpoint has no usable identity of its own. A receiver that sees its own
// identity as the sender is being sent a domain from this very host.
func (e *Endpoint) SelfIdentity() Identity {
	switch e.Mode {
	case ModePSK:
		if e.PSKID != "" {
			return Identity("psk:" + e.PSKID)
		}
		return ""
	case ModeCA, ModePinned:
	default:
		return ""
	}
	if e.Cert == nil || len(e.Cert.Certificate) == 0 {
		return ""
	}
	leaf := e.Cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(e.Cert.Certificate[0]); err != nil {
			return ""
		}
	}
	if e.Mode == ModePinned {
		return Identity("spki:" + SPKIPin(leaf))
	}
	name, err := hostName(leaf)
	if err != nil {
		return ""
	}
	return Identity(HostURI(name))
}
