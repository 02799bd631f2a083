package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

// QuoteXL quotes s as an xl.cfg string that libxlu reads back unchanged:
// double quotes, and only the escapes libxlu really decodes (config.md
// §1.3). Control bytes other than \a \b \t \n \v \f \r cannot be written.
func QuoteXL(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("control byte %#02x cannot be written in an xl.cfg string (libxlu's \\x and octal escapes are broken)", c)
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// emitter builds xl.cfg text line by line.
type emitter struct {
	b   strings.Builder
	err error
	rec []xlSetting
}

// xlSetting is one key as written, for checking that xl reads it back:
// Type is 's' (string), 'l' (number) or 'L' (list of strings).
type xlSetting struct {
	Key  string
	Type byte
	S    string
	N    int64
	List []string
}

func (e *emitter) str(key, val string) {
	q, err := QuoteXL(val)
	if err != nil {
		if e.err == nil {
			e.err = fmt.Errorf("%s: %w", key, err)
		}
		return
	}
	fmt.Fprintf(&e.b, "%s = %s\n", key, q)
	e.rec = append(e.rec, xlSetting{Key: key, Type: 's', S: val})
}

func (e *emitter) num(key string, n int64) {
	e.rec = append(e.rec, xlSetting{Key: key, Type: 'l', N: n})
	if n < 0 {
		fmt.Fprintf(&e.b, "%s = \"%d\"\n", key, n)
		return
	}
	fmt.Fprintf(&e.b, "%s = %d\n", key, n)
}

func (e *emitter) flag(key string, d toolstack.Defbool) {
	if d == toolstack.DefboolDefault {
		return
	}
	if d.IsTrue() {
		e.num(key, 1)
	} else {
		e.num(key, 0)
	}
}

func (e *emitter) list(key string, vals []string) {
	if len(vals) == 0 {
		return
	}
	e.rec = append(e.rec, xlSetting{Key: key, Type: 'L', List: vals})
	quoted := make([]string, len(vals))
	width := 0
	for i, v := range vals {
		q, err := QuoteXL(v)
		if err != nil && e.err == nil {
			e.err = fmt.Errorf("%s: %w", key, err)
		}
		quoted[i] = q
		width += len(q) + 2
	}
	if width < 64 {
		fmt.Fprintf(&e.b, "%s = [ %s ]\n", key, strings.Join(quoted, ", "))
		return
	}
	fmt.Fprintf(&e.b, "%s = [\n", key)
	for _, v := range vals {
		q, err := QuoteXL(v)
		if err != nil && e.err == nil {
			e.err = fmt.Errorf("%s: %w", key, err)
		}
		fmt.Fprintf(&e.b, "    %s,\n", q)
	}
	e.b.WriteString("]\n")
}

var xlActions = map[toolstack.Action]string{
	toolstack.ActionDestroy: "destroy", toolstack.ActionRestart: "restart", toolstack.ActionPreserve: "preserve",
	toolstack.ActionRestartRename: "rename-restart", toolstack.ActionCoredumpDestroy: "coredump-destroy",
	toolstack.ActionCoredumpRestart: "coredump-restart", toolstack.ActionSoftReset: "soft-reset",
}

// EmitXL renders cfg as an xl.cfg file: a leading comment block that lists
// every dropped or changed key (notes), then one setting per line (§1.4).
func EmitXL(cfg *toolstack.DomainConfig, source string, notes []Note, opts Options) (string, error) {
	s, _, err := emitXL(cfg, source, notes, opts)
	return s, err
}

func emitXL(cfg *toolstack.DomainConfig, source string, notes []Note, opts Options) (string, []xlSetting, error) {
	e := &emitter{}
	e.b.WriteString("# xl config converted by xendshim from " + commentSafe(source) + "\n")
	for _, n := range notes {
		line := n.Severity.String() + ": "
		if n.Key != "" {
			line += "'" + n.Key + "' "
		}
		if n.Pos.Line > 0 {
			line += fmt.Sprintf("(line %d) ", n.Pos.Line)
		}
		e.b.WriteString("# xendshim: " + commentSafe(line+n.Msg) + "\n")
	}
	if cfg.Xend != nil {
		if cfg.Xend.Description != "" {
			e.b.WriteString("# description: " + commentSafe(cfg.Xend.Description) + "\n")
		}
		for _, v := range cfg.Xend.VSCSIs {
			for _, l := range v.LUNs {
				e.b.WriteString(fmt.Sprintf("# xendshim-vscsi: %s, %s (controller %d, backend %d): attached by xendshim after `xl create`\n",
					commentSafe(l.PDev), commentSafe(l.VDev), v.Devid, v.BackendDomid))
			}
		}
	}
	e.b.WriteString("\n")
	c, b := cfg.CInfo, cfg.BInfo
	e.str("name", c.Name)
	if c.UUID != "" {
		e.str("uuid", c.UUID)
	}
	hvm := cfg.Type() == toolstack.TypeHVM
	switch {
	case opts.targetAtLeast(4, 10):
		e.str("type", string(cfg.Type()))
	case hvm:
		e.str("builder", "hvm")
	}
	e.num("memory", int64(b.TargetMemKB/1024))
	if b.MaxMemKB > b.TargetMemKB {
		e.num("maxmem", int64(b.MaxMemKB/1024))
	}
	online := int64(len(b.AvailVCPUs))
	if online == 0 {
		online = int64(b.MaxVCPUs)
	}
	e.num("vcpus", online)
	if int64(b.MaxVCPUs) > online {
		e.num("maxvcpus", int64(b.MaxVCPUs))
	}
	if len(b.CPUMap) > 0 {
		e.str("cpus", b.CPUMap.String())
	}
	if len(b.VCPUHardAffinity) > 0 {
		l := make([]string, len(b.VCPUHardAffinity))
		for i, bm := range b.VCPUHardAffinity {
			l[i] = bm.String()
		}
		e.list("cpus", l)
	}
	if w := b.SchedParams.Weight; w != nil {
		e.num("cpu_weight", int64(*w))
	}
	if cp := b.SchedParams.Cap; cp != nil {
		e.num("cap", int64(*cp))
	}
	if c.PoolName != "" {
		e.str("pool", c.PoolName)
	}
	if b.ShadowMemKB != nil {
		e.num("shadow_memory", int64(*b.ShadowMemKB/1024))
	}
	for _, a := range []struct {
		k string
		v toolstack.Action
	}{{"on_poweroff", cfg.OnPoweroff}, {"on_reboot", cfg.OnReboot}, {"on_crash", cfg.OnCrash}} {
		if a.v != "" {
			e.str(a.k, xlActions[a.v])
		}
	}
	if b.Kernel != "" {
		e.str("kernel", b.Kernel)
	}
	if b.Ramdisk != "" {
		e.str("ramdisk", b.Ramdisk)
	}
	if b.Cmdline != "" {
		if opts.targetAtLeast(4, 5) {
			e.str("cmdline", b.Cmdline)
		} else {
			e.str("extra", b.Cmdline)
		}
	}
	if b.Bootloader != "" {
		e.str("bootloader", b.Bootloader)
		e.list("bootloader_args", b.BootloaderArgs)
	}
	e.flag("localtime", b.Localtime)
	e.flag("nomigrate", b.DisableMigrate)
	if b.TSCMode != "" {
		e.str("tsc_mode", b.TSCMode)
	}
	e.flag("hap", c.HAP)
	e.flag("oos", c.OOS)
	e.flag("driver_domain", c.DriverDomain)
	if h := b.HVM; h != nil {
		emitHVM(e, cfg, h)
	}
	emitDevices(e, cfg, hvm)
	if cfg.Xend != nil {
		if v, ok := cfg.Xend.Other.Get("cpuid"); ok && v != "" {
			e.list("cpuid", strings.Split(v, "\n"))
		}
		if v, ok := cfg.Xend.Other.Get("cpuid.libxl"); ok && v != "" {
			e.str("cpuid", v)
		}
	}
	if e.err != nil {
		return "", nil, e.err
	}
	return e.b.String(), e.rec, nil
}

func emitHVM(e *emitter, cfg *toolstack.DomainConfig, h *toolstack.BuildInfoHVM) {
	b := cfg.BInfo
	if h.Firmware != "" {
		e.str("firmware", h.Firmware)
	}
	e.flag("acpi", h.ACPI)
	e.flag("apic", h.APIC)
	e.flag("pae", h.PAE)
	e.flag("hpet", h.HPET)
	e.flag("viridian", h.Viridian)
	e.flag("vpt_align", h.VPTAlign)
	e.flag("nestedhvm", h.NestedHVM)
	e.flag("xen_platform_pci", h.XenPlatformPCI)
	if h.TimerMode != "" {
		e.str("timer_mode", h.TimerMode)
	}
	if b.RTCTimeoffset != 0 {
		e.num("rtc_timeoffset", int64(int32(b.RTCTimeoffset)))
	}
	if h.Boot != "" {
		e.str("boot", h.Boot)
	}
	if h.Serial != "" {
		e.str("serial", h.Serial)
	}
	e.list("serial", h.SerialList)
	if h.Soundhw != "" {
		e.str("soundhw", h.Soundhw)
	}
	e.flag("usb", h.USB)
	if h.USBDevice != "" {
		e.str("usbdevice", h.USBDevice)
	}
	e.list("usbdevice", h.USBDeviceList)
	if h.VGA != nil && h.VGA.Kind == "std" {
		e.str("vga", "stdvga")
	}
	if b.VideoMemKB != nil {
		e.num("videoram", int64(*b.VideoMemKB/1024))
	}
	e.flag("gfx_passthru", h.GfxPassthru)
	e.flag("nographic", h.Nographic)
	if v := h.VNC; v != nil {
		e.flag("vnc", v.Enable)
		if v.Enable.IsTrue() {
			if v.Listen != "" {
				e.str("vnclisten", v.Listen)
			}
			if v.Display != 0 && !strings.Contains(v.Listen, ":") {
				e.num("vncdisplay", int64(v.Display))
			}
			e.flag("vncunused", v.FindUnused)
			if v.Passwd != "" {
				e.str("vncpasswd", v.Passwd)
			}
		}
	}
	if s := h.SDL; s != nil {
		e.flag("sdl", s.Enable)
		if s.Enable.IsTrue() {
			e.flag("opengl", s.OpenGL)
			if s.Display != "" {
				e.str("display", s.Display)
			}
			if s.Xauthority != "" {
				e.str("xauthority", s.Xauthority)
			}
		}
	}
	if h.Keymap != "" {
		e.str("keymap", h.Keymap)
	}
	e.flag("device_model_stubdomain_override", b.DeviceModelStubdomain)
	if b.DeviceModelVersion != "" {
		e.str("device_model_version", b.DeviceModelVersion)
	}
}

func emitDevices(e *emitter, cfg *toolstack.DomainConfig, hvm bool) {
	var disks []string
	for _, d := range cfg.Disks {
		disks = append(disks, DiskSpec(d))
	}
	e.list("disk", disks)
	var vifs []string
	for _, n := range cfg.NICs {
		vifs = append(vifs, VifSpec(n, hvm))
	}
	e.list("vif", vifs)
	var vfbs []string
	for _, f := range cfg.VFBs {
		vfbs = append(vfbs, VfbSpec(f))
	}
	e.list("vfb", vfbs)
	var pcis []string
	msi := false
	for _, p := range cfg.PCIDevs {
		s := formatPCI(p)
		if !p.MSITranslate {
			s += ",msitranslate=0"
		} else {
			msi = true
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
		pcis = append(pcis, s)
	}
	e.list("pci", pcis)
	if msi {
		e.num("pci_msitranslate", 1)
	}
	var ioports []string
	for _, r := range cfg.BInfo.IOPorts {
		s := strconv.FormatUint(uint64(r.First), 16)
		if r.Number > 1 {
			s += "-" + strconv.FormatUint(uint64(r.First+r.Number-1), 16)
		}
		ioports = append(ioports, s)
	}
	e.list("ioports", ioports)
	if len(cfg.BInfo.IRQs) > 0 {
		parts := make([]string, len(cfg.BInfo.IRQs))
		for i, n := range cfg.BInfo.IRQs {
			parts[i] = strconv.FormatUint(uint64(n), 10)
		}
		fmt.Fprintf(&e.b, "irqs = [ %s ]\n", strings.Join(parts, ", "))
		e.rec = append(e.rec, xlSetting{Key: "irqs", Type: 'L', List: parts})
	}
	var ctrls []string
	for _, u := range cfg.USBCtrls {
		ctrls = append(ctrls, fmt.Sprintf("type=%s,version=%d,ports=%d", u.Type, u.Version, u.Ports))
	}
	e.list("usbctrl", ctrls)
}

// commentSafe keeps a text on one comment line.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r < 0x20 {
			return ' '
		}
		return r
	}, s)
}

var _ = xmconfig.Info
