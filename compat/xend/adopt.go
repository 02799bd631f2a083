package xend

import (
	"context"
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// adopt builds xend's record for a live domain this daemon did not create
// (dom0, or a domain started by xl or found at startup), from what the
// toolstack reports. Caller holds s.mu.
func (s *Service) adopt(ctx context.Context, info *toolstack.DomainInfo) *vmRecord {
	r := &vmRecord{
		UUID:        info.UUID,
		Name:        info.Name,
		CPUWeight:   256,
		PoolName:    "Pool-0",
		VCPUs:       info.MaxVCPUs,
		OnPoweroff:  "destroy",
		OnReboot:    "restart",
		OnCrash:     "restart",
		OnXendStart: "ignore",
		OnXendStop:  "ignore",
		MaxMem:      int(info.MaxMemKB / 1024),
		Memory:      int(info.TargetMemKB / 1024),
		Cpu:         -1,
		Image: imageRecord{Type: "linux", Platform: map[string]sxp.Value{
			"nomigrate": sxp.Int(0), "tsc_mode": sxp.Int(0)}},
	}
	if r.VCPUs == 0 {
		r.VCPUs = info.OnlineVCPUs
	}
	if info.Sched.Weight != nil {
		r.CPUWeight = *info.Sched.Weight
	}
	if info.Sched.Cap != nil {
		r.CPUCap = *info.Sched.Cap
	}
	if info.Domid == 0 {
		return r
	}
	r.HasDescription = true
	r.Cpus = make([][]int, r.VCPUs)
	cfg, err := s.ts.DomainConfig(ctx, info.Domid)
	if err != nil || cfg == nil {
		return r
	}
	if rec := s.recordFromConfig(cfg, info); rec != nil {
		return rec
	}
	if cfg.Type() == toolstack.TypeHVM {
		r.Image.Type = "hvm"
	}
	b := &cfg.BInfo
	r.Image.Kernel, r.Image.Ramdisk, r.Image.Args = b.Kernel, b.Ramdisk, b.Cmdline
	if r.Image.Type == "hvm" {
		r.Image.Kernel = ""
	}
	r.Bootloader = b.Bootloader
	r.BootloaderArgs = strings.Join(b.BootloaderArgs, " ")
	for i, aff := range b.VCPUHardAffinity {
		if i < len(r.Cpus) {
			r.Cpus[i] = append([]int(nil), aff.Normalized()...)
		}
	}
	for _, a := range []struct {
		dst *string
		act toolstack.Action
	}{{&r.OnPoweroff, cfg.OnPoweroff}, {&r.OnReboot, cfg.OnReboot}, {&r.OnCrash, cfg.OnCrash}} {
		if a.act != "" {
			*a.dst = legacyAction(a.act)
		}
	}
	if x := cfg.Xend; x != nil {
		r.Description = x.Description
		if x.OnXendStart != "" {
			r.OnXendStart = x.OnXendStart
		}
		if x.OnXendStop != "" {
			r.OnXendStop = x.OnXendStop
		}
	}
	for i, d := range cfg.Disks {
		mode := "r"
		if d.Readwrite != 0 {
			mode = "w"
		}
		dev := d.Vdev
		if d.IsCDROM != 0 {
			dev += ":cdrom"
		}
		prefix := "file:"
		if d.Backend == "phy" {
			prefix = "phy:"
		}
		rec := &devRecord{Class: "vbd", UUID: s.opts.NewUUID(), Devid: vbdDevid(d.Vdev),
			Cfg: []field{{"uname", sxp.Atom(prefix + d.PdevPath)}, {"dev", sxp.Atom(dev)}, {"mode", sxp.Atom(mode)}}}
		if i == 0 {
			rec.set("bootable", sxp.Int(1))
		}
		r.Devices = append(r.Devices, rec)
	}
	for i, n := range cfg.NICs {
		rec := &devRecord{Class: "vif", UUID: s.opts.NewUUID(), Devid: i}
		if n.Bridge != "" {
			rec.set("bridge", sxp.Atom(n.Bridge))
		}
		if n.MAC != "" {
			rec.set("mac", sxp.Atom(n.MAC))
		}
		r.Devices = append(r.Devices, rec)
	}
	return r
}

// legacyAction spells a libxl shutdown action as xend did.
func legacyAction(a toolstack.Action) string {
	return strings.ReplaceAll(string(a), "_", "-")
}

// recordKey names the XendExtras.Other entry that carries xend's record.
const recordKey = "xendshim_record"

// recordFromConfig rebuilds xend's record of a domain some xendshim
// created, from the copy it left in the toolstack's config; nil if there is
// none. Like xend re-adopting a domain at start, the record has no
// store_mfn, console_mfn or notes (§6.2 rows 29-30).
func (s *Service) recordFromConfig(cfg *toolstack.DomainConfig, info *toolstack.DomainInfo) *vmRecord {
	if cfg.Xend == nil {
		return nil
	}
	text, ok := cfg.Xend.Other.Get(recordKey)
	if !ok {
		return nil
	}
	v, err := sxp.ParseString(text)
	if err != nil {
		s.opts.Logf("xend: domain %d: unreadable record in its config: %v", info.Domid, err)
		return nil
	}
	rec, err := parseVMConfig(v, s.opts.NewUUID)
	if err != nil {
		s.opts.Logf("xend: domain %d: unusable record in its config: %v", info.Domid, err)
		return nil
	}
	rec.UUID, rec.Name = info.UUID, info.Name
	rec.Memory = int(info.TargetMemKB / 1024)
	rec.MaxMem = int(info.MaxMemKB / 1024)
	if info.Sched.Weight != nil {
		rec.CPUWeight = *info.Sched.Weight
	}
	if info.Sched.Cap != nil {
		rec.CPUCap = *info.Sched.Cap
	}
	for i, v := range info.VCPUs {
		// A pin made after creation shows; "all CPUs" stays unpinned.
		if aff := v.HardAffinity.Normalized(); i < len(rec.Cpus) && len(aff) > 0 && len(aff) < s.nrCPUs() {
			rec.Cpus[i] = append([]int(nil), aff...)
		}
	}
	if !info.StartTime.IsZero() {
		rec.StartTime = float64(info.StartTime.UnixMicro()) / 1e6
	}
	assignDevids(rec)
	learnMACs(rec, cfg)
	return rec
}
