package relocation

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// Peer is a configured migration destination.
type Peer struct {
	// Name is the receiver's identity name (its certificate's
	// xendshim://host/<Name>, its pin's or PSK's key).
	Name string
	// Addr is HOST:PORT of its migrate-receive listener.
	Addr string
}

// XendMigrator carries xend's migrate requests (xend.domain.migrate over
// XML-RPC, op=migrate over HTTP/SXP, xm migrate, libvirt's legacy driver)
// onto XMP/1 (specs/migration.md §3.4, "Local API mapping"). Only
// configured peers are reachable, so an old local client cannot send a
// domain to an arbitrary host (T12).
type XendMigrator struct {
	Sender *Sender
	// Peers maps what clients name as the destination (host name or
	// address, as typed to xm migrate or virsh) to the peer.
	Peers map[string]Peer
}

// Migrate sends domain id to dst as xend.domain.migrate asked. xend's port
// (0, 8002 or 8003) and ssl flag are ignored: the transport is always TLS
// on the peer's configured port; any other port replaces it. node is an
// advisory NUMA hint (not used yet). changeHome asks the receiver to keep
// the domain as managed (needs may_persist). Errors read like xend's
// (no single quotes, which xend senders' parsers drop).
func (m *XendMigrator) Migrate(ctx context.Context, id toolstack.Domid, dst string, port int, live, changeHome bool) error {
	host := dst
	if strings.HasPrefix(host, "xenmigr://") { // libvirt's URI form
		host = strings.TrimSuffix(strings.TrimPrefix(host, "xenmigr://"), "/")
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		host = h
		if n, err := strconv.Atoi(p); err == nil && port == 0 {
			port = n
		}
	}
	peer, ok := m.Peers[host]
	if !ok {
		return fmt.Errorf("%s is not a configured migration peer of this host (add it to the migration peers)", host)
	}
	addr := peer.Addr
	if port != 0 && port != 8002 && port != 8003 {
		h, _, err := net.SplitHostPort(addr)
		if err != nil {
			h = addr
		}
		addr = net.JoinHostPort(h, strconv.Itoa(port))
	}
	_, err := m.Sender.Migrate(ctx, id, peer.Name, addr, Options{Live: live, Persist: changeHome})
	if err != nil {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "'", ""))
	}
	return nil
}
