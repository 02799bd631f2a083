package listener

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"
)

// reverseLookupTimeout bounds the PTR lookup done for each connection.
const reverseLookupTimeout = 2 * time.Second

// HostsAllow filters accepted connections through xend's
// xend-relocation-hosts-allow patterns (migration.md §1.2). It is weak and
// kept only for compatibility: see the package documentation.
type HostsAllow struct {
	net.Listener
	patterns []*regexp.Regexp
	// LookupAddr returns the host names of an IP (reverse DNS). Nil means
	// net.DefaultResolver.LookupAddr.
	LookupAddr func(ctx context.Context, ip string) ([]string, error)
	// Log receives one warning per rejected connection; nil discards.
	Log *slog.Logger
}

// NewHostsAllow wraps ln with the space-separated pattern list spec. An empty
// spec admits everyone (xend's default). Each pattern is matched the way
// Python's re.match did: anchored at the start only, against the peer's IP
// text and against each of its reverse-DNS names. Patterns use Go's RE2
// syntax, which covers what real configs use; a pattern RE2 cannot compile
// (such as a look-ahead) is an error naming it. Unlike xend, runs of spaces do
// not create an empty pattern that admits everyone.
func NewHostsAllow(ln net.Listener, spec string) (*HostsAllow, error) {
	h := &HostsAllow{Listener: ln}
	for _, p := range strings.Fields(spec) {
		re, err := regexp.Compile(`^(?:` + p + `)`)
		if err != nil {
			return nil, fmt.Errorf("listener: hosts-allow pattern %q: %w", p, err)
		}
		h.patterns = append(h.patterns, re)
	}
	return h, nil
}

// Accept implements net.Listener. It returns the next connection whose peer
// matches a pattern and closes the others without a reply, as xend did.
func (h *HostsAllow) Accept() (net.Conn, error) {
	for {
		c, err := h.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if len(h.patterns) == 0 {
			return c, nil
		}
		ok, names := h.allowed(c.RemoteAddr())
		if ok {
			return c, nil
		}
		if h.Log != nil {
			h.Log.Warn("rejected connection", "peer", c.RemoteAddr().String(), "names", names)
		}
		c.Close()
	}
}

// Allowed reports whether a peer with this IP text and these names passes.
func (h *HostsAllow) Allowed(ip string, names []string) bool {
	if len(h.patterns) == 0 {
		return true
	}
	for _, re := range h.patterns {
		if re.MatchString(ip) {
			return true
		}
		for _, n := range names {
			if re.MatchString(n) {
				return true
			}
		}
	}
	return false
}

func (h *HostsAllow) allowed(addr net.Addr) (bool, []string) {
	ip := addr.String()
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	lookup := h.LookupAddr
	if lookup == nil {
		lookup = net.DefaultResolver.LookupAddr
	}
	ctx, cancel := context.WithTimeout(context.Background(), reverseLookupTimeout)
	defer cancel()
	raw, _ := lookup(ctx, ip) // no reverse name: match the IP only
	names := make([]string, 0, len(raw))
	for _, n := range raw {
		names = append(names, strings.TrimSuffix(n, "."))
	}
	return h.Allowed(ip, names), names
}
