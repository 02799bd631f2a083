package xlcfg

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// Options choose between spellings that differ by the Xen release that
// will read the file.
type Options struct {
	// TargetXen is the Xen version of the host that runs `xl create`, e.g.
	// "4.4"; empty (or unreadable) means current xl (4.10 and later).
	TargetXen string
}

// TargetAtLeast reports whether the target Xen is at least major.minor.
func (o Options) TargetAtLeast(major, minor int) bool {
	if o.TargetXen == "" {
		return true
	}
	var ma, mi int
	if _, err := fmt.Sscanf(o.TargetXen, "%d.%d", &ma, &mi); err != nil {
		return true
	}
	return ma > major || (ma == major && mi >= minor)
}

// actions spells libxl's actions as xl.cfg does (xl refuses libxl's
// JSON spelling "coredump_destroy", and "restart_rename" is
// "rename-restart" in xl.cfg).
var actions = map[toolstack.Action]string{
	toolstack.ActionDestroy: "destroy", toolstack.ActionRestart: "restart", toolstack.ActionPreserve: "preserve",
	toolstack.ActionRestartRename: "rename-restart", toolstack.ActionCoredumpDestroy: "coredump-destroy",
	toolstack.ActionCoredumpRestart: "coredump-restart", toolstack.ActionSoftReset: "soft-reset",
}

// vgaKinds spells libxl's VGA kinds as xl.cfg's vga key ("std" is
// "stdvga"); an unknown kind is left to xl's default.
var vgaKinds = map[string]string{"std": "stdvga", "cirrus": "cirrus", "none": "none", "qxl": "qxl"}

// Emit renders cfg as xl.cfg settings, one a line, without any leading
// comment. It also returns the settings as written (for read-back
// checks). A string xl.cfg cannot carry is refused: the error names the
// key and nothing is returned.
func Emit(cfg *toolstack.DomainConfig, opts Options) (string, []Setting, error) {
	w := &writer{}
	c, b := cfg.CInfo, cfg.BInfo
	w.str("name", c.Name)
	w.optStr("uuid", c.UUID)
	hvm := cfg.Type() == toolstack.TypeHVM
	switch {
	case opts.TargetAtLeast(4, 10):
		w.str("type", string(cfg.Type()))
	case hvm:
		w.str("builder", "hvm")
	}
	w.num("memory", int64(b.TargetMemKB/1024))
	if b.MaxMemKB > b.TargetMemKB {
		w.num("maxmem", int64(b.MaxMemKB/1024))
	}
	online := int64(len(b.AvailVCPUs))
	if online == 0 {
		online = int64(b.MaxVCPUs)
	}
	w.num("vcpus", online)
	if int64(b.MaxVCPUs) > online {
		w.num("maxvcpus", int64(b.MaxVCPUs))
	}
	if l := affinityList(b.VCPUHardAffinity); l != nil {
		w.list("cpus", l)
	} else if len(b.CPUMap) > 0 {
		w.str("cpus", b.CPUMap.String())
	}
	if wt := b.SchedParams.Weight; wt != nil {
		w.num("cpu_weight", int64(*wt))
	}
	if cp := b.SchedParams.Cap; cp != nil {
		w.num("cap", int64(*cp))
	}
	w.optStr("pool", c.PoolName)
	w.optStr("seclabel", c.SSIDLabel)
	if b.ShadowMemKB != nil {
		w.num("shadow_memory", int64(*b.ShadowMemKB/1024))
	}
	for _, a := range []struct {
		k string
		v toolstack.Action
	}{{"on_poweroff", cfg.OnPoweroff}, {"on_reboot", cfg.OnReboot}, {"on_watchdog", cfg.OnWatchdog},
		{"on_crash", cfg.OnCrash}, {"on_soft_reset", cfg.OnSoftReset}} {
		if a.v != "" {
			w.str(a.k, actions[a.v])
		}
	}
	w.optStr("kernel", b.Kernel)
	w.optStr("ramdisk", b.Ramdisk)
	if b.Cmdline != "" {
		if opts.TargetAtLeast(4, 5) {
			w.str("cmdline", b.Cmdline)
		} else {
			w.str("extra", b.Cmdline)
		}
	}
	bl, blArgs := b.Bootloader, b.BootloaderArgs
	if b.PV != nil && bl == "" {
		bl, blArgs = b.PV.Bootloader, b.PV.BootloaderArgs
	}
	if bl != "" {
		w.str("bootloader", bl)
		w.list("bootloader_args", blArgs)
	}
	w.flag("localtime", b.Localtime)
	w.flag("nomigrate", b.DisableMigrate)
	w.optStr("tsc_mode", b.TSCMode)
	w.flag("hap", c.HAP)
	w.flag("oos", c.OOS)
	w.flag("driver_domain", c.DriverDomain)
	if h := b.HVM; h != nil {
		emitHVM(w, cfg, h)
	}
	emitDevices(w, cfg, hvm)
	if cfg.Xend != nil {
		if v, ok := cfg.Xend.Other.Get("cpuid"); ok && v != "" {
			w.list("cpuid", strings.Split(v, "\n"))
		}
		if v, ok := cfg.Xend.Other.Get("cpuid.libxl"); ok && v != "" {
			w.str("cpuid", v)
		}
	}
	if w.err != nil {
		return "", nil, w.err
	}
	return w.b.String(), w.rec, nil
}

