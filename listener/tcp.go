package listener

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// TCP listens on addr ("host:port"). As in xend, an empty host means every
// interface and a host that names a network interface (e.g. "eth0") binds that
// interface's first IPv4 address. Go sets SO_REUSEADDR and close-on-exec, as
// xend did.
func TCP(addr string) (net.Listener, error) {
	resolved, err := ResolveInterfaceAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", resolved)
	if err != nil {
		return nil, fmt.Errorf("listener: %w", err)
	}
	return ln, nil
}

// ResolveInterfaceAddr replaces an interface name in addr's host part with that
// interface's first IPv4 address; any other address is returned unchanged.
func ResolveInterfaceAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listener: address %q: %w (want HOST:PORT)", addr, err)
	}
	if host == "" || net.ParseIP(host) != nil {
		return addr, nil
	}
	ifc, err := net.InterfaceByName(host)
	if err != nil {
		return addr, nil // a host name, resolved by net.Listen
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return "", fmt.Errorf("listener: interface %s: %w", host, err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return net.JoinHostPort(ipn.IP.String(), port), nil
		}
	}
	return "", fmt.Errorf("listener: interface %s has no IPv4 address to bind", host)
}

// TLSFiles names the PEM files of a TLS listener.
type TLSFiles struct {
	// Cert and Key are the server's certificate chain and private key.
	Cert, Key string
	// ClientCA, when set, makes client certificates required and verified
	// against the CA certificates in this file. xend never checked clients;
	// this is xendshim's addition.
	ClientCA string
}

// ServerConfig loads the files into a server TLS configuration (TLS 1.2 or
// later).
func (f TLSFiles) ServerConfig() (*tls.Config, error) {
	if f.Cert == "" || f.Key == "" {
		return nil, errors.New("listener: TLS needs both a certificate and a key file")
	}
	pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("listener: TLS key pair %s, %s: %w", f.Cert, f.Key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if f.ClientCA != "" {
		pem, err := os.ReadFile(f.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("listener: client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("listener: client CA %s holds no PEM certificate", f.ClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// TLS wraps ln so that every accepted connection speaks TLS with cfg.
func TLS(ln net.Listener, cfg *tls.Config) net.Listener {
	return tls.NewListener(ln, cfg)
}
