package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

// display maps vnc/sdl/keymap and the vfb list (§2.5, §3.3).
func (c *conv) display(cfg *toolstack.DomainConfig) error {
	keymap, _, err := c.str("keymap")
	if err != nil {
		return err
	}
	var vfbs []toolstack.DeviceVFB
	if l, ok, err := c.strList("vfb", false); err != nil {
		return err
	} else if ok {
		for _, s := range l {
			f, err := c.parseVfb(s)
			if err != nil {
				return err
			}
			vfbs = append(vfbs, f)
		}
	}
	if !c.hvm {
		if len(vfbs) == 0 && c.xlSource && (c.has("vnc") || c.has("sdl")) {
			f, err := c.topLevelVfb()
			if err != nil {
				return err
			}
			if f.VNC != nil || f.SDL != nil {
				vfbs = append(vfbs, f)
				c.note("vnc", xmconfig.Info, "xl builds a vfb from top-level vnc/sdl keys on a PV guest; written as a vfb entry")
			}
		}
		for i := range vfbs {
			if vfbs[i].Keymap == "" && keymap != "" {
				vfbs[i].Keymap = keymap
			}
			cfg.VFBs = append(cfg.VFBs, vfbs[i])
			cfg.VKBs = append(cfg.VKBs, toolstack.DeviceVKB{Devid: i})
		}
		if len(vfbs) > 0 {
			c.note("vfb", xmconfig.Info, "legacy type=vnc|sdl rewritten; xm's implicit vkbd is created by xl too")
		}
		if keymap != "" && len(vfbs) == 0 {
			c.note("keymap", xmconfig.Info, "no vfb on this PV guest; dropped")
		}
		return nil
	}
	h := cfg.BInfo.HVM
	vnc := &toolstack.VNCInfo{}
	sdl := &toolstack.SDLInfo{}
	vncOn, hasVnc, err := c.boolean("vnc")
	if err != nil {
		return err
	}
	sdlOn, hasSdl, err := c.boolean("sdl")
	if err != nil {
		return err
	}
	if len(vfbs) > 0 {
		f := vfbs[0]
		if f.VNC != nil {
			*vnc = *f.VNC
			vncOn, hasVnc = vnc.Enable.IsTrue(), true
		}
		if f.SDL != nil {
			*sdl = *f.SDL
			sdlOn, hasSdl = sdl.Enable.IsTrue(), true
		}
		if f.Keymap != "" && keymap == "" {
			keymap = f.Keymap
		}
		c.note("vfb", xmconfig.Info, "HVM guest: the first vfb's settings moved to the top-level vnc/sdl keys")
	}
	if u, ok, err := c.boolean("vncunused"); err != nil {
		return err
	} else if ok {
		vnc.FindUnused = toolstack.DefboolOf(u)
	}
	if d, ok, err := c.integer("vncdisplay"); err != nil {
		return err
	} else if ok {
		vnc.Display = int(d)
	}
	if l, ok, err := c.str("vnclisten"); err != nil {
		return err
	} else if ok {
		vnc.Listen = l
	}
	if p, ok, err := c.str("vncpasswd"); err != nil {
		return err
	} else if ok {
		vnc.Passwd = p
	}
	if d, ok, err := c.str("display"); err != nil {
		return err
	} else if ok {
		sdl.Display = d
	}
	if x, ok, err := c.str("xauthority"); err != nil {
		return err
	} else if ok {
		sdl.Xauthority = x
	}
	if o, ok, err := c.boolean("opengl"); err != nil {
		return err
	} else if ok {
		sdl.OpenGL = toolstack.DefboolOf(o)
	}
	vnc.Enable = toolstack.DefboolOf(hasVnc && vncOn)
	if !hasVnc && c.xlSource {
		vnc.Enable = toolstack.DefboolDefault
	} else if !hasVnc && !(hasSdl && sdlOn) {
		c.note("vnc", xmconfig.Info, "not set: xm gave an HVM guest no display, so vnc = 0 is written (xl's default is 1)")
	}
	h.VNC = vnc
	if hasSdl && sdlOn {
		sdl.Enable = toolstack.DefboolOf(true)
		h.SDL = sdl
	} else if hasSdl {
		h.SDL = &toolstack.SDLInfo{Enable: toolstack.DefboolOf(false)}
	}
	h.Keymap = keymap
	if !vnc.Enable.IsTrue() {
		for _, k := range []string{"vnclisten", "vncdisplay", "vncunused", "vncpasswd"} {
			if c.has(k) {
				c.note(k, xmconfig.Info, "VNC is off for this guest, so %s has no effect; dropped", k)
			}
		}
	}
	if h.SDL == nil || !h.SDL.Enable.IsTrue() {
		for _, k := range []string{"display", "xauthority", "opengl"} {
			if c.has(k) {
				c.note(k, xmconfig.Info, "SDL is off for this guest, so %s has no effect; dropped", k)
			}
		}
	}
	return nil
}

