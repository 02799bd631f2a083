package xl

import (
	"context"
	"strconv"

	"github.com/xendshim/xendshim/toolstack"
)

// SetMemoryTarget implements toolstack.Toolstack with `xl mem-set`.
func (b *Backend) SetMemoryTarget(ctx context.Context, id toolstack.Domid, kib uint64) error {
	if kib == 0 {
		return fail(toolstack.ErrInvalid, "mem-set", id, "a memory target of 0 KiB")
	}
	return b.change(ctx, "mem-set", id, "mem-set", did(id), strconv.FormatUint(kib, 10)+"k")
}

// SetMemoryMax implements toolstack.Toolstack with `xl mem-max`. A maximum
// below the current target is refused before xl runs; the new maximum is
// also written to xenstore's memory/static-max when xl did not (before 4.17).
func (b *Backend) SetMemoryMax(ctx context.Context, id toolstack.Domid, kib uint64) error {
	const op = "mem-max"
	if kib == 0 {
		return fail(toolstack.ErrInvalid, op, id, "a memory maximum of 0 KiB")
	}
	if t := b.xsRead(ctx, "/local/domain/"+did(id)+"/memory/target"); t != "" {
		if target, err := strconv.ParseUint(t, 10, 64); err == nil && kib < target {
			return fail(toolstack.ErrInvalid, op, id, "maximum %d KiB is below the current target %d KiB", kib, target)
		}
	}
	if err := b.change(ctx, op, id, "mem-max", did(id), strconv.FormatUint(kib, 10)+"k"); err != nil {
		return err
	}
	// libxl before 4.17 sets the hypervisor limit but leaves
	// memory/static-max, which later mem-set calls check against; record
	// the new maximum there as xend did.
	path := "/local/domain/" + did(id) + "/memory/static-max"
	if xs := b.store(); xs != nil && b.xsRead(ctx, path) != strconv.FormatUint(kib, 10) {
		if err := xs.Write(ctx, path, strconv.FormatUint(kib, 10)); err != nil {
			return wrapClass(toolstack.ErrBadState, op, id, err)
		}
	}
	return nil
}

// SetVCPUs implements toolstack.Toolstack with `xl vcpu-set --ignore-host`
// (xend let a guest have more vCPUs than the host has CPUs).
func (b *Backend) SetVCPUs(ctx context.Context, id toolstack.Domid, n int) error {
	const op = "vcpu-set"
	d, err := b.Domain(ctx, id)
	if err != nil {
		return err
	}
	if n < 1 || n > d.MaxVCPUs {
		return fail(toolstack.ErrInvalid, op, id, "%d vCPUs; the domain allows 1..%d", n, d.MaxVCPUs)
	}
	return b.change(ctx, op, id, "vcpu-set", "--ignore-host", did(id), strconv.Itoa(n))
}

// PinVCPU implements toolstack.Toolstack with `xl vcpu-pin`.
func (b *Backend) PinVCPU(ctx context.Context, id toolstack.Domid, vcpu int, hard toolstack.Bitmap) error {
	const op = "vcpu-pin"
	which := "all"
	if vcpu >= 0 {
		which = strconv.Itoa(vcpu)
	} else if vcpu != -1 {
		return fail(toolstack.ErrInvalid, op, id, "vCPU %d: want a vCPU number or -1 for all", vcpu)
	}
	d, err := b.Domain(ctx, id)
	if err != nil {
		return err
	}
	if vcpu >= d.MaxVCPUs {
		return fail(toolstack.ErrInvalid, op, id, "vCPU %d does not exist (the domain has %d)", vcpu, d.MaxVCPUs)
	}
	ncpu, _, err := b.hostFacts(ctx)
	if err != nil {
		return err
	}
	for _, c := range hard {
		if c < 0 || c >= ncpu {
			return fail(toolstack.ErrInvalid, op, id, "CPU %d does not exist (the host has %d)", c, ncpu)
		}
	}
	return b.change(ctx, op, id, "vcpu-pin", did(id), which, FormatCPUList(hard))
}

