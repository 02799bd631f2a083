package policy

import (
	"fmt"
	"path"
	"strings"
)

// Request is what the sender asks for in HELLO.
type Request struct {
	Name    string
	UUID    string
	MemKB   uint64
	VCPUs   int
	Persist bool
}

// Authorize decides a HELLO from identity id: the peer must be configured,
// allowed to send this domain, within quota, and below its concurrency
// limit (active counts its migrations in progress, this one excluded). It
// returns the grant to confine the config with.
func (p *Policy) Authorize(id string, r Request, active int) (*Peer, error) {
	peer, key := p.Peer(id)
	if peer == nil {
		return nil, &Denial{Code: CodePolicy, Rule: "default deny", Fields: []string{fmt.Sprintf("identity %s has no [peer] entry", id)}}
	}
	rule := "peer " + key
	if !peer.MaySend.matches(r.Name, r.UUID) {
		return nil, &Denial{Code: CodePolicy, Rule: rule + " may_send", Fields: []string{fmt.Sprintf("domain %s (%s) is not in may_send", r.Name, r.UUID)}}
	}
	if r.Persist && !peer.MayPersist {
		return nil, &Denial{Code: CodePolicy, Rule: rule + " may_persist", Fields: []string{"persistent (change_home_server) migration is not granted"}}
	}
	q := peer.Quota
	var over []string
	if q.MaxMemKB > 0 && r.MemKB > q.MaxMemKB {
		over = append(over, fmt.Sprintf("memory %d KiB over max_memkb %d", r.MemKB, q.MaxMemKB))
	}
	if q.MaxVCPUs > 0 && r.VCPUs > q.MaxVCPUs {
		over = append(over, fmt.Sprintf("%d vCPUs over max_vcpus %d", r.VCPUs, q.MaxVCPUs))
	}
	maxc := q.MaxConcurrent
	if maxc == 0 {
		maxc = 1
	}
	if active >= maxc {
		over = append(over, fmt.Sprintf("%d migrations from this peer in progress; max_concurrent is %d", active, maxc))
	}
	if len(over) > 0 {
		return nil, &Denial{Code: CodeQuota, Rule: rule + " quota", Fields: over}
	}
	return peer, nil
}

func (s Selector) matches(name, uuid string) bool {
	for _, u := range s.UUIDs {
		if strings.EqualFold(u, uuid) {
			return true
		}
	}
	for _, g := range s.Names {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}
