package relocation

import (
	"time"

	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/prepare"
)

// checkPrepared applies prepared mode: a peer whose policy entry says
// prepared = true may send uuid only while store holds a registration of
// it for that peer. The refusal is a policy Denial naming the rule.
func checkPrepared(store *prepare.Store, grant *policy.Peer, a *audit, uuid, peer string) error {
	if !grant.Prepared {
		return nil
	}
	a.rule += " prepared"
	why := "this receiver keeps no registrations (prepared mode)"
	if store != nil {
		err := store.Check(uuid, peer, time.Now())
		if err == nil {
			return nil
		}
		why = err.Error()
	}
	return &policy.Denial{Code: policy.CodePolicy, Rule: a.rule, Fields: []string{why}}
}

// usePrepared uses up the registration a committed migration needed.
func usePrepared(store *prepare.Store, grant *policy.Peer, a *audit, uuid string) {
	if grant.Prepared && store != nil {
		if err := store.Remove(uuid); err != nil && a.err == nil {
			a.err = err
		}
	}
}
