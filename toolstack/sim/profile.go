package sim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// referenceHost is ../shared/golden/reference-host.json: the host the
// golden xend captures were made on.
//
//go:embed profiles/reference-host.json
var referenceHost []byte

// Profile describes the simulated host. Its JSON form is the format of
// reference-host.json (memory in KiB, NUMA memory in MiB, times in ns),
// plus an optional "sim" section of knobs. Keys the simulator does not use
// (xend_config, environment_of_xm, behaviour) are accepted and ignored.
type Profile struct {
	Uname         toolstack.Uname            `json:"uname"`
	Physinfo      profilePhys                `json:"physinfo"`
	XenReservedKB uint64                     `json:"xen_reserved_kb"`
	Topology      profileTopology            `json:"topologyinfo"`
	NUMA          profileNUMA                `json:"numainfo"`
	Xen           profileXen                 `json:"xeninfo"`
	Scheduler     profileSched               `json:"scheduler"`
	Dmesg         string                     `json:"dmesg"`
	Dom0          profileDom0                `json:"dom0"`
	Guest         profileGuest               `json:"guest"`
	CPUInfo       map[string]string          `json:"cpuinfo"`
	SCSIDevices   []toolstack.HostSCSIDevice `json:"scsi_devices"`
	PCIDevices    []toolstack.DevicePCI      `json:"pci_devices"`
	Bridges       []string                   `json:"bridges"`
	Files         []string                   `json:"files"`
	// KernelNotes are the Xen ELF notes of guest kernels on the host, by
	// absolute path, in each kernel's order; KernelNotes reports them.
	KernelNotes   map[string]toolstack.KeyValueList `json:"kernel_notes,omitempty"`
	SaveDirectory string                            `json:"save_directory"`
	Sim           Knobs                             `json:"sim"`
}

// Knobs switch on behaviour the reference host did not have. All are off
// when a profile file leaves them out, so reference-host.json presents
// exactly the host of the captures.
type Knobs struct {
	// DeviceModel: a device model serves vfb and HVM displays, so they get
	// VNC ports (5900 + display).
	DeviceModel bool `json:"device_model,omitempty"`
	// GuestsObeyShutdown: guests act on poweroff, reboot, halt and crash
	// requests (the domain's on_* action is applied) instead of ignoring them.
	GuestsObeyShutdown bool `json:"guests_obey_shutdown,omitempty"`
	// GuestsHotplugVCPUs: guests bring vCPUs on and offline when asked.
	GuestsHotplugVCPUs bool `json:"guests_hotplug_vcpus,omitempty"`
	// CPULoad is the share of wall time each online vCPU of a running
	// guest spends on a CPU (0 keeps cpu_time fixed, 0.01 is 1%).
	CPULoad float64 `json:"cpu_load,omitempty"`
	// HotplugDelayMS is how long a new device stays in InitWait before
	// its frontend connects (measured on the simulator's clock).
	HotplugDelayMS int `json:"hotplug_delay_ms,omitempty"`
	// FirstPty is the first /dev/pts number handed to consoles (default 1).
	FirstPty int `json:"first_pty,omitempty"`
}

type profilePhys struct {
	NrNodes        int    `json:"nr_nodes"`
	ThreadsPerCore int    `json:"threads_per_core"`
	CoresPerSocket int    `json:"cores_per_socket"`
	NrCPUs         int    `json:"nr_cpus"`
	TotalMemory    uint64 `json:"total_memory"`
	ScrubMemory    uint64 `json:"scrub_memory"`
	CPUkHz         int    `json:"cpu_khz"`
	HWCaps         string `json:"hw_caps"`
	VirtCaps       string `json:"virt_caps"`
}

type profileTopology struct {
	MaxCPUIndex int   `json:"max_cpu_index"`
	CPUToCore   []int `json:"cpu_to_core"`
	CPUToSocket []int `json:"cpu_to_socket"`
	CPUToNode   []int `json:"cpu_to_node"`
}

type profileNUMA struct {
	MaxNodeIndex  int      `json:"max_node_index"`
	NodeMemsize   []uint64 `json:"node_memsize"`
	NodeMemfree   []uint64 `json:"node_memfree"`
	NodeToDMA32   []uint64 `json:"node_to_dma32_mem"`
	NodeDistances [][]int  `json:"node_to_node_dist"`
}

type profileXen struct {
	Major          int    `json:"xen_major"`
	Minor          int    `json:"xen_minor"`
	Extra          string `json:"xen_extra"`
	Caps           string `json:"xen_caps"`
	PageSize       int    `json:"xen_pagesize"`
	PlatformParams string `json:"platform_params"`
	Changeset      string `json:"xen_changeset"`
	Commandline    string `json:"xen_commandline"`
	Compiler       string `json:"cc_compiler"`
	CompileBy      string `json:"cc_compile_by"`
	CompileDomain  string `json:"cc_compile_domain"`
	CompileDate    string `json:"cc_compile_date"`
}

type profileSched struct {
	ID     int    `json:"sched_id"`
	Name   string `json:"name"`
	Weight int    `json:"new_domain_weight"`
	Cap    int    `json:"new_domain_cap"`
}

type profileDom0 struct {
	MemKB       uint64  `json:"mem_kb"`
	MaxMemKB    uint64  `json:"maxmem_kb"`
	VCPUs       int     `json:"vcpus"`
	CPUTime     int64   `json:"cpu_time"`
	VCPUCPUTime []int64 `json:"vcpu_cpu_time"`
	Name        string  `json:"name"`
	UUID        string  `json:"uuid"`
}

