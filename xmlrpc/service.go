package xmlrpc

import (
	"context"
	"net"
)

// Service answers decoded XML-RPC calls. The Server calls it once per request, from
// the connection's goroutine; implementations must be safe for concurrent use.
// *Dispatcher is the usual implementation.
//
// Call returns the result value or an error. A *Fault error (possibly wrapped) is
// sent as that fault; any other error as fault 1 with its text (see EncodeResult).
type Service interface {
	Call(ctx context.Context, method string, args []any) (any, error)
}

var _ Service = (*Dispatcher)(nil)

type peerKey struct{}

// PeerAddr returns the remote address of the connection a call arrived on, when the
// context comes from the Server (nil otherwise). For a UNIX socket it is the
// (usually unnamed) peer address.
func PeerAddr(ctx context.Context) net.Addr {
	a, _ := ctx.Value(peerKey{}).(net.Addr)
	return a
}

// withPeer returns ctx carrying the peer address for PeerAddr.
func withPeer(ctx context.Context, a net.Addr) context.Context {
	return context.WithValue(ctx, peerKey{}, a)
}
