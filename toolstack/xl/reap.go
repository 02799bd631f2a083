package xl

import (
	"context"
	"sync"

	"github.com/xendshim/xendshim/toolstack"
)

// unmonitored remembers domains no xl monitor watches: those created with
// Options.NoMonitor, and those whose `xl create`/`xl restore` exited 3
// because the monitor died. When such a domain shuts down nobody applies
// its on_poweroff/on_reboot/on_crash action, so the backend does it the
// next time it lists domains (reap).
type unmonitored struct {
	mu  sync.Mutex
	ids map[toolstack.Domid]bool
}

func (u *unmonitored) add(id toolstack.Domid) {
	u.mu.Lock()
	if u.ids == nil {
		u.ids = map[toolstack.Domid]bool{}
	}
	u.ids[id] = true
	u.mu.Unlock()
}

func (u *unmonitored) has(id toolstack.Domid) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ids[id]
}

func (u *unmonitored) drop(id toolstack.Domid) {
	u.mu.Lock()
	delete(u.ids, id)
	u.mu.Unlock()
}

// reapAction returns what libxl's monitor would do for a shutdown reason:
// the configured action or libxl's default.
func reapAction(cfg *toolstack.DomainConfig, r toolstack.ShutdownReason) toolstack.Action {
	var a toolstack.Action
	def := toolstack.ActionDestroy
	switch r {
	case toolstack.ReasonPoweroff:
		a = cfg.OnPoweroff
	case toolstack.ReasonReboot:
		a, def = cfg.OnReboot, toolstack.ActionRestart
	case toolstack.ReasonCrash:
		a = cfg.OnCrash
	case toolstack.ReasonWatchdog:
		a = cfg.OnWatchdog
	case toolstack.ReasonSoftReset:
		a, def = cfg.OnSoftReset, toolstack.ActionSoftReset
	default:
		return toolstack.ActionPreserve // suspend: the saver deals with it
	}
	if a == "" {
		a = def
	}
	return a
}

// reap applies the shutdown action of every unmonitored domain that has
// shut down. It returns the domids it destroyed. Failures are logged: the
// listing that triggered it must not fail because of them.
func (b *Backend) reap(ctx context.Context, doms []toolstack.DomainInfo) map[toolstack.Domid]bool {
	gone := map[toolstack.Domid]bool{}
	for _, d := range doms {
		if d.Domid == 0 || d.State&toolstack.StateShutdown == 0 || !b.unmon.has(d.Domid) {
			continue
		}
		cfg, err := b.DomainConfig(ctx, d.Domid)
		if err != nil {
			b.opts.Logf("xl backend: domain %d (%s) shut down without an xl monitor; its config is unreadable: %v", d.Domid, d.Name, err)
			continue
		}
		action := reapAction(cfg, d.ShutdownReason)
		b.opts.Logf("xl backend: domain %d (%s) shut down (%s) without an xl monitor; applying %q as xl would", d.Domid, d.Name, d.ShutdownReason, action)
		switch action {
		case toolstack.ActionDestroy, toolstack.ActionCoredumpDestroy:
			if err := b.Destroy(ctx, d.Domid); err != nil {
				b.opts.Logf("xl backend: destroy of %d: %v", d.Domid, err)
				continue
			}
			gone[d.Domid] = true
			b.unmon.drop(d.Domid)
		case toolstack.ActionRestart, toolstack.ActionRestartRename, toolstack.ActionCoredumpRestart:
			if err := b.Destroy(ctx, d.Domid); err != nil {
				b.opts.Logf("xl backend: destroy of %d for restart: %v", d.Domid, err)
				continue
			}
			gone[d.Domid] = true
			b.unmon.drop(d.Domid)
			cfg.CInfo.Domid = 0
			if nid, err := b.Create(ctx, cfg); err != nil {
				b.opts.Logf("xl backend: restart of %s: %v", d.Name, err)
			} else if err := b.Unpause(ctx, nid); err != nil {
				b.opts.Logf("xl backend: unpause of restarted %s (%d): %v", d.Name, nid, err)
			}
		}
	}
	return gone
}
