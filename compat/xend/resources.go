package xend

import (
	"context"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// Resource settings of a domain: memory, vCPUs, pinning, scheduler.

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
		// XendConfig._memory_sanity_check.
		return configError("memory_dynamic_max must be less than or equal to memory_static_max")
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
		// _safe_set_memory's sanity check.
		return configError("memory_static_max must be greater than or equal to memory_dynamic_max")
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
		if err := s.ts.SetVCPUs(ctx, d.info.Domid, n); err != nil {
			return tsErr(err)
		}
		d.rec.VCPUAvail = 1<<uint(n) - 1
		return nil
	}
	d.rec.VCPUs = n
	d.rec.VCPUAvail = 0
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

// ShadowMemory returns a domain's shadow memory in MiB
// (xend.domain.shadow_mem_get), as configured.
func (s *Service) ShadowMemory(ctx context.Context, id Ident) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return 0, err
	}
	return d.rec.ShadowMemory, nil
}