// devices maps disk, vif, pci, vscsi, vusb, ioports and irq (§2.6).
func (c *conv) devices(cfg *toolstack.DomainConfig) error {
	if l, ok, err := c.strList("disk", false); err != nil {
		return err
	} else if ok {
		for _, s := range l {
			d, err := c.parseDisk(s, c.hvm)
			if err != nil {
				return err
			}
			cfg.Disks = append(cfg.Disks, d)
		}
	}
	if cd, ok, err := c.str("cdrom"); err != nil {
		return err
	} else if ok && cd != "" {
		dup := false
		for _, d := range cfg.Disks {
			dup = dup || d.Vdev == "hdc"
		}
		if dup {
			c.note("cdrom", xmconfig.Info, "Xen 3.0 cdrom key duplicates the hdc disk entry; dropped")
		} else {
			cfg.Disks = append(cfg.Disks, toolstack.DeviceDisk{PdevPath: cd, Vdev: "hdc", Format: "raw", IsCDROM: 1})
			c.note("cdrom", xmconfig.Info, "Xen 3.0 cdrom key written as a disk entry on hdc")
		}
	}
	if l, ok, err := c.strList("vif", false); err != nil {
		return err
	} else if ok {
		for i, s := range l {
			n, err := c.parseVif(s, c.hvm)
			if err != nil {
				return err
			}
			n.Devid = i
			cfg.NICs = append(cfg.NICs, n)
		}
		for _, n := range cfg.NICs {
			if n.Bridge == "" && (n.Script == "" || strings.Contains(n.Script, "bridge")) {
				c.note("vif", xmconfig.Warning, "no bridge given: xm's vif-bridge used the first bridge found, xl uses xenbr0")
				break
			}
		}
	}
	if nics, ok, err := c.integer("nics"); err != nil {
		return err
	} else if ok {
		for int64(len(cfg.NICs)) < nics {
			n, _ := c.parseVif("", c.hvm)
			n.Devid = len(cfg.NICs)
			cfg.NICs = append(cfg.NICs, n)
		}
		c.note("nics", xmconfig.Info, "deprecated; vif entries padded to %d", nics)
	}
	if ne, ok, err := c.boolean("ne2000"); err != nil {
		return err
	} else if ok && ne {
		for i := range cfg.NICs {
			cfg.NICs[i].Model = "ne2k_pci"
		}
		c.note("ne2000", xmconfig.Info, "Xen 3.0 ne2000=1 written as vif model=ne2k_pci")
	}
	if l, ok, err := c.strList("pci", false); err != nil {
		return err
	} else if ok {
		for _, s := range l {
			ps, err := c.parsePCI(s)
			if err != nil {
				return err
			}
			cfg.PCIDevs = append(cfg.PCIDevs, ps...)
		}
	}
	msi, hasMsi, err := c.boolean("pci_msitranslate")
	if err != nil {
		return err
	}
	pm, _, err := c.boolean("pci_power_mgmt")
	if err != nil {
		return err
	}
	for i := range cfg.PCIDevs {
		if hasMsi && !msi {
			cfg.PCIDevs[i].MSITranslate = false
		}
		if pm {
			cfg.PCIDevs[i].PowerMgmt = true
		}
	}
	if len(cfg.PCIDevs) == 0 {
		for _, k := range []string{"pci_msitranslate", "pci_power_mgmt"} {
			if c.has(k) {
				c.note(k, xmconfig.Info, "no PCI device is passed through, so %s has no effect; dropped", k)
			}
		}
	}
	if len(cfg.PCIDevs) > 0 && !hasMsi && c.xlSource {
		for i := range cfg.PCIDevs {
			cfg.PCIDevs[i].MSITranslate = false
		}
	} else if len(cfg.PCIDevs) > 0 && !hasMsi {
		c.note("pci_msitranslate", xmconfig.Info, "not set: xm's default 1 is written (xl's default is 0)")
	}
	if l, ok, err := c.strList("vscsi", false); err != nil {
		return err
	} else if ok && len(l) > 0 {
		vs, err := c.parseVSCSI(l)
		if err != nil {
			return err
		}
		c.xend(cfg).VSCSIs = vs
		c.note("vscsi", xmconfig.Warning, "xl has no PVSCSI: kept out of xl.cfg and recorded; xendshim attaches these after `xl create`")
	}
	if l, ok, err := c.strList("vusb", false); err != nil {
		return err
	} else if ok {
		for i, s := range l {
			ctrl := toolstack.DeviceUSBCtrl{Type: "pv", Devid: i, Version: 2, Ports: 8}
			for _, kv := range strings.Split(s, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				switch k {
				case "usbver":
					ctrl.Version = n
				case "numports":
					ctrl.Ports = n
				}
			}
			cfg.USBCtrls = append(cfg.USBCtrls, ctrl)
		}
		c.note("vusb", xmconfig.Warning, "controllers written as usbctrl; host ports (bus-port paths) need usbdev=hostbus,hostaddr entries looked up on the host")
	}
	if l, ok, err := c.strList("ioports", true); err != nil {
		return err
	} else if ok {
		for _, s := range l {
			lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
			a, err1 := strconv.ParseUint(lo, 16, 32)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.ParseUint(hi, 16, 32)
			}
			if err1 != nil || err2 != nil || b < a {
				return c.refuse("ioports", "write 'FROM[-TO]' in hex", "%q is not an I/O port range", s)
			}
			cfg.BInfo.IOPorts = append(cfg.BInfo.IOPorts, toolstack.IOPortRange{First: uint32(a), Number: uint32(b - a + 1)})
		}
	}
	if v, ok, err := c.value("irq"); err != nil {
		return err
	} else if ok {
		items := v.Items
		if v.Kind != xmconfig.List {
			items = []xmconfig.Value{v}
		}
		for _, it := range items {
			n, err := strconv.ParseUint(strings.TrimSpace(it.Str()), 0, 32)
			if err != nil {
				return c.refuse("irq", "give IRQ numbers", "%s is not an IRQ number", shorten(it.Repr()))
			}
			cfg.BInfo.IRQs = append(cfg.BInfo.IRQs, uint32(n))
		}
		c.note("irq", xmconfig.Info, "renamed to irqs")
	}
	return nil
}