type profileGuest struct {
	FirstDomid       uint32 `json:"first_domid"`
	CPUTime          int64  `json:"cpu_time"`
	VCPUCPUTimeBase  int64  `json:"vcpu_cpu_time_base"`
	StoreMFN         uint64 `json:"store_mfn"`
	ConsoleMFN       uint64 `json:"console_mfn"`
	HVMStorePFN      uint64 `json:"hvm_store_pfn"`
	PVDrivers        int    `json:"pv_drivers"`
	SuspendOnRequest bool   `json:"suspend_on_request"`
}

// ReferenceProfile returns the host of the golden captures, with every knob
// off: loaded into the simulator it behaves as the captures require. It is
// reference-host.json plus, unless that file gives kernel_notes, the ELF
// notes of its guest kernel that the captures show (referenceKernelNotes).
func ReferenceProfile() *Profile {
	p, err := ParseProfile(referenceHost)
	if err != nil {
		panic("sim: embedded reference profile: " + err.Error())
	}
	if p.KernelNotes == nil {
		p.KernelNotes = map[string]toolstack.KeyValueList{referenceKernel: referenceKernelNotes}
	}
	return p
}

// DefaultProfile is what New uses without a profile: the reference host's
// hardware, with a device model (VNC ports), guests that obey shutdown
// requests and hot-plug vCPUs, and 1% CPU load so cpu_time moves.
func DefaultProfile() *Profile {
	p := ReferenceProfile()
	p.Sim = Knobs{DeviceModel: true, GuestsObeyShutdown: true, GuestsHotplugVCPUs: true, CPULoad: 0.01}
	return p
}

// LoadProfile reads a profile file.
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: host profile: %w", err)
	}
	p, err := ParseProfile(data)
	if err != nil {
		return nil, fmt.Errorf("sim: host profile %s: %w", path, err)
	}
	return p, nil
}

// ParseProfile decodes a profile and checks it is coherent.
func ParseProfile(data []byte) (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Limits on what a profile may describe.
const (
	maxHostCPUs = 4096
	maxVCPUs    = 512
)

func (p *Profile) validate() error {
	ph := &p.Physinfo
	switch {
	case ph.NrCPUs < 1 || ph.NrCPUs > maxHostCPUs:
		return fmt.Errorf("physinfo.nr_cpus is %d; want 1..%d", ph.NrCPUs, maxHostCPUs)
	case ph.TotalMemory == 0:
		return fmt.Errorf("physinfo.total_memory is 0; want the host memory in KiB")
	case p.Dom0.VCPUs < 1 || p.Dom0.VCPUs > maxVCPUs:
		return fmt.Errorf("dom0.vcpus is %d; want 1..%d", p.Dom0.VCPUs, maxVCPUs)
	case len(p.NUMA.NodeMemsize) > maxHostCPUs:
		return fmt.Errorf("numainfo has %d nodes; want at most %d", len(p.NUMA.NodeMemsize), maxHostCPUs)
	case p.Dom0.MemKB+p.XenReservedKB > ph.TotalMemory:
		return fmt.Errorf("dom0.mem_kb %d + xen_reserved_kb %d exceed physinfo.total_memory %d", p.Dom0.MemKB, p.XenReservedKB, ph.TotalMemory)
	case p.Scheduler.Name == "":
		return fmt.Errorf("scheduler.name is empty; want e.g. \"credit\"")
	case p.Sim.CPULoad < 0 || p.Sim.CPULoad > 1:
		return fmt.Errorf("sim.cpu_load is %v; want 0..1", p.Sim.CPULoad)
	}
	for name, l := range map[string][]int{"cpu_to_core": p.Topology.CPUToCore, "cpu_to_socket": p.Topology.CPUToSocket, "cpu_to_node": p.Topology.CPUToNode} {
		if len(l) != 0 && len(l) != ph.NrCPUs {
			return fmt.Errorf("topologyinfo.%s has %d entries; want nr_cpus = %d", name, len(l), ph.NrCPUs)
		}
	}
	if _, err := parseHWCaps(ph.HWCaps); err != nil {
		return err
	}
	if err := validateKernelNotes(p.KernelNotes); err != nil {
		return err
	}
	if p.Dom0.Name == "" {
		p.Dom0.Name = "Domain-0"
	}
	if p.Dom0.UUID == "" {
		p.Dom0.UUID = "00000000-0000-0000-0000-000000000000"
	}
	if p.Dom0.MaxMemKB == 0 {
		p.Dom0.MaxMemKB = p.Dom0.MemKB
	}
	if p.Guest.FirstDomid == 0 {
		p.Guest.FirstDomid = 1
	}
	if p.Xen.PageSize == 0 {
		p.Xen.PageSize = 4096
	}
	if p.Sim.FirstPty == 0 {
		p.Sim.FirstPty = 1
	}
	return nil
}

func parseHWCaps(s string) ([8]uint32, error) {
	var caps [8]uint32
	if s == "" {
		return caps, nil
	}
	words := strings.Split(s, ":")
	if len(words) != 8 {
		return caps, fmt.Errorf("physinfo.hw_caps %q: want 8 hex words joined by ':'", s)
	}
	for i, w := range words {
		var v uint32
		if _, err := fmt.Sscanf(w, "%x", &v); err != nil {
			return caps, fmt.Errorf("physinfo.hw_caps %q: word %d %q is not hex", s, i, w)
		}
		caps[i] = v
	}
	return caps, nil
}
