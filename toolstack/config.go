package toolstack

import "strings"

// DomainType is libxl_domain_type: "pv", "hvm" or "pvh".
type DomainType string

// Domain types.
const (
	TypePV  DomainType = "pv"
	TypeHVM DomainType = "hvm"
	TypePVH DomainType = "pvh"
)

// Action is libxl_action_on_shutdown: what happens when a domain shuts
// down for a given reason. The empty Action means libxl's default.
type Action string

// Shutdown actions, spelled as libxl prints them. xend's legacy spellings
// ("rename-restart", "coredump-destroy") are converted by compat layers.
const (
	ActionDestroy         Action = "destroy"
	ActionRestart         Action = "restart"
	ActionRestartRename   Action = "restart_rename"
	ActionPreserve        Action = "preserve"
	ActionCoredumpDestroy Action = "coredump_destroy"
	ActionCoredumpRestart Action = "coredump_restart"
	ActionSoftReset       Action = "soft_reset"
)

// DomainConfig mirrors libxl_domain_config. Its JSON is the "config" member
// of one `xl list -l` entry; see ListEntry. Field order follows libxl's IDL so
// that marshalling reproduces xl's key order.
type DomainConfig struct {
	CInfo       CreateInfo      `json:"c_info"`
	BInfo       BuildInfo       `json:"b_info"`
	Disks       []DeviceDisk    `json:"disks,omitempty"`
	NICs        []DeviceNIC     `json:"nics,omitempty"`
	PCIDevs     []DevicePCI     `json:"pcidevs,omitempty"`
	VFBs        []DeviceVFB     `json:"vfbs,omitempty"`
	VKBs        []DeviceVKB     `json:"vkbs,omitempty"`
	VTPMs       []DeviceVTPM    `json:"vtpms,omitempty"`
	Channels    []DeviceChannel `json:"channels,omitempty"`
	USBCtrls    []DeviceUSBCtrl `json:"usbctrls,omitempty"`
	USBDevs     []DeviceUSBDev  `json:"usbdevs,omitempty"`
	OnPoweroff  Action          `json:"on_poweroff,omitempty"`
	OnReboot    Action          `json:"on_reboot,omitempty"`
	OnWatchdog  Action          `json:"on_watchdog,omitempty"`
	OnCrash     Action          `json:"on_crash,omitempty"`
	OnSoftReset Action          `json:"on_soft_reset,omitempty"`

	// Xend holds what xend had and libxl lacks. xl never prints it and
	// libxl's JSON parser skips unknown keys, so it rides along safely.
	Xend *XendExtras `json:"xend,omitempty"`
}

// CreateInfo mirrors libxl_domain_create_info (c_info).
type CreateInfo struct {
	Type      DomainType `json:"type,omitempty"`
	HAP       Defbool    `json:"hap,omitempty"`
	OOS       Defbool    `json:"oos,omitempty"`
	SSIDRef   uint32     `json:"ssidref,omitempty"`
	SSIDLabel string     `json:"ssid_label,omitempty"`
	Name      string     `json:"name,omitempty"`
	// Domid is the requested domid; libxl writes 4294967295 (invalid, "any")
	// here for created domains. The actual domid is ListEntry.Domid.
	Domid                   uint32       `json:"domid,omitempty"`
	UUID                    string       `json:"uuid,omitempty"`
	XSData                  KeyValueList `json:"xsdata,omitempty"`
	PlatformData            KeyValueList `json:"platformdata,omitempty"`
	PoolID                  uint32       `json:"poolid,omitempty"`
	PoolName                string       `json:"pool_name,omitempty"`
	RunHotplugScripts       Defbool      `json:"run_hotplug_scripts,omitempty"`
	DriverDomain            Defbool      `json:"driver_domain,omitempty"`
	Passthrough             string       `json:"passthrough,omitempty"`
	XendSuspendEvtchnCompat Defbool      `json:"xend_suspend_evtchn_compat,omitempty"`
}

