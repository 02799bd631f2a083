package relocation

import (
	"context"
	"net"
	"strings"

	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// claim reserves a slot for a migration of uuid from peer: one migration
// per UUID, at most maxGlobal on the host and maxPeer from the peer
// (checked and taken under one lock, so two HELLOs cannot both squeeze in).
func (r *Receiver) claim(peer, uuid string, maxGlobal, maxPeer int) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.active == nil {
		r.active, r.busy = map[string]int{}, map[string]bool{}
	}
	if r.busy[strings.ToLower(uuid)] {
		return nil, refuse(xmp.CodeBusy, "a migration of %s is already in progress", uuid)
	}
	if r.total >= maxGlobal {
		return nil, refuse(xmp.CodeBusy, "%d migrations in progress; this host takes at most %d", r.total, maxGlobal)
	}
	if r.active[peer] >= maxPeer {
		return nil, refuse(xmp.CodeQuota, "%d migrations from %s in progress; max_concurrent is %d", r.active[peer], peer, maxPeer)
	}
	r.active[peer]++
	r.busy[strings.ToLower(uuid)] = true
	r.total++
	return func() {
		r.mu.Lock()
		r.active[peer]--
		delete(r.busy, strings.ToLower(uuid))
		r.total--
		r.mu.Unlock()
	}, nil
}

func (r *Receiver) activeFor(peer string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active[peer]
}

// findUUID returns the live domain with this UUID, or nil.
func findUUID(ctx context.Context, ts toolstack.Toolstack, uuid string) (*toolstack.DomainInfo, error) {
	ds, err := ts.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if strings.EqualFold(ds[i].UUID, uuid) {
			return &ds[i], nil
		}
	}
	return nil, nil
}

func (r *Receiver) denied(err error, a *audit) error {
	if d, ok := policy.AsDenial(err); ok {
		a.decision, a.rule = "deny", d.Rule
		return &refusal{code: d.Code, err: err}
	}
	return refuse(xmp.CodePolicy, "%v", err)
}

func (r *Receiver) hook(phase string, c net.Conn) {
	if r.Hook != nil {
		r.Hook(phase, c)
	}
}
