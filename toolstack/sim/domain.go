package sim

import (
	"strconv"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// domain is one live domain as the simulator keeps it (and persists it as
// domains/<domid>.json).
type domain struct {
	Domid  toolstack.Domid         `json:"domid"`
	Config *toolstack.DomainConfig `json:"config"`

	Paused   bool                     `json:"paused,omitempty"`
	Shutdown bool                     `json:"shutdown,omitempty"`
	Reason   toolstack.ShutdownReason `json:"reason,omitempty"`
	Crashed  bool                     `json:"crashed,omitempty"`

	CurMemKB    uint64 `json:"cur_memkb"`
	TargetMemKB uint64 `json:"target_memkb"`
	MaxMemKB    uint64 `json:"max_memkb"`

	OnlineVCPUs int `json:"online_vcpus"`
	// Affinity is each vCPU's hard affinity; nil entries mean all CPUs.
	Affinity []toolstack.Bitmap `json:"affinity"`
	// CPUTime and VCPUTime are in ns as of LastAccrue.
	CPUTime    int64     `json:"cpu_time"`
	VCPUTime   []int64   `json:"vcpu_time"`
	LastAccrue time.Time `json:"last_accrue"`
	StartTime  time.Time `json:"start_time,omitzero"`

	Weight int `json:"weight"`
	Cap    int `json:"cap"`

	ConsolePty int `json:"console_pty,omitempty"`
	// HVMVNCPort is the HVM display's VNC port (0: none).
	HVMVNCPort int       `json:"hvm_vnc_port,omitempty"`
	Devices    []*device `json:"devices,omitempty"`
}

// device is one hot-plugged or configured device's runtime record.
type device struct {
	Class   toolstack.DeviceClass `json:"class"`
	Devid   int                   `json:"devid"`
	AddedAt time.Time             `json:"added_at"`
	Pty     int                   `json:"pty,omitempty"`
	VNCPort int                   `json:"vnc_port,omitempty"`
}

func (d *domain) maxVCPUs() int { return len(d.Affinity) }

// running reports whether the domain's vCPUs can run (and use CPU time).
func (d *domain) running() bool { return !d.Paused && !d.Shutdown && !d.Crashed }

// accrue brings CPU time up to now at the profile's load.
func (s *Sim) accrue(d *domain, now time.Time) {
	if now.Before(d.LastAccrue) {
		d.LastAccrue = now
		return
	}
	load := s.prof.Sim.CPULoad
	if d.Domid == 0 && load > 0 {
		load = 1 // dom0 shows as running
	}
	if load > 0 && d.running() {
		el := now.Sub(d.LastAccrue)
		per := int64(float64(el) * load)
		for i := 0; i < d.OnlineVCPUs && i < len(d.VCPUTime); i++ {
			d.VCPUTime[i] += per
		}
		d.CPUTime += per * int64(d.OnlineVCPUs)
	}
	d.LastAccrue = now
}

// state returns the hypervisor flags.
func (d *domain) state() toolstack.DomainState {
	var st toolstack.DomainState
	switch {
	case d.Domid == 0:
		st |= toolstack.StateRunning
	case d.Crashed:
		st |= toolstack.StateCrashed
	case d.Shutdown:
		st |= toolstack.StateShutdown
	case d.Paused:
		st |= toolstack.StatePaused
	default:
		st |= toolstack.StateBlocked
	}
	if d.Paused && d.Domid != 0 && (d.Shutdown || d.Crashed) {
		st |= toolstack.StatePaused
	}
	return st
}

// pcpuOf is where vCPU n runs: CPU n mod nr_cpus, or the first CPU of its
// affinity when that one is not allowed.
func (s *Sim) pcpuOf(d *domain, n int) int {
	cpu := n % s.prof.Physinfo.NrCPUs
	if aff := d.Affinity[n]; len(aff) > 0 && !aff.Has(cpu) {
		cpu = aff.Normalized()[0]
	}
	return cpu
}

// info builds the DomainInfo. Caller holds s.mu.
func (s *Sim) info(d *domain, now time.Time) toolstack.DomainInfo {
	s.accrue(d, now)
	st := d.state()
	inf := toolstack.DomainInfo{
		Domid:        d.Domid,
		UUID:         d.Config.CInfo.UUID,
		Name:         d.Config.CInfo.Name,
		Type:         d.Config.Type(),
		State:        st,
		CurrentMemKB: d.CurMemKB,
		TargetMemKB:  d.TargetMemKB,
		MaxMemKB:     d.MaxMemKB,
		OnlineVCPUs:  d.OnlineVCPUs,
		MaxVCPUs:     d.maxVCPUs(),
		CPUTime:      time.Duration(d.CPUTime),
		StartTime:    d.StartTime,
		Sched:        s.schedOf(d),
	}
	if d.Shutdown {
		inf.ShutdownReason = d.Reason
	} else if d.Crashed {
		inf.ShutdownReason = toolstack.ReasonCrash
	}
	if d.Domid != 0 {
		if inf.Type == toolstack.TypeHVM {
			// An HVM guest's store ring is a guest frame (the HVM store
			// PFN); its console is emulated, so there is no console MFN.
			inf.StoreMFN = s.prof.Guest.HVMStorePFN
		} else {
			inf.StoreMFN = s.prof.Guest.StoreMFN
			inf.ConsoleMFN = s.prof.Guest.ConsoleMFN
		}
		if d.ConsolePty > 0 {
			inf.ConsoleTTY = ptyPath(d.ConsolePty)
		}
	}
	inf.VCPUs = make([]toolstack.VCPUInfo, d.maxVCPUs())
	for n := range inf.VCPUs {
		v := toolstack.VCPUInfo{ID: n, CPU: -1, HardAffinity: d.Affinity[n]}
		if n < len(d.VCPUTime) {
			v.Time = time.Duration(d.VCPUTime[n])
		}
		if n < d.OnlineVCPUs {
			v.Online = true
			v.CPU = s.pcpuOf(d, n)
			if d.Domid == 0 {
				v.Running = true
			} else if d.running() {
				v.Blocked = true
			}
		}
		inf.VCPUs[n] = v
	}
	return inf
}

func ptyPath(n int) string { return "/dev/pts/" + strconv.Itoa(n) }

func (s *Sim) schedOf(d *domain) toolstack.SchedParams {
	w, c := d.Weight, d.Cap
	return toolstack.SchedParams{Sched: s.prof.Scheduler.Name, Weight: &w, Cap: &c}
}
