package sim

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Create implements toolstack.Toolstack. The domain is left paused.
//
// As on a real host, a creation that fails after the hypervisor made the
// domain (not enough memory, no kernel, a bootloader that cannot read its
// disk, a PCI device the host lacks) still uses up its domid.
func (s *Sim) Create(ctx context.Context, cfg *toolstack.DomainConfig) (toolstack.Domid, error) {
	if err := s.begin(ctx, "Create"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.create(cfg.Clone(), "create", createOpts{})
}

// createOpts carry what restore and migration keep from the source.
type createOpts struct {
	restored *domain // runtime values to carry over (save image, stream)
	migrated bool    // keep the memory target (a restore gets the maximum)
	paused   bool
}

// create builds a domain from cfg (owned by the callee). Caller holds s.mu.
func (s *Sim) create(cfg *toolstack.DomainConfig, op string, o createOpts) (toolstack.Domid, error) {
	if cfg == nil {
		return 0, toolstack.Errorf(toolstack.ErrInvalid, op, nil, "no configuration")
	}
	name := cfg.CInfo.Name
	if err := s.checkConfig(op, cfg); err != nil {
		return 0, err
	}
	if cfg.CInfo.UUID == "" {
		cfg.CInfo.UUID = s.newUUID()
	}
	if err := s.prepareDevices(op, cfg); err != nil {
		return 0, err
	}
	for _, id := range s.sortedDomids() {
		other := s.doms[id]
		if other.Config.CInfo.Name == name {
			return 0, toolstack.Errorf(toolstack.ErrExists, op, name, "domain '%s' already exists with ID '%d'", name, id)
		}
		if strings.EqualFold(other.Config.CInfo.UUID, cfg.CInfo.UUID) {
			return 0, toolstack.Errorf(toolstack.ErrExists, op, name, "domain with UUID %s already exists with ID '%d'", cfg.CInfo.UUID, id)
		}
	}

	// The hypervisor makes the domain here: from now on the id is used,
	// even if the build fails (usedUp persists that).
	id := toolstack.Domid(s.host.NextDomid)
	s.host.NextDomid++
	usedUp := func(err error) (toolstack.Domid, error) {
		if serr := s.saveHost(); serr != nil {
			return 0, ioErr(op, name, serr)
		}
		return 0, err
	}

	b := &cfg.BInfo
	maxKB, targetKB := b.MaxMemKB, b.TargetMemKB
	if o.restored != nil && !o.migrated {
		// A restored domain gets its maximum memory (reference host rule).
		targetKB = maxKB
	}
	if free := s.freeMemKB(); targetKB > free {
		return usedUp(toolstack.Errorf(toolstack.ErrNoMemory, op, name, "need %d KiB, host has %d KiB free", targetKB, free))
	}
	if cfg.Type() == toolstack.TypePV && b.Kernel == "" && b.Bootloader == "" && (b.PV == nil || b.PV.Bootloader == "") {
		return usedUp(toolstack.Errorf(toolstack.ErrInvalid, op, name, "PV domain has neither a kernel nor a bootloader"))
	}
	if b.Bootloader != "" || (b.PV != nil && b.PV.Bootloader != "") {
		// The bootloader reads the first disk from dom0.
		if len(cfg.Disks) == 0 || !s.hostFileExists(cfg.Disks[0].PdevPath) {
			return usedUp(toolstack.Errorf(toolstack.ErrNotFound, op, name, "Disk isn't accessible"))
		}
	}
	for _, p := range cfg.PCIDevs {
		if err := s.checkPCI(op, name, p); err != nil {
			return usedUp(err)
		}
	}

	now := s.now()
	d := &domain{
		Domid:       id,
		Config:      cfg,
		Paused:      true,
		CurMemKB:    targetKB,
		TargetMemKB: targetKB,
		MaxMemKB:    maxKB,
		LastAccrue:  now,
		StartTime:   now,
		Weight:      s.prof.Scheduler.Weight,
		Cap:         s.prof.Scheduler.Cap,
	}
	if sp := b.SchedParams; sp.Weight != nil {
		d.Weight = *sp.Weight
	}
	if sp := b.SchedParams; sp.Cap != nil {
		d.Cap = *sp.Cap
	}
	n := b.MaxVCPUs
	d.Affinity = make([]toolstack.Bitmap, n)
	for i := range d.Affinity {
		switch {
		case i < len(b.VCPUHardAffinity) && len(b.VCPUHardAffinity[i]) > 0:
			d.Affinity[i] = b.VCPUHardAffinity[i].Normalized()
		case len(b.CPUMap) > 0:
			d.Affinity[i] = b.CPUMap.Normalized()
		}
	}
	d.OnlineVCPUs = len(b.AvailVCPUs)
	d.CPUTime = s.prof.Guest.CPUTime
	d.VCPUTime = make([]int64, n)
	for i := range d.VCPUTime {
		d.VCPUTime[i] = s.prof.Guest.VCPUCPUTimeBase + int64(i)
	}
	if r := o.restored; r != nil {
		d.Weight, d.Cap = r.Weight, r.Cap
		d.OnlineVCPUs = r.OnlineVCPUs
		for i := range d.Affinity {
			if i < len(r.Affinity) {
				d.Affinity[i] = r.Affinity[i]
			}
		}
		d.Paused = o.paused
	}
	d.ConsolePty = s.allocPty()
	if err := s.plugConfiguredDevices(op, d, now); err != nil {
		return usedUp(err)
	}
	// host.json first (the id and pty counters), then the domain: a crash
	// between the two leaves a used-up id and no domain.
	if err := s.saveHost(); err != nil {
		s.host.NextDomid--
		return 0, ioErr(op, name, err)
	}
	s.doms[id] = d
	if err := s.saveDomain(d); err != nil {
		delete(s.doms, id)
		return 0, ioErr(op, name, err)
	}
	return id, nil
}

// checkConfig validates what can be checked before a domain is made.
func (s *Sim) checkConfig(op string, cfg *toolstack.DomainConfig) error {
	name := cfg.CInfo.Name
	bad := func(format string, args ...any) error {
		return toolstack.Errorf(toolstack.ErrInvalid, op, name, format, args...)
	}
	if name == "" {
		return bad("the domain has no name (c_info.name)")
	}
	switch cfg.Type() {
	case toolstack.TypePV, toolstack.TypeHVM, toolstack.TypePVH:
	default:
		return bad("unknown domain type %q; want pv, hvm or pvh", cfg.CInfo.Type)
	}
	if cfg.CInfo.Type == "" {
		cfg.CInfo.Type = cfg.Type()
	}
	if u := cfg.CInfo.UUID; u != "" && !uuidRE.MatchString(u) {
		return bad("uuid %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", u)
	}
	b := &cfg.BInfo
	if b.MaxMemKB == 0 {
		b.MaxMemKB = b.TargetMemKB
	}
	if b.TargetMemKB == 0 {
		b.TargetMemKB = b.MaxMemKB
	}
	if b.TargetMemKB == 0 {
		return bad("no memory configured (b_info.target_memkb and max_memkb are 0)")
	}
	if b.TargetMemKB > b.MaxMemKB {
		return bad("memory target %d KiB is above the maximum %d KiB", b.TargetMemKB, b.MaxMemKB)
	}
	if b.MaxVCPUs == 0 {
		b.MaxVCPUs = len(b.AvailVCPUs)
	}
	if b.MaxVCPUs == 0 {
		b.MaxVCPUs = 1
	}
	if b.MaxVCPUs < 0 || b.MaxVCPUs > maxVCPUs {
		return bad("max_vcpus %d is outside 1..%d", b.MaxVCPUs, maxVCPUs)
	}
	if len(b.AvailVCPUs) == 0 {
		for i := 0; i < b.MaxVCPUs; i++ {
			b.AvailVCPUs = append(b.AvailVCPUs, i)
		}
	}
	b.AvailVCPUs = b.AvailVCPUs.Normalized()
	for _, v := range b.AvailVCPUs {
		if v < 0 || v >= b.MaxVCPUs {
			return bad("avail_vcpus names vCPU %d; the domain has %d", v, b.MaxVCPUs)
		}
	}
	nr := s.prof.Physinfo.NrCPUs
	checkMap := func(what string, m toolstack.Bitmap) error {
		for _, c := range m {
			if c < 0 || c >= nr {
				return bad("%s names CPU %d; the host has CPUs 0-%d", what, c, nr-1)
			}
		}
		return nil
	}
	if err := checkMap("cpumap", b.CPUMap); err != nil {
		return err
	}
	for i, m := range b.VCPUHardAffinity {
		if err := checkMap(fmt.Sprintf("vcpu_hard_affinity[%d]", i), m); err != nil {
			return err
		}
	}
	if sp := b.SchedParams; sp.Sched != "" && sp.Sched != s.prof.Scheduler.Name {
		return bad("sched_params.sched %q is not the host scheduler %q", sp.Sched, s.prof.Scheduler.Name)
	}
	if err := s.checkSched(op, name, b.SchedParams, b.MaxVCPUs); err != nil {
		return err
	}
	return nil
}

// Pause implements toolstack.Toolstack.
func (s *Sim) Pause(ctx context.Context, id toolstack.Domid) error {
	return s.setPaused(ctx, "Pause", "pause", id, true)
}

// Unpause implements toolstack.Toolstack.
func (s *Sim) Unpause(ctx context.Context, id toolstack.Domid) error {
	return s.setPaused(ctx, "Unpause", "unpause", id, false)
}

func (s *Sim) setPaused(ctx context.Context, method, op string, id toolstack.Domid, paused bool) error {
	if err := s.begin(ctx, method); err != nil {
		return err
	}
	defer s.mu.Unlock()
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if id == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "cannot %s Domain-0", op)
	}
	if d.Shutdown || (d.Crashed && !paused) {
		return toolstack.Errorf(toolstack.ErrBadState, op, id, "domain is %s", d.state())
	}
	if d.Paused == paused {
		return nil
	}
	s.accrue(d, s.now())
	d.Paused = paused
	return s.commit(op, d, func() { d.Paused = !paused })
}