func emitHVM(w *writer, cfg *toolstack.DomainConfig, h *toolstack.BuildInfoHVM) {
	b := cfg.BInfo
	w.optStr("firmware", h.Firmware)
	w.optStr("bios", h.BIOS)
	w.flag("acpi", h.ACPI)
	w.flag("apic", h.APIC)
	w.flag("pae", h.PAE)
	w.flag("hpet", h.HPET)
	w.flag("viridian", h.Viridian)
	w.flag("vpt_align", h.VPTAlign)
	w.flag("nestedhvm", h.NestedHVM)
	w.flag("xen_platform_pci", h.XenPlatformPCI)
	w.optStr("timer_mode", h.TimerMode)
	if b.RTCTimeoffset != 0 {
		w.num("rtc_timeoffset", int64(int32(b.RTCTimeoffset)))
	}
	w.optStr("boot", h.Boot)
	w.optStr("serial", h.Serial)
	w.list("serial", h.SerialList)
	w.optStr("soundhw", h.Soundhw)
	w.flag("usb", h.USB)
	w.optStr("usbdevice", h.USBDevice)
	w.list("usbdevice", h.USBDeviceList)
	if h.VGA != nil {
		w.optStr("vga", vgaKinds[h.VGA.Kind])
	}
	if b.VideoMemKB != nil {
		w.num("videoram", int64(*b.VideoMemKB/1024))
	}
	w.flag("gfx_passthru", h.GfxPassthru)
	w.flag("nographic", h.Nographic)
	if v := h.VNC; v != nil {
		w.flag("vnc", v.Enable)
		if v.Enable.IsTrue() {
			w.optStr("vnclisten", v.Listen)
			if v.Display != 0 && !strings.Contains(v.Listen, ":") {
				w.num("vncdisplay", int64(v.Display))
			}
			w.flag("vncunused", v.FindUnused)
			w.optStr("vncpasswd", v.Passwd)
		}
	}
	if s := h.SDL; s != nil {
		w.flag("sdl", s.Enable)
		if s.Enable.IsTrue() {
			w.flag("opengl", s.OpenGL)
			w.optStr("display", s.Display)
			w.optStr("xauthority", s.Xauthority)
		}
	}
	w.optStr("keymap", h.Keymap)
	w.flag("device_model_stubdomain_override", b.DeviceModelStubdomain)
	w.optStr("device_model_version", b.DeviceModelVersion)
}

func emitDevices(w *writer, cfg *toolstack.DomainConfig, hvm bool) {
	w.list("disk", specs(cfg.Disks, DiskSpec))
	w.list("vif", specs(cfg.NICs, func(n toolstack.DeviceNIC) string { return VifSpec(n, hvm) }))
	w.list("vfb", specs(cfg.VFBs, VfbSpec))
	// A vkb with nothing to say is left out ("" is a vif with defaults,
	// but xl makes the PV keyboard on its own).
	w.list("vkb", slices.DeleteFunc(specs(cfg.VKBs, VkbSpec), func(s string) bool { return s == "" }))
	w.list("pci", specs(cfg.PCIDevs, PCISpec))
	for _, p := range cfg.PCIDevs {
		if p.MSITranslate {
			w.num("pci_msitranslate", 1)
			break
		}
	}
	w.list("ioports", specs(cfg.BInfo.IOPorts, func(r toolstack.IOPortRange) string {
		s := strconv.FormatUint(uint64(r.First), 16)
		if r.Number > 1 {
			s += "-" + strconv.FormatUint(uint64(r.First+r.Number-1), 16)
		}
		return s
	}))
	w.numList("irqs", specs(cfg.BInfo.IRQs, func(n uint32) string { return strconv.FormatUint(uint64(n), 10) }))
	w.list("usbctrl", specs(cfg.USBCtrls, USBCtrlSpec))
	w.list("usbdev", specs(cfg.USBDevs, USBDevSpec))
	w.list("channel", specs(cfg.Channels, ChannelSpec))
	w.list("vtpm", specs(cfg.VTPMs, VTPMSpec))
}

// specs renders each device with spec.
func specs[T any](devs []T, spec func(T) string) []string {
	var l []string
	for _, d := range devs {
		l = append(l, spec(d))
	}
	return l
}

// affinityList renders per-vCPU hard affinities as xl's list form of
// `cpus`. An empty bitmap means "all CPUs" in the model, which xl spells
// "all" (an empty string is a syntax error to xl create). A list in which
// no vCPU is restricted says nothing, so it is nil and `cpus` is left to
// the domain-wide map, if any.
func affinityList(aff []toolstack.Bitmap) []string {
	restricted := false
	l := make([]string, len(aff))
	for i, bm := range aff {
		if len(bm) == 0 {
			l[i] = "all"
			continue
		}
		l[i] = bm.String()
		restricted = true
	}
	if !restricted {
		return nil
	}
	return l
}
