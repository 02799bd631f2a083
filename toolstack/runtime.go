package toolstack

import (
	"strings"
	"time"
)

// Domid is a hypervisor domain id. 0 is the control domain.
type Domid uint32

// InvalidDomid is libxl's "no domain" id (4294967295).
const InvalidDomid Domid = 0xFFFFFFFF

// DomainState is the set of hypervisor state flags of a domain.
type DomainState uint8

// State flags, in the order xm and xl print them ("rbpscd").
const (
	StateRunning DomainState = 1 << iota
	StateBlocked
	StatePaused
	StateShutdown
	StateCrashed
	StateDying
)

// String renders the six-character flag string, e.g. "-b----" or "--p---".
func (s DomainState) String() string {
	const letters = "rbpscd"
	var b [6]byte
	for i := range b {
		if s&(1<<i) != 0 {
			b[i] = letters[i]
		} else {
			b[i] = '-'
		}
	}
	return string(b[:])
}

// ParseDomainState parses a six-character flag string as printed by String.
func ParseDomainState(str string) (DomainState, bool) {
	const letters = "rbpscd"
	if len(str) != 6 {
		return 0, false
	}
	var s DomainState
	for i := 0; i < 6; i++ {
		switch str[i] {
		case letters[i]:
			s |= 1 << i
		case '-':
		default:
			return 0, false
		}
	}
	return s, true
}

// ShutdownReason is why a domain shut down (SHUTDOWN_* in Xen's sched.h),
// meaningful when StateShutdown is set.
type ShutdownReason int

// Shutdown reasons, numbered as the hypervisor numbers them.
const (
	ReasonPoweroff  ShutdownReason = 0
	ReasonReboot    ShutdownReason = 1
	ReasonSuspend   ShutdownReason = 2
	ReasonCrash     ShutdownReason = 3
	ReasonWatchdog  ShutdownReason = 4
	ReasonSoftReset ShutdownReason = 5
)

var reasonNames = [...]string{"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset"}

// String returns the reason's name, e.g. "poweroff".
func (r ShutdownReason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// ShutdownRequest is what a shutdown asks the guest to do (the value written
// to xenstore control/shutdown): "poweroff", "reboot", "suspend", "crash" or
// "halt" (xend's synonym of poweroff).
type ShutdownRequest string

// Shutdown requests.
const (
	RequestPoweroff ShutdownRequest = "poweroff"
	RequestReboot   ShutdownRequest = "reboot"
	RequestSuspend  ShutdownRequest = "suspend"
	RequestCrash    ShutdownRequest = "crash"
	RequestHalt     ShutdownRequest = "halt"
)

// Valid reports whether r is one of the known requests.
func (r ShutdownRequest) Valid() bool {
	switch r {
	case RequestPoweroff, RequestReboot, RequestSuspend, RequestCrash, RequestHalt:
		return true
	}
	return false
}

// Trigger is an event injected into a domain (xl trigger).
type Trigger string

// Triggers accepted by SendTrigger.
const (
	TriggerNMI      Trigger = "nmi"
	TriggerReset    Trigger = "reset"
	TriggerInit     Trigger = "init"
	TriggerPower    Trigger = "power"
	TriggerSleep    Trigger = "sleep"
	TriggerS3Resume Trigger = "s3resume"
)

// Valid reports whether t is one of the known triggers.
func (t Trigger) Valid() bool {
	switch t {
	case TriggerNMI, TriggerReset, TriggerInit, TriggerPower, TriggerSleep, TriggerS3Resume:
		return true
	}
	return false
}

// DomainInfo is what the hypervisor reports about one live domain.
type DomainInfo struct {
	Domid Domid      `json:"domid"`
	UUID  string     `json:"uuid"`
	Name  string     `json:"name"`
	Type  DomainType `json:"type"`
	// State holds the flags; ShutdownReason is meaningful with StateShutdown.
	State          DomainState    `json:"state"`
	ShutdownReason ShutdownReason `json:"shutdown_reason"`
	// CurrentMemKB is the memory the domain holds now; TargetMemKB the
	// balloon target; MaxMemKB the ceiling (all KiB).
	CurrentMemKB uint64 `json:"current_memkb"`
	TargetMemKB  uint64 `json:"target_memkb"`
	MaxMemKB     uint64 `json:"max_memkb"`
	// OnlineVCPUs counts vCPUs online; MaxVCPUs is max_vcpu_id+1.
	OnlineVCPUs int        `json:"online_vcpus"`
	MaxVCPUs    int        `json:"max_vcpus"`
	VCPUs       []VCPUInfo `json:"vcpus"`
	// CPUTime is the total CPU time used by all vCPUs.
	CPUTime time.Duration `json:"cpu_time"`
	// StartTime is when the domain was created (or restored); zero if
	// unknown (dom0).
	StartTime time.Time `json:"start_time"`
	// StoreMFN and ConsoleMFN are the xenstore and console ring frames of
	// a PV guest (0 if unknown).
	StoreMFN   uint64 `json:"store_mfn,omitempty"`
	ConsoleMFN uint64 `json:"console_mfn,omitempty"`
	// Sched holds the domain's scheduler parameters.
	Sched SchedParams `json:"sched"`
	// ConsoleTTY is the pty of the primary console ("" if none).
	ConsoleTTY string `json:"console_tty,omitempty"`
}

// VCPUInfo is one virtual CPU.
type VCPUInfo struct {
	ID      int  `json:"id"`
	Online  bool `json:"online"`
	Running bool `json:"running"`
	Blocked bool `json:"blocked"`
	// CPU is the physical CPU it last ran on, -1 when offline.
	CPU int `json:"cpu"`
	// Time is the CPU time this vCPU used.
	Time time.Duration `json:"time"`
	// HardAffinity and SoftAffinity are the physical CPUs it may use;
	// empty means all.
	HardAffinity Bitmap `json:"hard_affinity,omitempty"`
	SoftAffinity Bitmap `json:"soft_affinity,omitempty"`
}

// HostInfo describes the physical host and the hypervisor.
type HostInfo struct {
	Uname    Uname         `json:"uname"`
	Phys     PhysInfo      `json:"physinfo"`
	Topology []CPUTopology `json:"topology"`
	NUMA     []NUMANode    `json:"numa"`
	Xen      XenVersion    `json:"xen"`
	Sched    SchedulerInfo `json:"scheduler"`
	CPU      CPUModel      `json:"cpu"`
	// SCSIDevices are the host SCSI devices PVSCSI can pass through.
	SCSIDevices []HostSCSIDevice `json:"scsi_devices,omitempty"`
	// PCIAssignable are host PCI functions available for passthrough;
	// nil when the host cannot tell (xend then answers nil).
	PCIAssignable []DevicePCI `json:"pci_assignable,omitempty"`
	// Bridges are the network bridges vifs can join.
	Bridges []string `json:"bridges,omitempty"`
	// SaveDirectory is where save images go by default.
	SaveDirectory string `json:"save_directory,omitempty"`
}

// Uname is dom0's uname.
type Uname struct {
	Sysname  string `json:"sysname"`
	Nodename string `json:"nodename"`
	Release  string `json:"release"`
	Version  string `json:"version"`
	Machine  string `json:"machine"`
}

// PhysInfo is the hypervisor's physinfo. Memory in KiB.
type PhysInfo struct {
	NrCPUs         int `json:"nr_cpus"`
	NrNodes        int `json:"nr_nodes"`
	CoresPerSocket int `json:"cores_per_socket"`
	ThreadsPerCore int `json:"threads_per_core"`
	CPUkHz         int `json:"cpu_khz"`
	// HWCaps are the eight capability words ("%08x" joined by ":").
	HWCaps [8]uint32 `json:"hw_caps"`
	// VirtCaps is e.g. "hvm hvm_directio".
	VirtCaps   string `json:"virt_caps"`
	TotalMemKB uint64 `json:"total_memkb"`
	FreeMemKB  uint64 `json:"free_memkb"`
	ScrubMemKB uint64 `json:"scrub_memkb"`
	// FreeCPUs counts CPUs in no CPU pool.
	FreeCPUs int `json:"free_cpus"`
}

// HWCapsString formats HWCaps as xend and xl print them.
func (p PhysInfo) HWCapsString() string {
	parts := make([]string, len(p.HWCaps))
	for i, w := range p.HWCaps {
		parts[i] = hex8(w)
	}
	return strings.Join(parts, ":")
}

func hex8(w uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[w&0xf]
		w >>= 4
	}
	return string(b[:])
}

