package xl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// XLConfig renders cfg as xl.cfg text for `xl create`. It is this
// backend's own minimal emitter: it covers what DomainConfig holds for PV,
// PVH and HVM guests (name, uuid, kernel/ramdisk/cmdline or bootloader,
// memory, vCPUs, affinity, actions, disks, vifs, vfbs, vkbs, PCI, USB,
// channels, vTPMs and the common HVM options). Strings that xl.cfg cannot
// carry (control characters) are rejected with the field named.
//
// compat/convert owns the full xm-to-xl conversion; this emitter only has
// to turn an already-modelled DomainConfig into something xl accepts.
func XLConfig(cfg *toolstack.DomainConfig) ([]byte, error) {
	e := &emitter{}
	c, b := &cfg.CInfo, &cfg.BInfo
	if c.Name == "" {
		return nil, fmt.Errorf("xl.cfg: the domain has no name (c_info.name)")
	}
	e.str("name", c.Name)
	e.str("type", string(cfg.Type()))
	e.str("uuid", c.UUID)
	e.str("pool", c.PoolName)
	e.str("seclabel", c.SSIDLabel)
	e.str("kernel", b.Kernel)
	e.str("ramdisk", b.Ramdisk)
	e.str("cmdline", b.Cmdline)
	bl, blArgs := b.Bootloader, b.BootloaderArgs
	if b.PV != nil {
		if bl == "" {
			bl = b.PV.Bootloader
		}
		if len(blArgs) == 0 {
			blArgs = b.PV.BootloaderArgs
		}
	}
	e.str("bootloader", bl)
	e.list("bootloader_args", blArgs)
	if b.TargetMemKB > 0 {
		e.num("memory", int64(b.TargetMemKB/1024))
	}
	if b.MaxMemKB > 0 && b.MaxMemKB != b.TargetMemKB {
		e.num("maxmem", int64(b.MaxMemKB/1024))
	}
	if n := len(b.AvailVCPUs); n > 0 {
		e.num("vcpus", int64(n))
	} else if b.MaxVCPUs > 0 {
		e.num("vcpus", int64(b.MaxVCPUs))
	}
	if b.MaxVCPUs > 0 && len(b.AvailVCPUs) > 0 && b.MaxVCPUs != len(b.AvailVCPUs) {
		e.num("maxvcpus", int64(b.MaxVCPUs))
	}
	if len(b.CPUMap) > 0 {
		e.str("cpus", FormatCPUList(b.CPUMap))
	}
	if b.SchedParams.Weight != nil {
		e.num("cpu_weight", int64(*b.SchedParams.Weight))
	}
	if b.SchedParams.Cap != nil && *b.SchedParams.Cap > 0 {
		e.num("cap", int64(*b.SchedParams.Cap))
	}
	e.str("tsc_mode", b.TSCMode)
	e.defbool("localtime", b.Localtime)
	e.defbool("disable_migrate", b.DisableMigrate)
	e.str("device_model_version", b.DeviceModelVersion)
	e.str("on_poweroff", xlAction(cfg.OnPoweroff))
	e.str("on_reboot", xlAction(cfg.OnReboot))
	e.str("on_watchdog", xlAction(cfg.OnWatchdog))
	e.str("on_crash", xlAction(cfg.OnCrash))
	e.str("on_soft_reset", xlAction(cfg.OnSoftReset))
	if h := b.HVM; h != nil {
		e.str("firmware", h.Firmware)
		e.str("bios", h.BIOS)
		e.defbool("pae", h.PAE)
		e.defbool("acpi", h.ACPI)
		e.defbool("apic", h.APIC)
		e.defbool("viridian", h.Viridian)
		e.defbool("hpet", h.HPET)
		e.str("boot", h.Boot)
		e.str("serial", h.Serial)
		e.str("soundhw", h.Soundhw)
		e.str("keymap", h.Keymap)
		e.str("usbdevice", h.USBDevice)
		e.defbool("usb", h.USB)
		e.defbool("xen_platform_pci", h.XenPlatformPCI)
		e.defbool("nographic", h.Nographic)
		if h.VGA != nil && h.VGA.Kind != "" {
			e.str("vga", h.VGA.Kind)
		}
		if v := h.VNC; v != nil {
			e.defbool("vnc", v.Enable)
			e.str("vnclisten", v.Listen)
			if v.Display > 0 {
				e.num("vncdisplay", int64(v.Display))
			}
			e.defbool("vncunused", v.FindUnused)
			e.str("vncpasswd", v.Passwd)
		}
		if s := h.SDL; s != nil {
			e.defbool("sdl", s.Enable)
		}
	}
	var specs []string
	for _, d := range cfg.Disks {
		specs = append(specs, DiskSpec(d))
	}
	e.list("disk", specs)
	specs = nil
	for _, n := range cfg.NICs {
		specs = append(specs, NICSpec(n))
	}
	e.list("vif", specs)
	specs = nil
	for _, v := range cfg.VFBs {
		specs = append(specs, VFBSpec(v))
	}
	e.list("vfb", specs)
	if len(cfg.VKBs) > 0 {
		specs = nil
		for _, k := range cfg.VKBs {
			specs = append(specs, joinKV("backend-type", k.BackendType, "backend", k.BackendDomname))
		}
		e.list("vkb", specs)
	}
	specs = nil
	for _, p := range cfg.PCIDevs {
		specs = append(specs, PCISpec(p))
	}
	e.list("pci", specs)
	specs = nil
	for _, u := range cfg.USBCtrls {
		specs = append(specs, USBCtrlSpec(u))
	}
	e.list("usbctrl", specs)
	specs = nil
	for _, u := range cfg.USBDevs {
		specs = append(specs, USBDevSpec(u))
	}
	e.list("usbdev", specs)
	specs = nil
	for _, ch := range cfg.Channels {
		s := joinKV("name", ch.Name, "backend", ch.BackendDomname)
		switch {
		case ch.Socket != nil:
			s = joinKV0(s, "connection", "socket", "path", ch.Socket.Path)
		default:
			s = joinKV0(s, "connection", "pty")
		}
		specs = append(specs, s)
	}
	e.list("channel", specs)
	specs = nil
	for _, t := range cfg.VTPMs {
		specs = append(specs, joinKV("backend", t.BackendDomname, "uuid", t.UUID))
	}
	e.list("vtpm", specs)
	if e.err != nil {
		return nil, e.err
	}
	return []byte(e.b.String()), nil
}

