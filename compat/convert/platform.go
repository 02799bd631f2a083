package convert

import (
	"path"
	"regexp"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

var ipInArgs = regexp.MustCompile(`(^|\s)ip=[^ ]+`)

// rootInArgs finds a root= parameter (not nfsroot=) in the command line.
var rootInArgs = regexp.MustCompile(`(^|\s)root=`)

// boot maps kernel, bootloader and the kernel command line (§2.3).
func (c *conv) boot(cfg *toolstack.DomainConfig) error {
	kernel, hasKernel, err := c.str("kernel")
	if err != nil && !c.hvm {
		return err
	}
	if c.hvm {
		c.used["kernel"] = true
		if hasKernel && err == nil {
			base := path.Base(kernel)
			if base == "hvmloader" || base == "vmxloader" {
				c.note("kernel", xmconfig.Info, "HVM firmware %s is xl's default; dropped", base)
			} else {
				cfg.BInfo.HVM.Firmware = kernel
				c.note("kernel", xmconfig.Warning, "HVM firmware %q written as firmware", kernel)
			}
		} else if hasKernel {
			c.note("kernel", xmconfig.Info, "HVM firmware path depends on runtime Python; dropped (xl picks hvmloader)")
		}
		c.used["loader"] = true
		if s, ok := c.set["loader"]; ok {
			if !s.Value.IsOpaque() && s.Value.Kind == xmconfig.Str && path.Base(s.Value.S) != "hvmloader" {
				cfg.BInfo.HVM.Firmware = s.Value.S
				c.note("loader", xmconfig.Warning, "written as firmware")
			} else {
				c.note("loader", xmconfig.Info, "default hvmloader; dropped")
			}
		}
		for _, k := range []string{"ramdisk", "bootloader", "bootargs", "root", "extra"} {
			if c.has(k) {
				c.used[k] = true
				c.note(k, xmconfig.Info, "PV boot key on an HVM guest: xm ignored it, dropped")
			}
		}
		c.dropNetBoot()
		return nil
	}
	if hasKernel {
		if !strings.HasPrefix(kernel, "/") {
			c.note("kernel", xmconfig.Warning, "relative path %q was resolved against xm's working directory; check it on the new host", kernel)
		}
		cfg.BInfo.Kernel = kernel
		if strings.Contains(path.Base(kernel), "pv-grub") {
			c.note("kernel", xmconfig.Info, "PV-GRUB kernel kept; on Xen 4.9+ firmware = \"pvgrub64\" (or pvgrub32) is the packaged equivalent")
		}
	}
	if r, ok, err := c.str("ramdisk"); err != nil {
		return err
	} else if ok && r != "" {
		cfg.BInfo.Ramdisk = r
	}
	if bl, ok, err := c.str("bootloader"); err != nil {
		return err
	} else if ok && bl != "" {
		cfg.BInfo.Bootloader = bl
		if base := path.Base(bl); base == "pygrub" && bl != "pygrub" {
			c.note("bootloader", xmconfig.Info, "absolute path %q may not exist on the new host; xl also accepts a bare \"pygrub\"", bl)
		}
		if hasKernel {
			c.note("kernel", xmconfig.Info, "a bootloader is set, so the kernel is loaded by it")
		}
	}
	if ba, ok, err := c.str("bootargs"); err != nil {
		return err
	} else if ok {
		args := splitShell(ba)
		if len(args) == 1 && args[0] == "-q" {
			args = nil
		}
		cfg.BInfo.BootloaderArgs = args
		if len(args) > 0 {
			c.note("bootargs", xmconfig.Info, "renamed to bootloader_args (a list)")
		}
	}
	return c.cmdline(cfg)
}

func (c *conv) dropNetBoot() {
	for _, k := range []string{"ip", "gateway", "netmask", "hostname", "dhcp", "nfs_server", "nfs_root"} {
		if c.has(k) {
			c.used[k] = true
			c.note(k, xmconfig.Info, "kernel IP configuration on an HVM guest: xm ignored it, dropped")
		}
	}
}

// cmdline composes the kernel command line as xm did (§2.3).
func (c *conv) cmdline(cfg *toolstack.DomainConfig) error {
	get := func(k string) (string, error) {
		v, _, err := c.str(k)
		return v, err
	}
	vals := map[string]string{}
	for _, k := range []string{"extra", "root", "ip", "gateway", "netmask", "hostname", "interface", "dhcp", "nfs_server", "nfs_root"} {
		v, err := get(k)
		if err != nil {
			return err
		}
		vals[k] = v
	}
	if cl, ok, err := c.str("cmdline"); err != nil {
		return err
	} else if ok {
		// xl's own key (4.5+) overrides root and extra, as in xl
		cfg.BInfo.Cmdline = cl
		if c.has("root") || c.has("extra") {
			c.note("cmdline", xmconfig.Info, "cmdline set: root and extra are ignored, as xl does")
		}
		return nil
	}
	args := vals["extra"]
	if vals["nfs_root"] != "" {
		if vals["nfs_server"] == "" {
			return c.refuse("nfs_root", "set nfs_server too", "nfs_root needs nfs_server (xm failed too)")
		}
		args = strings.TrimSpace("nfsroot=" + vals["nfs_server"] + ":" + vals["nfs_root"] + " " + args)
	}
	dhcp := vals["dhcp"]
	if dhcp == "" {
		dhcp = "off"
	}
	if vals["ip"] != "" || dhcp != "off" {
		iface := vals["interface"]
		if iface == "" {
			iface = "eth0"
		}
		server := vals["nfs_server"]
		if server == "" {
			server = "127.0.255.255"
		}
		ipstr := strings.Join([]string{vals["ip"], server, vals["gateway"], vals["netmask"], vals["hostname"], iface, dhcp}, ":")
		if !ipInArgs.MatchString(args) {
			args = strings.TrimSpace("ip=" + ipstr + " " + args)
		}
	}
	if r := strings.TrimPrefix(vals["root"], "root="); r != "" && !rootInArgs.MatchString(args) {
		args = strings.TrimSpace("root=" + r + " " + args)
	}
	cfg.BInfo.Cmdline = args
	folded := []string{}
	for _, k := range []string{"ip", "gateway", "netmask", "hostname", "interface", "dhcp", "nfs_server", "nfs_root"} {
		if c.has(k) {
			folded = append(folded, k)
		}
	}
	if len(folded) > 0 {
		c.note(folded[0], xmconfig.Info, "%s folded into cmdline as xm did (xl has no such keys)", strings.Join(folded, ", "))
	}
	if (c.has("root") || c.has("extra")) && len(folded) == 0 {
		c.note("extra", xmconfig.Info, "root and extra composed into cmdline as xm did")
	}
	return nil
}

// splitShell splits bootargs like a shell (quotes, backslashes).
func splitShell(s string) []string {
	var out []string
	var cur strings.Builder
	in := false
	var q byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case q != 0:
			if ch == q {
				q = 0
			} else {
				cur.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			q, in = ch, true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

var timerModes = []string{"delay_for_missed_ticks", "no_delay_for_missed_ticks", "no_missed_ticks_pending", "one_missed_tick_pending"}
var tscModes = []string{"default", "always_emulate", "native", "native_paravirt"}

// platform maps §2.4 and the device-model keys of §2.5.
func (c *conv) platform(cfg *toolstack.DomainConfig) error {
	flag := func(k string, set func(toolstack.Defbool)) error {
		b, ok, err := c.boolean(k)
		if err != nil || !ok {
			return err
		}
		set(toolstack.DefboolOf(b))
		return nil
	}
	if err := flag("localtime", func(d toolstack.Defbool) { cfg.BInfo.Localtime = d }); err != nil {
		return err
	}
	if err := flag("nomigrate", func(d toolstack.Defbool) { cfg.BInfo.DisableMigrate = d }); err != nil {
		return err
	}
	if err := flag("oos", func(d toolstack.Defbool) { cfg.CInfo.OOS = d }); err != nil {
		return err
	}
	if v, ok, err := c.value("tsc_mode"); err != nil {
		return err
	} else if ok {
		name, err := c.named("tsc_mode", v, tscModes)
		if err != nil {
			return err
		}
		if name != "default" {
			cfg.BInfo.TSCMode = name
		}
	}
	if !c.hvm {
		return nil
	}
	h := cfg.BInfo.HVM
	for _, f := range []struct {
		k   string
		set func(toolstack.Defbool)
	}{
		{"acpi", func(d toolstack.Defbool) { h.ACPI = d }},
		{"apic", func(d toolstack.Defbool) { h.APIC = d }},
		{"lapic", func(d toolstack.Defbool) { h.APIC = d }},
		{"pae", func(d toolstack.Defbool) { h.PAE = d }},
		{"viridian", func(d toolstack.Defbool) { h.Viridian = d }},
		{"vpt_align", func(d toolstack.Defbool) { h.VPTAlign = d }},
		{"hap", func(d toolstack.Defbool) { cfg.CInfo.HAP = d }},
		{"nestedhvm", func(d toolstack.Defbool) { h.NestedHVM = d }},
		{"xen_platform_pci", func(d toolstack.Defbool) { h.XenPlatformPCI = d }},
		{"usb", func(d toolstack.Defbool) { h.USB = d }},
		{"gfx_passthru", func(d toolstack.Defbool) { h.GfxPassthru = d }},
		{"nographic", func(d toolstack.Defbool) { h.Nographic = d }},
	} {
		if f.k == "gfx_passthru" {
			if s, ok := c.set[f.k]; ok && s.Value.Kind == xmconfig.Str {
				c.used[f.k] = true
				c.note(f.k, xmconfig.Warning, "string value %q cannot be carried in the model; gfx_passthru = 1 written", s.Value.S)
				h.GfxPassthru = toolstack.DefboolOf(true)
				continue
			}
		}
		if err := flag(f.k, f.set); err != nil {
			return err
		}
	}
	if c.has("lapic") {
		c.note("lapic", xmconfig.Info, "Xen 3.0 name of apic")
	}
	if b, ok, err := c.boolean("hpet"); err != nil {
		return err
	} else if ok {
		h.HPET = toolstack.DefboolOf(b)
	} else if !c.xlSource {
		h.HPET = toolstack.DefboolOf(false)
		c.note("hpet", xmconfig.Info, "not set: xm's default 0 is written (xl's default is 1)")
	}
	if v, ok, err := c.value("timer_mode"); err != nil {
		return err
	} else if ok {
		name, err := c.named("timer_mode", v, timerModes)
		if err != nil {
			return err
		}
		h.TimerMode = name
	}
	if off, ok, err := c.integer("rtc_timeoffset"); err != nil {
		return err
	} else if ok && off != 0 {
		cfg.BInfo.RTCTimeoffset = uint32(int32(off))
	}
	if b, ok, err := c.str("boot"); err != nil {
		return err
	} else if ok {
		nb := strings.ReplaceAll(b, "a", "")
		if nb != b {
			c.note("boot", xmconfig.Warning, "floppy ('a') dropped from boot order: xl has no floppy")
		}
		if nb == "" {
			nb = "c"
		}
		h.Boot = nb
	} else if !c.xlSource {
		h.Boot = "c"
		c.note("boot", xmconfig.Info, "not set: xm's default \"c\" is written (xl's default is \"cda\")")
	}
	if v, ok, err := c.value("serial"); err != nil {
		return err
	} else if ok {
		if v.Kind == xmconfig.List {
			l, _, err := c.strList("serial", false)
			if err != nil {
				return err
			}
			h.SerialList = l
		} else if s, _, err := c.str("serial"); err != nil {
			return err
		} else {
			h.Serial = s
		}
	}
	if s, ok, err := c.str("soundhw"); err != nil {
		return err
	} else if ok && s != "" {
		parts := strings.Split(s, ",")
		switch {
		case s == "all":
			c.note("soundhw", xmconfig.Warning, "\"all\" cannot be expressed in xl (one device only); dropped")
		case len(parts) > 1:
			h.Soundhw = strings.TrimSpace(parts[0])
			c.note("soundhw", xmconfig.Warning, "xl takes one sound device: kept %q of %q", h.Soundhw, s)
		default:
			h.Soundhw = s
		}
	}
	if c.has("audio") {
		if b, _, err := c.boolean("audio"); err != nil {
			return err
		} else if b && h.Soundhw == "" {
			h.Soundhw = "sb16"
			c.note("audio", xmconfig.Info, "Xen 3.0 audio=1 is soundhw=\"sb16\"")
		}
	}
	if v, ok, err := c.value("usbdevice"); err != nil {
		return err
	} else if ok {
		if v.Kind == xmconfig.List {
			l, _, err := c.strList("usbdevice", false)
			if err != nil {
				return err
			}
			h.USBDeviceList = l
		} else if s, _, err := c.str("usbdevice"); err != nil {
			return err
		} else if s != "" {
			h.USBDevice = s
			if strings.HasPrefix(s, "host:") {
				c.note("usbdevice", xmconfig.Warning, "host USB passthrough %q may need usbctrl/usbdev entries with upstream qemu", s)
			}
		}
	}
	if b, ok, err := c.boolean("stdvga"); err != nil {
		return err
	} else if ok && b {
		h.VGA = &toolstack.VGAInfo{Kind: "std"}
		c.note("stdvga", xmconfig.Info, "written as vga = \"stdvga\"")
	}
	if vr, ok, err := c.integer("videoram"); err != nil {
		return err
	} else if ok {
		min := int64(8)
		if h.VGA != nil {
			min = 16
		}
		if vr < min {
			c.note("videoram", xmconfig.Info, "%d MiB is below xl's minimum of %d MiB; dropped (xl uses its default)", vr, min)
		} else {
			kb := uint64(vr) * 1024
			cfg.BInfo.VideoMemKB = &kb
		}
	}
	if dm, ok, err := c.str("device_model"); err != nil {
		c.used["device_model"] = true
		c.note("device_model", xmconfig.Info, "depends on runtime Python; xl ignores device_model anyway, dropped")
	} else if ok {
		if strings.Contains(dm, "stubdom-dm") {
			cfg.BInfo.DeviceModelStubdomain = toolstack.DefboolOf(true)
			c.note("device_model", xmconfig.Warning, "stub domain device model: written as device_model_stubdomain_override = 1")
		} else {
			if c.opts.TraditionalDM && !c.opts.targetAtLeast(4, 21) {
				cfg.BInfo.DeviceModelVersion = "qemu-xen-traditional"
				c.note("device_model", xmconfig.Info, "written as device_model_version = \"qemu-xen-traditional\" (--qemu-traditional): the guest keeps xend's emulated hardware")
			} else {
				c.note("device_model", xmconfig.Info, "xend ran qemu-dm (qemu-xen-traditional); xl uses upstream qemu-xen, which changes the guest-visible hardware (see --qemu-traditional for Xen < 4.21); dropped")
			}
		}
	}
	return nil
}

// named maps an integer or a name onto xl's names for timer_mode/tsc_mode.
func (c *conv) named(key string, v xmconfig.Value, names []string) (string, error) {
	switch v.Kind {
	case xmconfig.Int:
		if v.I < 0 || int(v.I) >= len(names) {
			return "", c.refuse(key, "use one of "+strings.Join(names, ", "), "value %d out of range", v.I)
		}
		return names[v.I], nil
	case xmconfig.Str:
		for i, n := range names {
			if v.S == n || v.S == string(rune('0'+i)) {
				return n, nil
			}
		}
	}
	return "", c.refuse(key, "use one of "+strings.Join(names, ", "), "unknown value %s", shorten(v.Repr()))
}