// CPUTopology places one physical CPU (index = CPU number).
type CPUTopology struct {
	Core   int `json:"core"`
	Socket int `json:"socket"`
	Node   int `json:"node"`
}

// NUMANode is one NUMA node. Memory in KiB; Distances[j] is the distance
// to node j.
type NUMANode struct {
	MemSizeKB uint64 `json:"memsize_kb"`
	MemFreeKB uint64 `json:"memfree_kb"`
	DMA32KB   uint64 `json:"dma32_kb"`
	Distances []int  `json:"distances"`
}

// XenVersion is the hypervisor's version and build information.
type XenVersion struct {
	Major          int    `json:"major"`
	Minor          int    `json:"minor"`
	Extra          string `json:"extra"`
	Caps           string `json:"caps"`
	PageSize       int    `json:"pagesize"`
	PlatformParams string `json:"platform_params"`
	Changeset      string `json:"changeset"`
	Commandline    string `json:"commandline"`
	Compiler       string `json:"cc_compiler"`
	CompileBy      string `json:"cc_compile_by"`
	CompileDomain  string `json:"cc_compile_domain"`
	CompileDate    string `json:"cc_compile_date"`
}

// SchedulerInfo names the host scheduler and its defaults for new domains.
type SchedulerInfo struct {
	// Name is "credit", "credit2", "sedf", "rtds", "arinc653" or "null".
	Name          string `json:"name"`
	ID            int    `json:"sched_id"`
	DefaultWeight int    `json:"default_weight"`
	DefaultCap    int    `json:"default_cap"`
}

// CPUModel is what /proc/cpuinfo says about the host CPUs.
type CPUModel struct {
	VendorID  string `json:"vendor_id"`
	ModelName string `json:"model_name"`
	MHz       string `json:"mhz"`
	Stepping  string `json:"stepping"`
	Flags     string `json:"flags"`
}

// HostSCSIDevice is one host SCSI device (what lsscsi shows).
type HostSCSIDevice struct {
	HCTL      string `json:"hctl"`
	Devname   string `json:"devname"`
	SG        string `json:"sg"`
	SCSIID    string `json:"scsi_id"`
	Vendor    string `json:"vendor"`
	Model     string `json:"model"`
	Type      int    `json:"type"`
	Rev       string `json:"rev"`
	SCSILevel int    `json:"scsi_level"`
}

// ConsoleInfo is where a domain's console can be reached.
type ConsoleInfo struct {
	// TTY is the pty path, e.g. "/dev/pts/3".
	TTY string `json:"tty"`
	// Port is the console event channel (xend's "location").
	Port int `json:"port"`
}

// VNCEndpoint is where a domain's display is served.
type VNCEndpoint struct {
	Listen  string `json:"listen"`
	Port    int    `json:"port"`
	Display int    `json:"display"`
}