// hostFacts returns the host's CPU count and memory (KiB), from the last
// xl info or a new one.
func (b *Backend) hostFacts(ctx context.Context) (int, uint64, error) {
	b.schedMu.Lock()
	n, kb := b.nrCPUs, b.totalKB
	b.schedMu.Unlock()
	if n > 0 {
		return n, kb, nil
	}
	h, err := b.HostInfo(ctx)
	if err != nil {
		return 0, 0, err
	}
	return h.Phys.NrCPUs, h.Phys.TotalMemKB, nil
}

func (b *Backend) hostScheduler(ctx context.Context) (string, error) {
	b.schedMu.Lock()
	name := b.schedName
	b.schedMu.Unlock()
	if name != "" {
		return name, nil
	}
	h, err := b.HostInfo(ctx)
	if err != nil {
		return "", err
	}
	return h.Sched.Name, nil
}

// SchedParams implements toolstack.Toolstack with `xl sched-credit -d` or
// `xl sched-credit2 -d` (whichever the host runs). Other schedulers give
// ErrUnsupported.
func (b *Backend) SchedParams(ctx context.Context, id toolstack.Domid) (toolstack.SchedParams, error) {
	const op = "sched params"
	sched, err := b.hostScheduler(ctx)
	if err != nil {
		return toolstack.SchedParams{}, err
	}
	if sched != "credit" && sched != "credit2" {
		return toolstack.SchedParams{}, fail(toolstack.ErrUnsupported, op, id, "host scheduler %q has no weight or cap", sched)
	}
	res, err := b.xl(ctx, op, id, "sched-"+sched, "-d", did(id))
	if err != nil {
		return toolstack.SchedParams{}, err
	}
	rows, err := ParseSched(res.Stdout)
	if err != nil || len(rows) != 1 {
		return toolstack.SchedParams{}, wrapClass(toolstack.ErrBadState, op, id, err)
	}
	w := rows[0].Weight
	p := toolstack.SchedParams{Sched: sched, Weight: &w}
	if rows[0].Cap >= 0 {
		c := rows[0].Cap
		p.Cap = &c
	}
	return p, nil
}

// SetSchedParams implements toolstack.Toolstack with `xl sched-credit*
// -d ID -w W -c C`.
func (b *Backend) SetSchedParams(ctx context.Context, id toolstack.Domid, p toolstack.SchedParams) error {
	const op = "set sched params"
	sched, err := b.hostScheduler(ctx)
	if err != nil {
		return err
	}
	if p.Sched != "" && p.Sched != sched {
		return fail(toolstack.ErrUnsupported, op, id, "the host runs the %s scheduler, not %s", sched, p.Sched)
	}
	if sched != "credit" && sched != "credit2" {
		return fail(toolstack.ErrUnsupported, op, id, "host scheduler %q has no weight or cap", sched)
	}
	args := []string{"sched-" + sched, "-d", did(id)}
	if p.Weight != nil {
		if *p.Weight < 1 || *p.Weight > 65535 {
			return fail(toolstack.ErrInvalid, op, id, "weight %d is outside 1..65535", *p.Weight)
		}
		args = append(args, "-w", strconv.Itoa(*p.Weight))
	}
	if p.Cap != nil {
		d, err := b.Domain(ctx, id)
		if err != nil {
			return err
		}
		if *p.Cap < 0 || *p.Cap > 100*max(d.MaxVCPUs, 1) {
			return fail(toolstack.ErrInvalid, op, id, "cap %d is outside 0..%d", *p.Cap, 100*max(d.MaxVCPUs, 1))
		}
		args = append(args, "-c", strconv.Itoa(*p.Cap))
	}
	if len(args) == 3 {
		return nil
	}
	return b.change(ctx, op, id, args...)
}