// BuildInfo mirrors libxl_domain_build_info (b_info). The type-specific part
// (libxl's keyed union "u") is in exactly one of PV, HVM and PVH, printed as
// "type.pv", "type.hvm" or "type.pvh".
//
// Memory sizes are KiB. Fields that libxl prints even when zero (because
// their libxl default is not zero) are pointers: nil means "default".
type BuildInfo struct {
	MaxVCPUs              int           `json:"max_vcpus,omitempty"`
	AvailVCPUs            Bitmap        `json:"avail_vcpus,omitempty"`
	CPUMap                Bitmap        `json:"cpumap,omitempty"`
	NodeMap               Bitmap        `json:"nodemap,omitempty"`
	VCPUHardAffinity      []Bitmap      `json:"vcpu_hard_affinity,omitempty"`
	VCPUSoftAffinity      []Bitmap      `json:"vcpu_soft_affinity,omitempty"`
	NUMAPlacement         Defbool       `json:"numa_placement,omitempty"`
	TSCMode               string        `json:"tsc_mode,omitempty"`
	MaxMemKB              uint64        `json:"max_memkb,omitempty"`
	TargetMemKB           uint64        `json:"target_memkb,omitempty"`
	VideoMemKB            *uint64       `json:"video_memkb,omitempty"`
	ShadowMemKB           *uint64       `json:"shadow_memkb,omitempty"`
	IOMMUMemKB            *uint64       `json:"iommu_memkb,omitempty"`
	RTCTimeoffset         uint32        `json:"rtc_timeoffset,omitempty"`
	ExecSSIDRef           uint32        `json:"exec_ssidref,omitempty"`
	ExecSSIDLabel         string        `json:"exec_ssid_label,omitempty"`
	Localtime             Defbool       `json:"localtime,omitempty"`
	DisableMigrate        Defbool       `json:"disable_migrate,omitempty"`
	BlkdevStart           string        `json:"blkdev_start,omitempty"`
	MaxGrantFrames        *uint32       `json:"max_grant_frames,omitempty"`
	MaxMaptrackFrames     *uint32       `json:"max_maptrack_frames,omitempty"`
	DeviceModelVersion    string        `json:"device_model_version,omitempty"`
	DeviceModelStubdomain Defbool       `json:"device_model_stubdomain,omitempty"`
	StubdomainMemKB       *uint64       `json:"stubdomain_memkb,omitempty"`
	DeviceModel           string        `json:"device_model,omitempty"`
	DeviceModelUser       string        `json:"device_model_user,omitempty"`
	Extra                 []string      `json:"extra,omitempty"`
	ExtraPV               []string      `json:"extra_pv,omitempty"`
	ExtraHVM              []string      `json:"extra_hvm,omitempty"`
	SchedParams           SchedParams   `json:"sched_params"`
	IOPorts               []IOPortRange `json:"ioports,omitempty"`
	IRQs                  []uint32      `json:"irqs,omitempty"`
	IOMem                 []IOMemRange  `json:"iomem,omitempty"`
	ClaimMode             Defbool       `json:"claim_mode,omitempty"`
	EventChannels         uint32        `json:"event_channels,omitempty"`
	Kernel                string        `json:"kernel,omitempty"`
	Cmdline               string        `json:"cmdline,omitempty"`
	Ramdisk               string        `json:"ramdisk,omitempty"`
	DeviceTree            string        `json:"device_tree,omitempty"`
	ACPI                  Defbool       `json:"acpi,omitempty"`
	Bootloader            string        `json:"bootloader,omitempty"`
	BootloaderArgs        []string      `json:"bootloader_args,omitempty"`
	TimerMode             string        `json:"timer_mode,omitempty"`
	NestedHVM             Defbool       `json:"nested_hvm,omitempty"`
	APIC                  Defbool       `json:"apic,omitempty"`
	DMRestrict            Defbool       `json:"dm_restrict,omitempty"`
	Tee                   string        `json:"tee,omitempty"`

	HVM *BuildInfoHVM `json:"type.hvm,omitempty"`
	PV  *BuildInfoPV  `json:"type.pv,omitempty"`
	PVH *BuildInfoPVH `json:"type.pvh,omitempty"`

	ArchARM *ArchARM `json:"arch_arm,omitempty"`
	ArchX86 *ArchX86 `json:"arch_x86,omitempty"`
	Altp2m  string   `json:"altp2m,omitempty"`
	VPMU    Defbool  `json:"vpmu,omitempty"`
}

