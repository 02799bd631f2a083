package main

import (
	"fmt"
	"net"
	"path/filepath"

	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/listener"
)

// endpoint is one socket the configuration asks for.
type endpoint struct {
	name       string // xmlrpc-unix, xmlrpc-tcp, http-unix, http-tcp, relocation-tcp, relocation-tls, migrate-tcp
	proto      string // protoXMLRPC, protoHTTP, protoRelocation or protoMigrate
	network    string // "unix" or "tcp"
	addr       string // socket path or HOST:PORT
	tls        *listener.TLSFiles
	hostsAllow string
}

// endpointsOf lists the endpoints cfg turns on, in a fixed order.
func endpointsOf(cfg *config.Config) []endpoint {
	var eps []endpoint
	add := func(ep endpoint) {
		if ep.addr != "" {
			eps = append(eps, ep)
		}
	}
	add(endpoint{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: cfg.XMLRPCSocket})
	x := endpoint{name: "xmlrpc-tcp", proto: protoXMLRPC, network: "tcp", addr: cfg.XMLRPCAddr}
	if cfg.XMLRPCTLSCert != "" {
		x.tls = &listener.TLSFiles{Cert: cfg.XMLRPCTLSCert, Key: cfg.XMLRPCTLSKey, ClientCA: cfg.XMLRPCClientCA}
	}
	add(x)
	add(endpoint{name: "http-unix", proto: protoHTTP, network: "unix", addr: cfg.HTTPSocket})
	add(endpoint{name: "http-tcp", proto: protoHTTP, network: "tcp", addr: cfg.HTTPAddr})
	add(endpoint{name: "migrate-tcp", proto: protoMigrate, network: "tcp", addr: cfg.MigrateListen})
	if !cfg.RelocationLegacy {
		return eps // the factory warns how to opt in
	}
	add(endpoint{name: "relocation-tcp", proto: protoRelocation, network: "tcp", addr: cfg.RelocationAddr, hostsAllow: cfg.RelocationHostsAllow})
	add(endpoint{name: "relocation-tls", proto: protoRelocation, network: "tcp", addr: cfg.RelocationTLSAddr, hostsAllow: cfg.RelocationHostsAllow,
		tls: &listener.TLSFiles{Cert: cfg.RelocationTLSCert, Key: cfg.RelocationTLSKey, ClientCA: cfg.RelocationClientCA}})
	return eps
}

// bind opens the endpoint's socket and wraps it with hosts-allow and TLS.
func (ep endpoint) bind() (net.Listener, error) {
	var ln net.Listener
	var err error
	switch ep.network {
	case "unix":
		ln, err = listener.Unix(ep.addr)
	default:
		ln, err = listener.TCP(ep.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ep.name, err)
	}
	return ep.wrap(ln)
}

// wrap adds the endpoint's hosts-allow filter and TLS to ln (also to a
// socket inherited from systemd). On error ln is closed.
func (ep endpoint) wrap(ln net.Listener) (net.Listener, error) {
	if ep.hostsAllow != "" {
		h, err := listener.NewHostsAllow(ln, ep.hostsAllow)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("%s: %w", ep.name, err)
		}
		ln = h
	}
	if ep.tls != nil {
		cfg, err := ep.tls.ServerConfig()
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("%s: %w", ep.name, err)
		}
		ln = listener.TLS(ln, cfg)
	}
	return ln, nil
}

// matchActivated pairs sockets inherited from systemd with endpoints. A
// socket named (FileDescriptorName=) after an endpoint ("xmlrpc-tcp") or a
// protocol ("xmlrpc") takes the endpoint of that protocol with the same
// socket type; any other socket (systemd names them after the unit by
// default) takes the endpoint with its address. A socket named for a
// protocol with no configured endpoint, or found at xend's default path
// for a protocol, is still served, plain. It
// returns the endpoints for inherited sockets (with the listener) and the
// endpoints left to bind.
func matchActivated(eps []endpoint, acts []listener.Activated) (inherited []activatedEndpoint, rest []endpoint, err error) {
	taken := make([]bool, len(eps))
	for _, a := range acts {
		network := a.Listener.Addr().Network()
		found := -1
		for i, ep := range eps {
			if taken[i] || ep.network != network {
				continue
			}
			if a.Name == ep.name || a.Name == ep.proto || (!knownName(a.Name) && sameAddr(ep, a.Listener.Addr())) {
				found = i
				break
			}
		}
		var ep endpoint
		switch {
		case found >= 0:
			taken[found] = true
			ep = eps[found]
		case a.Name == protoXMLRPC || a.Name == protoHTTP || a.Name == protoRelocation || a.Name == protoMigrate:
			// named for a protocol that has no endpoint configured: serve it
			ep = endpoint{name: a.Name + "-" + network, proto: a.Name, network: network}
		case network == "unix" && realPath(a.Listener.Addr().String()) == realPath(config.DefaultXMLRPCSocket):
			ep = endpoint{name: "xmlrpc-unix", proto: protoXMLRPC, network: network}
		case network == "unix" && realPath(a.Listener.Addr().String()) == realPath(config.DefaultHTTPSocket):
			ep = endpoint{name: "http-unix", proto: protoHTTP, network: network}
		default:
			for _, x := range inherited {
				x.ln.Close()
			}
			return nil, nil, fmt.Errorf("socket %q (%s %s) passed by systemd matches no listener: name it xmlrpc, http or relocation with FileDescriptorName=",
				a.Name, network, a.Listener.Addr())
		}
		ep.addr = a.Listener.Addr().String()
		ln, err := ep.wrap(a.Listener)
		if err != nil {
			for _, x := range inherited {
				x.ln.Close()
			}
			return nil, nil, err
		}
		inherited = append(inherited, activatedEndpoint{ep, ln})
	}
	for i, ep := range eps {
		if !taken[i] {
			rest = append(rest, ep)
		}
	}
	return inherited, rest, nil
}

// activatedEndpoint is an endpoint served on an inherited socket.
type activatedEndpoint struct {
	ep endpoint
	ln net.Listener
}

// knownName reports whether a socket name chooses an endpoint or protocol.
func knownName(name string) bool {
	switch name {
	case protoXMLRPC, protoHTTP, protoRelocation, protoMigrate,
		"xmlrpc-unix", "xmlrpc-tcp", "http-unix", "http-tcp", "relocation-tcp", "relocation-tls", "migrate-tcp":
		return true
	}
	return false
}

// sameAddr reports whether an inherited socket's address is the endpoint's.
// UNIX paths are compared after resolving symbolic links in their
// directories (/var/run is usually a link to /run).
func sameAddr(ep endpoint, a net.Addr) bool {
	if ep.addr == a.String() {
		return true
	}
	if ep.network == "unix" {
		return realPath(ep.addr) == realPath(a.String())
	}
	want, err1 := net.ResolveTCPAddr("tcp", ep.addr)
	got, err2 := net.ResolveTCPAddr("tcp", a.String())
	if err1 != nil || err2 != nil || want.Port != got.Port {
		return false
	}
	return want.IP == nil || want.IP.IsUnspecified() && got.IP.IsUnspecified() || want.IP.Equal(got.IP)
}

// realPath resolves symbolic links in the directory part of a socket path.
func realPath(p string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, filepath.Base(p))
}