// commit persists d; on failure it runs undo and reports the I/O error.
// Caller holds s.mu.
func (s *Sim) commit(op string, d *domain, undo func()) error {
	if err := s.saveDomain(d); err != nil {
		if undo != nil {
			undo()
		}
		return ioErr(op, d.Domid, err)
	}
	return nil
}

// Rename implements toolstack.Toolstack. Domain-0 may be renamed too.
func (s *Sim) Rename(ctx context.Context, id toolstack.Domid, name string) error {
	if err := s.begin(ctx, "Rename"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("rename", id)
	if err != nil {
		return err
	}
	if name == "" {
		return toolstack.Errorf(toolstack.ErrInvalid, "rename", id, "the new name is empty")
	}
	for oid, o := range s.doms {
		if oid != id && o.Config.CInfo.Name == name {
			return toolstack.Errorf(toolstack.ErrExists, "rename", id, "domain '%s' already exists with ID '%d'", name, oid)
		}
	}
	old := d.Config.CInfo.Name
	d.Config.CInfo.Name = name
	return s.commit("rename", d, func() { d.Config.CInfo.Name = old })
}

// SendSysrq implements toolstack.Toolstack. Guests ignore SysRq keys.
func (s *Sim) SendSysrq(ctx context.Context, id toolstack.Domid, key byte) error {
	if err := s.begin(ctx, "SendSysrq"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.lookup("sysrq", id); err != nil {
		return err
	}
	if key < 0x20 || key > 0x7e {
		return toolstack.Errorf(toolstack.ErrInvalid, "sysrq", id, "key %#x is not a printable character", key)
	}
	return nil
}

// SendTrigger implements toolstack.Toolstack. Triggers succeed without
// effect, as on the reference host.
func (s *Sim) SendTrigger(ctx context.Context, id toolstack.Domid, t toolstack.Trigger, vcpu int) error {
	if err := s.begin(ctx, "SendTrigger"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("trigger", id)
	if err != nil {
		return err
	}
	if !t.Valid() {
		return toolstack.Errorf(toolstack.ErrInvalid, "trigger", id, "Invalid trigger: %s", t)
	}
	if vcpu < 0 || vcpu >= d.maxVCPUs() {
		return toolstack.Errorf(toolstack.ErrInvalid, "trigger", id, "vCPU %d does not exist (the domain has %d)", vcpu, d.maxVCPUs())
	}
	return nil
}

// allocPty hands out the next console pty number. Caller holds s.mu and
// saves host state.
func (s *Sim) allocPty() int {
	n := s.host.NextPty
	s.host.NextPty++
	return n
}

func (s *Sim) hostFileExists(p string) bool {
	if p == "" {
		return false
	}
	if i := strings.IndexByte(p, ':'); i >= 0 && !strings.HasPrefix(p, "/") {
		p = p[i+1:]
	}
	_, err := osStat(s.hostPath(p))
	return err == nil
}