// SchedParams mirrors libxl_domain_sched_params. nil means "scheduler
// default" (libxl's -1); xl prints weight and cap even when cap is 0.
type SchedParams struct {
	Sched     string `json:"sched,omitempty"`
	Weight    *int   `json:"weight,omitempty"`
	Cap       *int   `json:"cap,omitempty"`
	Period    *int   `json:"period,omitempty"`
	Slice     *int   `json:"slice,omitempty"`
	Latency   *int   `json:"latency,omitempty"`
	Extratime *int   `json:"extratime,omitempty"`
	Budget    *int   `json:"budget,omitempty"`
}

// IOPortRange is libxl_ioport_range.
type IOPortRange struct {
	First  uint32 `json:"first"`
	Number uint32 `json:"number"`
}

// IOMemRange is libxl_iomem_range (page frame numbers).
type IOMemRange struct {
	Start  uint64 `json:"start"`
	Number uint64 `json:"number"`
	GFN    uint64 `json:"gfn,omitempty"`
}

// BuildInfoPV is the "type.pv" part of b_info. Kernel, ramdisk and cmdline
// live in BuildInfo itself (libxl deprecated the PV copies).
type BuildInfoPV struct {
	SlackMemKB     uint64   `json:"slack_memkb,omitempty"`
	Bootloader     string   `json:"bootloader,omitempty"`
	BootloaderArgs []string `json:"bootloader_args,omitempty"`
	Features       string   `json:"features,omitempty"`
	E820Host       Defbool  `json:"e820_host,omitempty"`
}

// BuildInfoHVM is the "type.hvm" part of b_info.
type BuildInfoHVM struct {
	Firmware       string   `json:"firmware,omitempty"`
	BIOS           string   `json:"bios,omitempty"`
	PAE            Defbool  `json:"pae,omitempty"`
	APIC           Defbool  `json:"apic,omitempty"`
	ACPI           Defbool  `json:"acpi,omitempty"`
	ACPIS3         Defbool  `json:"acpi_s3,omitempty"`
	ACPIS4         Defbool  `json:"acpi_s4,omitempty"`
	NX             Defbool  `json:"nx,omitempty"`
	Viridian       Defbool  `json:"viridian,omitempty"`
	Timeoffset     string   `json:"timeoffset,omitempty"`
	HPET           Defbool  `json:"hpet,omitempty"`
	VPTAlign       Defbool  `json:"vpt_align,omitempty"`
	MMIOHoleMemKB  uint64   `json:"mmio_hole_memkb,omitempty"`
	TimerMode      string   `json:"timer_mode,omitempty"`
	NestedHVM      Defbool  `json:"nested_hvm,omitempty"`
	SystemFirmware string   `json:"system_firmware,omitempty"`
	SMBIOSFirmware string   `json:"smbios_firmware,omitempty"`
	ACPIFirmware   string   `json:"acpi_firmware,omitempty"`
	HDType         string   `json:"hdtype,omitempty"`
	Nographic      Defbool  `json:"nographic,omitempty"`
	VGA            *VGAInfo `json:"vga,omitempty"`
	VNC            *VNCInfo `json:"vnc,omitempty"`
	Keymap         string   `json:"keymap,omitempty"`
	SDL            *SDLInfo `json:"sdl,omitempty"`
	GfxPassthru    Defbool  `json:"gfx_passthru,omitempty"`
	Serial         string   `json:"serial,omitempty"`
	Boot           string   `json:"boot,omitempty"`
	USB            Defbool  `json:"usb,omitempty"`
	USBVersion     int      `json:"usbversion,omitempty"`
	USBDevice      string   `json:"usbdevice,omitempty"`
	Soundhw        string   `json:"soundhw,omitempty"`
	XenPlatformPCI Defbool  `json:"xen_platform_pci,omitempty"`
	USBDeviceList  []string `json:"usbdevice_list,omitempty"`
	SerialList     []string `json:"serial_list,omitempty"`
}