// misc maps cpuid, backend roles and the keys xl cannot express.
func (c *conv) misc(cfg *toolstack.DomainConfig) error {
	if v, ok := c.set["cpuid"]; ok && v.Value.Kind == xmconfig.Str && !strings.Contains(v.Value.S, ":") {
		// libxl's own syntax ("host,tm=0,sse3=1") from an xl-era file
		if _, _, err := c.str("cpuid"); err != nil {
			return err
		}
		x := c.xend(cfg)
		x.Other = append(x.Other, toolstack.KeyValue{Key: "cpuid.libxl", Value: v.Value.S})
	} else if l, ok, err := c.strList("cpuid", true); err != nil {
		return err
	} else if ok && len(l) > 0 {
		out := make([]string, 0, len(l))
		for _, s := range l {
			e, err := expandCPUID(s)
			if err != nil {
				return c.refuse("cpuid", "write 'LEAF[,SUB]:eax=...,ebx=...'", "%q: %v", s, err)
			}
			out = append(out, e)
		}
		x := c.xend(cfg)
		x.Other = append(x.Other, toolstack.KeyValue{Key: "cpuid", Value: strings.Join(out, "\n")})
	}
	for _, k := range []string{"blkif", "netif"} {
		if b, ok, err := c.boolean(k); err != nil {
			return err
		} else if ok && b {
			cfg.CInfo.DriverDomain = toolstack.DefboolOf(true)
			c.note(k, xmconfig.Warning, "backend role written as driver_domain = 1 (approximate; review by hand)")
		}
	}
	for _, k := range c.order {
		d, ok := dropped[k]
		if !ok || c.used[k] {
			continue
		}
		c.used[k] = true
		s := c.set[k]
		val := s.Value.Str()
		if s.Value.IsOpaque() {
			val = ""
		}
		if val == d.def || val == "" || val == "0" || (s.Value.Kind == xmconfig.List && len(s.Value.Items) == 0) {
			c.note(k, xmconfig.Info, "no xl equivalent (%s); default value dropped", d.why)
		} else {
			c.note(k, xmconfig.Warning, "no xl equivalent (%s); %s dropped", d.why, shorten(s.Value.Repr()))
		}
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// expandCPUID rewrites xm's 0x hex register values as xl's 32-character
// bit strings (MSB first).
func expandCPUID(s string) (string, error) {
	leaf, regs, ok := strings.Cut(s, ":")
	if !ok {
		return "", fmt.Errorf("missing ':'")
	}
	parts := strings.Split(regs, ",")
	for i, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return "", fmt.Errorf("register %q has no '='", p)
		}
		if strings.HasPrefix(v, "0x") {
			n, err := strconv.ParseUint(v[2:], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad hex value %q", v)
			}
			v = fmt.Sprintf("%032b", n)
		}
		if len(v) != 32 || strings.Trim(v, "01xks") != "" {
			return "", fmt.Errorf("register %s needs 32 characters of 0 1 x k s", k)
		}
		parts[i] = k + "=" + v
	}
	return strings.TrimSpace(leaf) + ":" + strings.Join(parts, ","), nil
}

