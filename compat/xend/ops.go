package xend

import (
	"context"

	"strconv"

	"github.com/xendshim/xendshim/toolstack"
)

// privileged refuses an operation on dom0 with xend's text; ident is the
// identifier as the caller gave it ("Cannot pause privileged domain 0").
func privileged(d *domain, verb string, id Ident) error {
	if d.active() && d.info.Domid == 0 {
		return xendError("Cannot %s privileged domain %s", verb, id.Text)
	}
	return nil
}

// WaitForDevices blocks until the domain's devices are connected
// (xend.domain.waitForDevices).
func (s *Service) WaitForDevices(ctx context.Context, id Ident) error {
	s.mu.Lock()
	d, err := s.lookup(ctx, id)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if !d.active() {
		return nil
	}
	if err := s.ts.WaitForDevices(ctx, d.info.Domid); err != nil {
		return xendError("Device could not be connected. Hotplug scripts not working: %s", tsText(err))
	}
	return nil
}

// Pause pauses a running domain and returns the power state it had
// (xend.domain.pause returns it when asked to).
func (s *Service) Pause(ctx context.Context, id Ident) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := privileged(d, "pause", id); err != nil {
		return 0, err
	}
	if !d.active() {
		return 0, xendError("Domain '%s' is not started", id.Text)
	}
	prev := s.status(d)
	return prev, tsErr(s.ts.Pause(ctx, d.info.Domid))
}

// Unpause resumes a paused domain (xend.domain.unpause).
func (s *Service) Unpause(ctx context.Context, id Ident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "unpause", id); err != nil {
		return err
	}
	if !d.active() {
		return xendError("Domain '%s' is not started", id.Text)
	}
	return tsErr(s.ts.Unpause(ctx, d.info.Domid))
}

// PauseFlag returns whether the domain is paused; ok is false for an
// unknown domain (xend.domain.getpauseflag answers nil then).
func (s *Service) PauseFlag(ctx context.Context, id Ident) (paused, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return false, false
	}
	return d.active() && d.info.State&toolstack.StatePaused != 0, true
}

// Destroy kills a domain at once (xend.domain.destroy). An identifier xend
// does not track falls back to a raw domid (§4).
func (s *Service) Destroy(ctx context.Context, id Ident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "destroy", id); err != nil {
		return err
	}
	if !d.active() {
		return nil
	}
	if err := s.ts.Destroy(ctx, d.info.Domid); err != nil {
		return tsErr(err)
	}
	_, err = s.refresh(ctx)
	return err
}

// Shutdown asks a domain to shut down; reason is poweroff, reboot,
// suspend, crash or halt (xend.domain.shutdown).
func (s *Service) Shutdown(ctx context.Context, id Ident, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	req := toolstack.ShutdownRequest(reason)
	if !req.Valid() {
		return xendError("Invalid reason: %s", reason)
	}
	if d.active() && d.info.Domid == 0 {
		return xendError("Domain 0 cannot be shutdown")
	}
	if !d.active() || d.info.State&(toolstack.StateShutdown|toolstack.StateDying) != 0 {
		return xendError("Domain cannot be shutdown")
	}
	return tsErr(s.ts.Shutdown(ctx, d.info.Domid, req))
}

// Reset hard-resets a domain (xend.domain.reset).
func (s *Service) Reset(ctx context.Context, id Ident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "reset", id); err != nil {
		return err
	}
	if !d.active() {
		return xendError("Domain '%s' is not started", id.Text)
	}
	_, err = s.ts.Reset(ctx, d.info.Domid)
	return tsErr(err)
}

// SetName renames a domain (xend.domain.setName).
func (s *Service) SetName(ctx context.Context, id Ident, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if name == "" {
		return xendError("Missing VM Name")
	}
	if !validName(name) {
		return xendError("Invalid VM Name")
	}
	snap, _ := s.refresh(ctx)
	if other, err := s.find(snap, Name(name)); err == nil && other.rec != d.rec {
		if other.active() {
			return xendError("VM name '%s' already exists as domain %d", name, other.info.Domid)
		}
		return xendError("VM name '%s' already exists", name)
	}
	if d.active() {
		if err := s.ts.Rename(ctx, d.info.Domid, name); err != nil {
			return tsErr(err)
		}
	}
	d.rec.Name = name
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

// SendSysrq sends a magic SysRq key (xend.domain.send_sysrq); key must be
// one character (fault 1 otherwise, as Python's ord() failed).
func (s *Service) SendSysrq(ctx context.Context, id Ident, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if len(key) != 1 {
		return internalError("%s is not convertible to a character", key)
	}
	if !d.active() {
		return xendError("Domain '%s' is not started", id.Text)
	}
	return tsErr(s.ts.SendSysrq(ctx, d.info.Domid, key[0]))
}

// SendTrigger injects a trigger (nmi reset init power s3resume) on a vCPU
// (xend.domain.send_trigger).
func (s *Service) SendTrigger(ctx context.Context, id Ident, trigger string, vcpu int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	t := toolstack.Trigger(trigger)
	if !t.Valid() || t == toolstack.TriggerSleep {
		return xendError("Invalid trigger: %s", trigger)
	}
	if !d.active() {
		return xendError("Domain '%s' is not started", id.Text)
	}
	return tsErr(s.ts.SendTrigger(ctx, d.info.Domid, t, vcpu))
}

// RestartCount returns xend's restart counter of a domain
// (xend.domain.getRestartCount): "0" unless the domain restarted.
func (s *Service) RestartCount(ctx context.Context, id Ident) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookup(ctx, id); err != nil {
		return "", err
	}
	return "0", nil
}

// Dump writes a core dump of a domain (xend.domain.dump); filename nil
// means xend's default under /var/lib/xen/dump.
func (s *Service) Dump(ctx context.Context, id Ident, filename any, live, crash, reset bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "dump core for", id); err != nil {
		return err
	}
	if !d.active() {
		return xendError("Domain '%s' is not started", id.Text)
	}
	path := "/var/lib/xen/dump/" + d.rec.Name + "." + strconv.Itoa(int(d.info.Domid)) + ".core"
	if filename != nil {
		path = pyStr(filename)
	}
	if err := s.ts.CoreDump(ctx, d.info.Domid, path, toolstack.DumpOptions{Live: live, Crash: crash, Reset: reset}); err != nil {
		// XendDomainInfo.dumpCore's XendError.
		return xendError("Failed to dump core: %s", tsText(err))
	}
	return nil
}
