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
