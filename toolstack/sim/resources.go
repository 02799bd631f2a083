package sim

import (
	"context"
	"os"

	"github.com/xendshim/xendshim/toolstack"
)

var osStat = os.Stat

// SetMemoryTarget implements toolstack.Toolstack. The change takes
// effect at once: the domain holds exactly its target.
func (s *Sim) SetMemoryTarget(ctx context.Context, id toolstack.Domid, kib uint64) error {
	if err := s.begin(ctx, "SetMemoryTarget"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "set memory target"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if kib == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "a memory target of 0 is not allowed")
	}
	if kib > d.MaxMemKB {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "target %d KiB is above the maximum %d KiB", kib, d.MaxMemKB)
	}
	if kib > d.CurMemKB {
		if need, free := kib-d.CurMemKB, s.freeMemKB(); need > free {
			return toolstack.Errorf(toolstack.ErrNoMemory, op, id, "need %d KiB more, host has %d KiB free", need, free)
		}
	}
	oldCur, oldTarget := d.CurMemKB, d.TargetMemKB
	d.CurMemKB, d.TargetMemKB = kib, kib
	return s.commit(op, d, func() { d.CurMemKB, d.TargetMemKB = oldCur, oldTarget })
}

// SetMemoryMax implements toolstack.Toolstack.
func (s *Sim) SetMemoryMax(ctx context.Context, id toolstack.Domid, kib uint64) error {
	if err := s.begin(ctx, "SetMemoryMax"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "set memory maximum"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if kib < d.TargetMemKB {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "maximum %d KiB is below the current target %d KiB", kib, d.TargetMemKB)
	}
	old := d.MaxMemKB
	d.MaxMemKB = kib
	return s.commit(op, d, func() { d.MaxMemKB = old })
}

// SetVCPUs implements toolstack.Toolstack. The config's avail_vcpus
// always changes; the online count changes only when guests hot-plug
// vCPUs (the GuestsHotplugVCPUs knob), as the reference host's guests did
// not.
func (s *Sim) SetVCPUs(ctx context.Context, id toolstack.Domid, n int) error {
	if err := s.begin(ctx, "SetVCPUs"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "set vcpus"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if n < 1 || n > d.maxVCPUs() {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "Cannot set vcpus greater than max vcpus on running domain (asked %d, max %d)", n, d.maxVCPUs())
	}
	s.accrue(d, s.now())
	oldAvail, oldOnline := d.Config.BInfo.AvailVCPUs, d.OnlineVCPUs
	avail := make(toolstack.Bitmap, n)
	for i := range avail {
		avail[i] = i
	}
	d.Config.BInfo.AvailVCPUs = avail
	if s.prof.Sim.GuestsHotplugVCPUs {
		d.OnlineVCPUs = n
	}
	return s.commit(op, d, func() { d.Config.BInfo.AvailVCPUs, d.OnlineVCPUs = oldAvail, oldOnline })
}

// PinVCPU implements toolstack.Toolstack.
func (s *Sim) PinVCPU(ctx context.Context, id toolstack.Domid, vcpu int, hard toolstack.Bitmap) error {
	if err := s.begin(ctx, "PinVCPU"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "pin vcpu"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if vcpu < -1 || vcpu >= d.maxVCPUs() {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "vCPU %d does not exist (the domain has %d)", vcpu, d.maxVCPUs())
	}
	hard = hard.Normalized()
	for _, c := range hard {
		if c < 0 || c >= s.prof.Physinfo.NrCPUs {
			return toolstack.Errorf(toolstack.ErrInvalid, op, id, "Cannot pin vcpu: %d to cpu: %v - (22, 'Invalid argument')", vcpu, []int(hard))
		}
	}
	if len(hard) == s.prof.Physinfo.NrCPUs {
		hard = nil // all CPUs
	}
	oldAff := append([]toolstack.Bitmap(nil), d.Affinity...)
	oldCfg := d.Config.BInfo.VCPUHardAffinity
	for i := range d.Affinity {
		if vcpu == -1 || i == vcpu {
			d.Affinity[i] = hard
		}
	}
	// The config keeps one map per vCPU once any is pinned.
	var cfgAff []toolstack.Bitmap
	for _, a := range d.Affinity {
		if a != nil {
			cfgAff = make([]toolstack.Bitmap, len(d.Affinity))
			for i, m := range d.Affinity {
				if m == nil {
					m = allCPUs(s.prof.Physinfo.NrCPUs)
				}
				cfgAff[i] = m
			}
			break
		}
	}
	d.Config.BInfo.VCPUHardAffinity = cfgAff
	d.Config.BInfo.CPUMap = nil
	return s.commit(op, d, func() { d.Affinity, d.Config.BInfo.VCPUHardAffinity = oldAff, oldCfg })
}

func allCPUs(n int) toolstack.Bitmap {
	b := make(toolstack.Bitmap, n)
	for i := range b {
		b[i] = i
	}
	return b
}

// SchedParams implements toolstack.Toolstack.
func (s *Sim) SchedParams(ctx context.Context, id toolstack.Domid) (toolstack.SchedParams, error) {
	if err := s.begin(ctx, "SchedParams"); err != nil {
		return toolstack.SchedParams{}, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("sched params", id)
	if err != nil {
		return toolstack.SchedParams{}, err
	}
	return s.schedOf(d), nil
}

// SetSchedParams implements toolstack.Toolstack. The credit and credit2
// schedulers take weight and cap.
func (s *Sim) SetSchedParams(ctx context.Context, id toolstack.Domid, p toolstack.SchedParams) error {
	if err := s.begin(ctx, "SetSchedParams"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "set sched params"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if p.Sched != "" && p.Sched != s.prof.Scheduler.Name {
		return toolstack.Errorf(toolstack.ErrUnsupported, op, id, "the host runs the %s scheduler, not %s", s.prof.Scheduler.Name, p.Sched)
	}
	if err := s.checkSched(op, id, p, d.maxVCPUs()); err != nil {
		return err
	}
	ow, oc := d.Weight, d.Cap
	if p.Weight != nil {
		d.Weight = *p.Weight
	}
	if p.Cap != nil {
		d.Cap = *p.Cap
	}
	return s.commit(op, d, func() { d.Weight, d.Cap = ow, oc })
}

// checkSched validates scheduler parameters for a domain with vcpus vCPUs.
func (s *Sim) checkSched(op string, dom any, p toolstack.SchedParams, vcpus int) error {
	switch s.prof.Scheduler.Name {
	case "credit", "credit2":
	default:
		if p.Weight != nil || p.Cap != nil {
			return toolstack.Errorf(toolstack.ErrUnsupported, op, dom, "the %s scheduler has no weight or cap", s.prof.Scheduler.Name)
		}
	}
	if p.Period != nil || p.Slice != nil || p.Latency != nil || p.Extratime != nil || p.Budget != nil {
		return toolstack.Errorf(toolstack.ErrUnsupported, op, dom, "the %s scheduler takes only weight and cap", s.prof.Scheduler.Name)
	}
	if p.Weight != nil && (*p.Weight < 1 || *p.Weight > 65535) {
		return toolstack.Errorf(toolstack.ErrInvalid, op, dom, "weight %d is outside 1..65535", *p.Weight)
	}
	if p.Cap != nil && (*p.Cap < 0 || *p.Cap > 100*vcpus) {
		return toolstack.Errorf(toolstack.ErrInvalid, op, dom, "cap %d is outside 0..%d (100 per vCPU)", *p.Cap, 100*vcpus)
	}
	return nil
}