// leftovers reports every setting no handler consumed.
func (c *conv) leftovers() {
	for _, k := range c.order {
		if c.used[k] {
			continue
		}
		s := c.set[k]
		if ignoredNames[k] || s.Value.IsOpaque() {
			c.note(k, xmconfig.Info, "helper variable, not a domain option; dropped")
			continue
		}
		if xlOnly[k] || strings.HasPrefix(k, "spice") || strings.HasPrefix(k, "device_model_args") {
			c.note(k, xmconfig.Warning, "xl key that this converter does not carry (the source is already xl syntax); copy it by hand")
			continue
		}
		if c.fromSXP {
			c.note(k, xmconfig.Info, "xend bookkeeping with no xl equivalent; dropped")
			continue
		}
		c.note(k, xmconfig.Warning, "not an xm option (xm kept it as an attribute and ignored it); dropped")
	}
}

// xlOnly are xl keys found in xl-era files that the xm model has no
// field for.
var xlOnly = map[string]bool{
	"vnuma": true, "passthrough": true, "channel": true, "usbctrl": true, "usbdev": true,
	"max_grant_frames": true, "max_maptrack_frames": true, "max_event_channels": true, "e820_host": true,
	"bios": true, "bios_path_override": true, "acpi_firmware": true, "firmware": true, "vga": true,
	"device_model_version": true, "device_model_stubdomain_override": true, "seclabel": true,
	"vif.default.bridge": true, "tee": true, "altp2m": true, "vpmu": true, "smbios_firmware": true,
	"vtpm": true, "p9": true, "vdispl": true, "vsnd": true, "vkb": true, "rdm": true, "mca_caps": true,
	"cpus_soft": true, "gic_version": true, "iomem": true, "claim_mode": true, "driver_domain": true,
	"nomigrate": false, "blkdev_start": true, "maxmem": false,
}

// topLevelVfb builds the framebuffer xl derives from top-level vnc/sdl keys
// of a PV guest written for xl.
func (c *conv) topLevelVfb() (toolstack.DeviceVFB, error) {
	var f toolstack.DeviceVFB
	vnc, hasVnc, err := c.boolean("vnc")
	if err != nil {
		return f, err
	}
	sdl, _, err := c.boolean("sdl")
	if err != nil {
		return f, err
	}
	if hasVnc && vnc {
		v := &toolstack.VNCInfo{Enable: toolstack.DefboolOf(true)}
		if l, _, err := c.str("vnclisten"); err != nil {
			return f, err
		} else {
			v.Listen = l
		}
		if p, _, err := c.str("vncpasswd"); err != nil {
			return f, err
		} else {
			v.Passwd = p
		}
		if d, ok, err := c.integer("vncdisplay"); err != nil {
			return f, err
		} else if ok {
			v.Display = int(d)
		}
		if u, ok, err := c.boolean("vncunused"); err != nil {
			return f, err
		} else if ok {
			v.FindUnused = toolstack.DefboolOf(u)
		}
		f.VNC = v
	}
	if sdl {
		f.SDL = &toolstack.SDLInfo{Enable: toolstack.DefboolOf(true)}
	}
	return f, nil
}