// BuildInfoPVH is the "type.pvh" part of b_info.
type BuildInfoPVH struct {
	PVShim        Defbool `json:"pvshim,omitempty"`
	PVShimPath    string  `json:"pvshim_path,omitempty"`
	PVShimCmdline string  `json:"pvshim_cmdline,omitempty"`
	PVShimExtra   string  `json:"pvshim_extra,omitempty"`
}

// ArchARM is b_info.arch_arm.
type ArchARM struct {
	GICVersion string `json:"gic_version,omitempty"`
	VUART      string `json:"vuart,omitempty"`
}

// ArchX86 is b_info.arch_x86.
type ArchX86 struct {
	MSRRelaxed Defbool `json:"msr_relaxed,omitempty"`
}

// VGAInfo is libxl_vga_interface_info.
type VGAInfo struct {
	Kind string `json:"kind,omitempty"`
}

// VNCInfo is libxl_vnc_info, used by HVM guests and by vfb devices.
type VNCInfo struct {
	Enable     Defbool `json:"enable,omitempty"`
	Listen     string  `json:"listen,omitempty"`
	Passwd     string  `json:"passwd,omitempty"`
	Display    int     `json:"display,omitempty"`
	FindUnused Defbool `json:"findunused,omitempty"`
}

// SDLInfo is libxl_sdl_info.
type SDLInfo struct {
	Enable     Defbool `json:"enable,omitempty"`
	OpenGL     Defbool `json:"opengl,omitempty"`
	Display    string  `json:"display,omitempty"`
	Xauthority string  `json:"xauthority,omitempty"`
}

// XendExtras is what xend configured and libxl has no field for.
type XendExtras struct {
	// Description is xend's free-text description ("" by default).
	Description string `json:"description,omitempty"`
	// OnXendStart is "ignore" or "start".
	OnXendStart string `json:"on_xend_start,omitempty"`
	// OnXendStop is "ignore", "shutdown" or "suspend".
	OnXendStop string `json:"on_xend_stop,omitempty"`
	// VSCSIs are the PVSCSI controllers with their LUNs (xl has none).
	VSCSIs []DeviceVSCSI `json:"vscsis,omitempty"`
	// Other keeps xend config keys the model has no field for, in order,
	// so that a round trip through the model loses nothing.
	Other KeyValueList `json:"other,omitempty"`
}

// Type returns the domain type: c_info.type, or the one implied by which
// b_info union member is set, or TypePV.
func (c *DomainConfig) Type() DomainType {
	switch {
	case c.CInfo.Type != "":
		return c.CInfo.Type
	case c.BInfo.HVM != nil:
		return TypeHVM
	case c.BInfo.PVH != nil:
		return TypePVH
	}
	return TypePV
}

// Clone returns a deep copy (through JSON, which covers every field).
func (c *DomainConfig) Clone() *DomainConfig {
	if c == nil {
		return nil
	}
	b, err := marshalNoEscape(c)
	if err != nil {
		panic("toolstack: DomainConfig does not marshal: " + err.Error())
	}
	var out DomainConfig
	if err := unmarshalStrict(b, &out); err != nil {
		panic("toolstack: DomainConfig does not round-trip: " + err.Error())
	}
	return &out
}

// HostPaths lists the host files the config names by absolute path: the
// kernel, ramdisk and device tree, and every disk's image or device. A
// migration receiver asks its policy about each before building the
// domain (ReceiveOptions.Policy).
func (c *DomainConfig) HostPaths() []string {
	var out []string
	for _, p := range []string{c.BInfo.Kernel, c.BInfo.Ramdisk, c.BInfo.DeviceTree} {
		if p != "" {
			out = append(out, p)
		}
	}
	for _, d := range c.Disks {
		if strings.HasPrefix(d.PdevPath, "/") {
			out = append(out, d.PdevPath)
		}
	}
	return out
}