// xlAction spells an action as xl.cfg does: libxl's JSON says
// "coredump_destroy", xl.cfg "coredump-destroy" (xl refuses the former).
func xlAction(a toolstack.Action) string {
	return strings.ReplaceAll(string(a), "_", "-")
}

// DiskSpec renders a disk in xl's key=value disk syntax (target last).
func DiskSpec(d toolstack.DeviceDisk) string {
	access := "ro"
	if d.Readwrite != 0 {
		access = "rw"
	}
	s := joinKV("format", d.Format, "vdev", d.Vdev, "access", access, "backendtype", d.Backend,
		"backend", d.BackendDomname, "script", d.Script)
	if d.IsCDROM != 0 {
		s = joinKV0(s, "devtype", "cdrom")
	}
	if d.PdevPath == "" {
		return s
	}
	return joinKV0(s, "target", d.PdevPath)
}

// NICSpec renders a vif in xl's vif syntax.
func NICSpec(n toolstack.DeviceNIC) string {
	s := joinKV("mac", n.MAC, "bridge", n.Bridge, "ip", n.IP, "script", n.Script, "vifname", n.Ifname,
		"model", n.Model, "gatewaydev", n.Gatewaydev, "backend", n.BackendDomname)
	switch n.Nictype {
	case "vif_ioemu":
		s = joinKV0(s, "type", "ioemu")
	case "vif":
		s = joinKV0(s, "type", "vif")
	}
	if n.MTU > 0 {
		s = joinKV0(s, "mtu", strconv.Itoa(n.MTU))
	}
	if n.RateBytesPerInterval > 0 && n.RateIntervalUsecs > 0 {
		s = joinKV0(s, "rate", fmt.Sprintf("%dB/s@%dus", n.RateBytesPerInterval*1000000/uint64(n.RateIntervalUsecs), n.RateIntervalUsecs))
	}
	return s
}

