package xend

import (
	"context"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// Power states as xend numbered them (Xen-API power state, §6.3).
const (
	statusHalted    = 0
	statusPaused    = 1
	statusRunning   = 2
	statusSuspended = 3
	statusCrashed   = 5
)

// statusNames maps state filter names to status numbers.
var statusNames = map[string]int{"halted": 0, "paused": 1, "running": 2, "suspended": 3, "crashed": 5, "unknown": 6}

// status returns the power state of d (§6.3).
func (s *Service) status(d *domain) int {
	if d.statusSet {
		return d.status
	}
	if d.info == nil || d.info.State&toolstack.StateShutdown != 0 {
		if s.checkpoints[d.rec.UUID] {
			return statusSuspended
		}
		return statusHalted
	}
	switch {
	case d.info.State&toolstack.StateCrashed != 0:
		return statusCrashed
	case d.info.State&toolstack.StatePaused != 0:
		return statusPaused
	}
	return statusRunning
}

// renderMode selects the variants of a record xend produced at particular
// moments (§6.3).
type renderMode int

const (
	modeNormal   renderMode = iota
	modeCreated             // create reply: built before any refresh
	modeRestored            // restore reply: state flags not read yet
)

// sxpr renders d as xend's sxpr(): full adds the device entries. Caller
// holds s.mu, or owns d outright (see detach).
func (s *Service) sxpr(ctx context.Context, d *domain, full bool, mode renderMode) (sxp.Value, error) {
	r := d.rec
	items := make([]sxp.Value, 0, 40)
	items = append(items, sxp.Atom("domain"))
	if d.active() {
		items = append(items, num("domid", int(d.info.Domid)))
	}
	items = append(items,
		num("cpu_weight", r.CPUWeight),
		num("cpu_cap", r.CPUCap),
		str("pool_name", r.PoolName),
		str("bootloader", r.Bootloader),
		num("vcpus", r.VCPUs))
	if cpus := s.cpusOf(d); len(cpus) > 0 {
		lists := make([]sxp.Value, len(cpus))
		for i, c := range cpus {
			lists[i] = intList(c)
		}
		items = append(items, kv("cpus", sxp.List(lists...)))
	}
	items = append(items, str("on_poweroff", r.OnPoweroff))
	if r.HasDescription {
		items = append(items, str("description", r.Description))
	}
	items = append(items,
		str("on_crash", r.OnCrash),
		str("uuid", r.UUID),
		str("bootloader_args", r.BootloaderArgs),
		str("name", r.Name),
		str("on_reboot", r.OnReboot),
		num("maxmem", r.MaxMem),
		num("memory", r.Memory),
		num("shadow_memory", r.ShadowMemory),
		// The XML-RPC table drops vcpu_avail (fixup_sxpr); the HTTP/SXP
		// interface shows it.
		kv("vcpu_avail", r.vcpuAvailValue()),
		str("features", r.Features),
		str("on_xend_start", r.OnXendStart),
		str("on_xend_stop", r.OnXendStop))
	if d.active() && r.StartTime != 0 {
		items = append(items, kv("start_time", sxp.Float(r.StartTime)))
	}
	if d.active() && mode != modeCreated {
		items = append(items, kv("cpu_time", sxp.Float(float64(d.info.CPUTime)/float64(time.Second))))
		if mode != modeRestored {
			items = append(items, num("online_vcpus", d.info.OnlineVCPUs))
		}
	}
	if r.Cpu >= 0 {
		items = append(items, num("cpu", r.Cpu))
	}
	for _, f := range r.Extra {
		items = append(items, kv(f.key, f.val))
	}
	items = append(items, kv("image", renderImage(&r.Image, r.Built && d.active())))
	items = append(items, num("status", s.status(d)))
	if d.active() {
		state := d.info.State.String()
		if mode != modeNormal {
			state = "------"
		}
		items = append(items, str("state", state))
		if r.Built && d.info.StoreMFN != 0 {
			items = append(items, num("store_mfn", int(d.info.StoreMFN)))
		}
		if r.Built && d.info.ConsoleMFN != 0 {
			items = append(items, num("console_mfn", int(d.info.ConsoleMFN)))
		}
	}
	if full {
		devs, err := s.renderDevices(ctx, d)
		if err != nil {
			return sxp.Value{}, err
		}
		items = append(items, devs...)
	}
	return sxp.List(items...), nil
}

// cpusOf returns the per-vCPU affinity shown in the cpus field: dom0's real
// maps, the configured ones for every other domain.
func (s *Service) cpusOf(d *domain) [][]int {
	if d.rec.UUID != dom0UUID || d.info == nil {
		return d.rec.Cpus
	}
	out := make([][]int, len(d.info.VCPUs))
	for i, v := range d.info.VCPUs {
		out[i] = s.affinity(v.HardAffinity)
	}
	return out
}

// affinity expands an empty bitmap to every host CPU.
func (s *Service) affinity(b toolstack.Bitmap) []int {
	if len(b) > 0 {
		return append([]int(nil), b.Normalized()...)
	}
	n := s.nrCPUs()
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// nrCPUs returns the host's CPU count (cached from HostInfo).
func (s *Service) nrCPUs() int {
	if n := s.hostCPUs.Load(); n > 0 {
		return int(n)
	}
	if hi, err := s.ts.HostInfo(context.Background()); err == nil && hi.Phys.NrCPUs > 0 {
		s.hostCPUs.Store(int64(hi.Phys.NrCPUs))
		return hi.Phys.NrCPUs
	}
	return 1
}

// detach returns a copy of d that can be rendered without the service
// lock: its record is deep-copied and its power state fixed. Caller holds
// s.mu.
func (s *Service) detach(d *domain) *domain {
	return &domain{rec: d.rec.clone(), info: d.info, status: s.status(d), statusSet: true}
}

// clone deep-copies a record.
func (r *vmRecord) clone() *vmRecord {
	c := *r
	c.Cpus = make([][]int, len(r.Cpus))
	for i, a := range r.Cpus {
		c.Cpus[i] = append([]int(nil), a...)
	}
	c.Extra = append([]field(nil), r.Extra...)
	c.Image.Platform = make(map[string]sxp.Value, len(r.Image.Platform))
	for k, v := range r.Image.Platform {
		c.Image.Platform[k] = v
	}
	c.Image.Notes = append([]field(nil), r.Image.Notes...)
	c.Devices = make([]*devRecord, len(r.Devices))
	for i, d := range r.Devices {
		dc := *d
		dc.Cfg = append([]field(nil), d.Cfg...)
		c.Devices[i] = &dc
	}
	return &c
}
