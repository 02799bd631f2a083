package xend

import (
	"context"

	"strconv"
	"strings"

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

// SetMemoryTarget sets a domain's balloon target in MiB
// (xend.domain.setMemoryTarget).
func (s *Service) SetMemoryTarget(ctx context.Context, id Ident, mib int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if mib > d.rec.MaxMem && d.rec.UUID != dom0UUID {
		return xendError("memory_dynamic_max must be less than or equal to memory_static_max")
	}
	if d.rec.UUID == dom0UUID && mib < s.opts.Dom0MinMem {
		return xendError("memory_dynamic_max too small")
	}
	if d.active() {
		if err := s.ts.SetMemoryTarget(ctx, d.info.Domid, uint64(mib)*1024); err != nil {
			return tsErr(err)
		}
	}
	d.rec.Memory = mib
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

// SetMaxMem sets a domain's maximum memory in MiB (xend.domain.maxmem_set).
func (s *Service) SetMaxMem(ctx context.Context, id Ident, mib int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if mib < d.rec.Memory {
		return xendError("memory_static_max must be greater than or equal to memory_dynamic_max")
	}
	if d.active() {
		if err := s.ts.SetMemoryMax(ctx, d.info.Domid, uint64(mib)*1024); err != nil {
			return tsErr(err)
		}
	}
	d.rec.MaxMem = mib
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

// SetVCPUCount sets the number of vCPUs (xend.domain.setVCpuCount): on a
// live domain the online count, at most the maximum; on an inactive one
// the maximum itself.
func (s *Service) SetVCPUCount(ctx context.Context, id Ident, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if n <= 0 {
		return xendError("Zero or less VCPUs is invalid")
	}
	if d.active() {
		if n > d.rec.VCPUs {
			return xendError("Cannot set vcpus greater than max vcpus on running domain")
		}
		return tsErr(s.ts.SetVCPUs(ctx, d.info.Domid, n))
	}
	d.rec.VCPUs = n
	for len(d.rec.Cpus) < n {
		d.rec.Cpus = append(d.rec.Cpus, []int{})
	}
	d.rec.Cpus = d.rec.Cpus[:n]
	return s.storeSave(d.rec)
}

// PinVCPU sets the CPUs a vCPU may run on (xend.domain.pincpu): vcpu is a
// number or "all", cpumap a list such as "1,2" or "0-3".
func (s *Service) PinVCPU(ctx context.Context, id Ident, vcpu, cpumap string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	cpus, err := parseCPUList(cpumap)
	if err != nil {
		return err
	}
	var which []int
	if vcpu == "all" {
		for i := 0; i < d.rec.VCPUs; i++ {
			which = append(which, i)
		}
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(vcpu))
		if err != nil {
			return internalError("invalid literal for int() with base 10: '%s'", vcpu)
		}
		which = []int{n}
	}
	if d.active() {
		nr := s.nrCPUs()
		for _, c := range cpus {
			if c >= nr {
				return xendError("Cannot pin vcpu: %s to cpu: %s - (22, 'Invalid argument')", vcpu, pyIntList(cpus))
			}
		}
		for _, v := range which {
			if err := s.ts.PinVCPU(ctx, d.info.Domid, v, toolstack.Bitmap(cpus)); err != nil {
				return xendError("Cannot pin vcpu: %d to cpu: %s - %s", v, pyIntList(cpus), tsText(err))
			}
		}
	}
	for len(d.rec.Cpus) < d.rec.VCPUs {
		d.rec.Cpus = append(d.rec.Cpus, []int{})
	}
	for _, v := range which {
		if v >= 0 && v < len(d.rec.Cpus) {
			d.rec.Cpus[v] = append([]int(nil), cpus...)
		}
	}
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

// pyIntList prints a Python list of ints: [1, 2].
func pyIntList(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// SchedCredit returns a domain's credit scheduler weight and cap
// (xend.domain.sched_credit_get).
func (s *Service) SchedCredit(ctx context.Context, id Ident) (weight, cap int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	if !d.active() {
		return d.rec.CPUWeight, d.rec.CPUCap, nil
	}
	p, err := s.ts.SchedParams(ctx, d.info.Domid)
	if err != nil {
		return 0, 0, tsErr(err)
	}
	weight, cap = d.rec.CPUWeight, d.rec.CPUCap
	if p.Weight != nil {
		weight = *p.Weight
	}
	if p.Cap != nil {
		cap = *p.Cap
	}
	return weight, cap, nil
}

// SetSchedCredit changes the weight and/or cap (nil leaves one as it is)
// (xend.domain.sched_credit_set).
func (s *Service) SetSchedCredit(ctx context.Context, id Ident, weight, cap *int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if weight != nil && (*weight < 1 || *weight > 65535) {
		return xendError("Cpu weight out of range, valid values are within range from 1 to 65535")
	}
	if cap != nil && (*cap < 0 || *cap > 100*d.rec.VCPUs) {
		return xendError("Cpu cap out of range, valid values are within range from 0 to %d for specified domain", 100*d.rec.VCPUs)
	}
	if d.active() {
		if err := s.ts.SetSchedParams(ctx, d.info.Domid, toolstack.SchedParams{Weight: weight, Cap: cap}); err != nil {
			return tsErr(err)
		}
	}
	if weight != nil {
		d.rec.CPUWeight = *weight
	}
	if cap != nil {
		d.rec.CPUCap = *cap
	}
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
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
	return tsErr(s.ts.CoreDump(ctx, d.info.Domid, path, toolstack.DumpOptions{Live: live, Crash: crash, Reset: reset}))
}