// VFBSpec renders a vfb in xl's vfb syntax.
func VFBSpec(v toolstack.DeviceVFB) string {
	s := joinKV("backend", v.BackendDomname, "keymap", v.Keymap)
	if n := v.VNC; n != nil {
		if n.Enable.IsTrue() {
			s = joinKV0(s, "vnc", "1")
		}
		s = joinKV0(s, "vnclisten", n.Listen, "vncpasswd", n.Passwd)
		if n.Display > 0 {
			s = joinKV0(s, "vncdisplay", strconv.Itoa(n.Display))
		}
		if n.FindUnused != toolstack.DefboolDefault {
			s = joinKV0(s, "vncunused", boolDigit(n.FindUnused.IsTrue()))
		}
	}
	if d := v.SDL; d != nil && d.Enable.IsTrue() {
		s = joinKV0(s, "sdl", "1", "display", d.Display, "xauthority", d.Xauthority)
		if d.OpenGL.IsTrue() {
			s = joinKV0(s, "opengl", "1")
		}
	}
	return s
}

// PCISpec renders a PCI function as "DDDD:BB:DD.F" plus options.
func PCISpec(p toolstack.DevicePCI) string {
	s := fmt.Sprintf("%04x:%02x:%02x.%x", p.Domain, p.Bus, p.Dev, p.Func)
	if p.MSITranslate {
		s += ",msitranslate=1"
	}
	if p.PowerMgmt {
		s += ",power_mgmt=1"
	}
	if p.Permissive {
		s += ",permissive=1"
	}
	if p.Seize {
		s += ",seize=1"
	}
	if p.RDMPolicy != "" {
		s += ",rdm_policy=" + p.RDMPolicy
	}
	return s
}

// USBCtrlSpec renders a USB controller in xl's usbctrl syntax.
func USBCtrlSpec(u toolstack.DeviceUSBCtrl) string {
	s := joinKV("type", u.Type, "backend", u.BackendDomname)
	if u.Version > 0 {
		s = joinKV0(s, "version", strconv.Itoa(u.Version))
	}
	if u.Ports > 0 {
		s = joinKV0(s, "ports", strconv.Itoa(u.Ports))
	}
	return s
}

// USBDevSpec renders a USB device in xl's usbdev syntax.
func USBDevSpec(u toolstack.DeviceUSBDev) string {
	s := "type=hostdev"
	if u.HostDev != nil {
		s = joinKV0(s, "hostbus", strconv.Itoa(int(u.HostDev.HostBus)), "hostaddr", strconv.Itoa(int(u.HostDev.HostAddr)))
	}
	s = joinKV0(s, "controller", strconv.Itoa(u.Ctrl))
	if u.Port > 0 {
		s = joinKV0(s, "port", strconv.Itoa(u.Port))
	}
	return s
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// joinKV joins key=value pairs with commas, leaving out empty values.
func joinKV(kv ...string) string { return joinKV0("", kv...) }

func joinKV0(s string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if s != "" {
			s += ","
		}
		s += kv[i] + "=" + kv[i+1]
	}
	return s
}

type emitter struct {
	b   strings.Builder
	err error
}

func (e *emitter) quote(key, v string) string {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			if e.err == nil {
				e.err = fmt.Errorf("xl.cfg: %s: value %q holds a control character xl.cfg cannot carry", key, v)
			}
			return `""`
		}
	}
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `"`, `\"`)
	return `"` + v + `"`
}

func (e *emitter) str(key, v string) {
	if v == "" {
		return
	}
	fmt.Fprintf(&e.b, "%s = %s\n", key, e.quote(key, v))
}

func (e *emitter) num(key string, v int64) { fmt.Fprintf(&e.b, "%s = %d\n", key, v) }

func (e *emitter) defbool(key string, d toolstack.Defbool) {
	if d == toolstack.DefboolDefault {
		return
	}
	e.num(key, map[bool]int64{true: 1, false: 0}[d.IsTrue()])
}

func (e *emitter) list(key string, items []string) {
	if len(items) == 0 {
		return
	}
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = e.quote(key, it)
	}
	fmt.Fprintf(&e.b, "%s = [ %s ]\n", key, strings.Join(q, ", "))
}
