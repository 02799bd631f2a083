package sim

import (
	"context"

	"github.com/xendshim/xendshim/toolstack"
)

// Shutdown implements toolstack.Toolstack. On the reference host guests
// ignore poweroff, reboot, halt and crash requests and suspend at once;
// with the GuestsObeyShutdown knob they act and the domain's on_* action
// follows.
func (s *Sim) Shutdown(ctx context.Context, id toolstack.Domid, req toolstack.ShutdownRequest) error {
	if err := s.begin(ctx, "Shutdown"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.shutdown("shutdown", id, req)
}

// Reboot implements toolstack.Toolstack.
func (s *Sim) Reboot(ctx context.Context, id toolstack.Domid) error {
	if err := s.begin(ctx, "Reboot"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.shutdown("reboot", id, toolstack.RequestReboot)
}

func (s *Sim) shutdown(op string, id toolstack.Domid, req toolstack.ShutdownRequest) error {
	if !req.Valid() {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "unknown shutdown reason %q; want poweroff, reboot, suspend, crash or halt", req)
	}
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if id == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "Domain 0 cannot be shutdown")
	}
	if d.Shutdown || d.Crashed {
		return toolstack.Errorf(toolstack.ErrBadState, op, id, "domain is already shut down (%s)", d.state())
	}
	now := s.now()
	s.accrue(d, now)
	var reason toolstack.ShutdownReason
	switch req {
	case toolstack.RequestSuspend:
		if !s.prof.Guest.SuspendOnRequest && !s.prof.Sim.GuestsObeyShutdown {
			return nil
		}
		reason = toolstack.ReasonSuspend
	case toolstack.RequestPoweroff, toolstack.RequestHalt:
		reason = toolstack.ReasonPoweroff
	case toolstack.RequestReboot:
		reason = toolstack.ReasonReboot
	case toolstack.RequestCrash:
		reason = toolstack.ReasonCrash
	}
	if reason != toolstack.ReasonSuspend && !s.prof.Sim.GuestsObeyShutdown {
		return nil // the guest ignores the request
	}
	if d.Paused && reason != toolstack.ReasonSuspend {
		// A paused guest cannot see the request until unpaused; it stays
		// pending in xenstore. The simulator drops it.
		return nil
	}
	return s.guestShutdown(op, d, reason)
}

// guestShutdown is the guest going down for reason: apply the domain's
// action. Caller holds s.mu.
func (s *Sim) guestShutdown(op string, d *domain, reason toolstack.ShutdownReason) error {
	var action toolstack.Action
	c := d.Config
	switch reason {
	case toolstack.ReasonSuspend:
		action = toolstack.ActionPreserve
	case toolstack.ReasonPoweroff:
		action = orAction(c.OnPoweroff, toolstack.ActionDestroy)
	case toolstack.ReasonReboot:
		action = orAction(c.OnReboot, toolstack.ActionRestart)
	case toolstack.ReasonCrash:
		action = orAction(c.OnCrash, toolstack.ActionDestroy)
	case toolstack.ReasonWatchdog:
		action = orAction(c.OnWatchdog, toolstack.ActionDestroy)
	default:
		action = orAction(c.OnSoftReset, toolstack.ActionRestart)
	}
	switch action {
	case toolstack.ActionDestroy, toolstack.ActionCoredumpDestroy:
		return s.destroy(op, d)
	case toolstack.ActionRestart, toolstack.ActionRestartRename, toolstack.ActionCoredumpRestart, toolstack.ActionSoftReset:
		_, err := s.reset(op, d, false)
		return err
	}
	// preserve: the domain stays, shut down (or crashed).
	if reason == toolstack.ReasonCrash {
		d.Crashed = true
		return s.commit(op, d, func() { d.Crashed = false })
	}
	d.Shutdown, d.Reason = true, reason
	return s.commit(op, d, func() { d.Shutdown = false })
}

func orAction(a, def toolstack.Action) toolstack.Action {
	if a == "" {
		return def
	}
	return a
}

// Destroy implements toolstack.Toolstack.
func (s *Sim) Destroy(ctx context.Context, id toolstack.Domid) error {
	if err := s.begin(ctx, "Destroy"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("destroy", id)
	if err != nil {
		return err
	}
	if id == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, "destroy", id, "cannot destroy Domain-0")
	}
	return s.destroy("destroy", d)
}

// destroy removes d and frees its memory. Caller holds s.mu.
func (s *Sim) destroy(op string, d *domain) error {
	if err := s.removeDomainFile(uint32(d.Domid)); err != nil {
		return ioErr(op, d.Domid, err)
	}
	delete(s.doms, d.Domid)
	return nil
}

// Reset implements toolstack.Toolstack: the domain is destroyed and built
// again from its config (same name and UUID, new domid) and left running.
func (s *Sim) Reset(ctx context.Context, id toolstack.Domid) (toolstack.Domid, error) {
	if err := s.begin(ctx, "Reset"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("reset", id)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, toolstack.Errorf(toolstack.ErrInvalid, "reset", id, "cannot reset Domain-0")
	}
	return s.reset("reset", d, false)
}

// reset rebuilds d under a new domid. Caller holds s.mu.
func (s *Sim) reset(op string, d *domain, paused bool) (toolstack.Domid, error) {
	cfg := s.liveConfig(d)
	if err := s.destroy(op, d); err != nil {
		return 0, err
	}
	id, err := s.create(cfg, op, createOpts{})
	if err != nil {
		return 0, err
	}
	if !paused {
		nd := s.doms[id]
		nd.Paused = false
		if err := s.commit(op, nd, nil); err != nil {
			return 0, err
		}
	}
	return id, nil
}
