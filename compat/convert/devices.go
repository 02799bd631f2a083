package convert

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

// parseDisk converts one xm disk string (§3.1).
func (c *conv) parseDisk(spec string, hvm bool) (toolstack.DeviceDisk, error) {
	var d toolstack.DeviceDisk
	if isXLDisk(spec) {
		return c.parseXLDisk(spec)
	}
	fields := strings.Split(spec, ",")
	if len(fields) < 3 || len(fields) > 5 {
		return d, c.refuse("disk", "write 'UNAME,DEV,MODE'", "%q: xm wants 3 to 5 comma-separated fields", spec)
	}
	for i := range fields {
		t := strings.TrimSpace(fields[i])
		if t != fields[i] && i > 0 {
			c.note("disk", xmconfig.Warning, "%q: blanks around fields made xm fail (mode %q); trimmed", spec, fields[2])
		}
		fields[i] = t
	}
	uname, dev, mode := fields[0], fields[1], fields[2]
	dev = strings.TrimPrefix(dev, "ioemu:")
	if strings.HasSuffix(dev, ":cdrom") {
		d.IsCDROM = 1
		dev = strings.TrimSuffix(dev, ":cdrom")
	}
	dev = strings.TrimSuffix(dev, ":disk")
	dev = strings.TrimPrefix(dev, "/dev/")
	if dev == "" {
		return d, c.refuse("disk", "name the guest device (xvda, hda, ...)", "%q: empty device name", spec)
	}
	d.Vdev = dev
	switch mode {
	case "r", "ro":
		d.Readwrite = 0
	case "w", "rw":
		d.Readwrite = 1
	case "w!":
		d.Readwrite = 1
		c.note("disk", xmconfig.Warning, "%q: shared writable mode w! is not supported by xl; written as rw (the hotplug script refuses a second writer)", spec)
	default:
		return d, c.refuse("disk", "use r or w", "%q: invalid mode %q (xm failed too)", spec, mode)
	}
	if len(fields) >= 4 && fields[3] != "" && fields[3] != "0" {
		d.BackendDomname = fields[3]
	}
	if len(fields) == 5 {
		c.note("disk", xmconfig.Warning, "%q: protocol %q dropped (xl negotiates the ABI)", spec, fields[4])
	}
	d.Format = "raw"
	switch {
	case uname == "":
		if d.IsCDROM == 0 {
			return d, c.refuse("disk", "give a path, or mark the device :cdrom", "%q: empty source for a hard disk", spec)
		}
		d.Format = "empty"
	case strings.HasPrefix(uname, "phy:"):
		p := strings.TrimPrefix(uname, "phy:")
		if !strings.HasPrefix(p, "/") {
			p = "/dev/" + p
		}
		d.PdevPath, d.Backend = p, "phy"
	case strings.HasPrefix(uname, "file:"):
		d.PdevPath = strings.TrimPrefix(uname, "file:")
	case strings.HasPrefix(uname, "tap:") || strings.HasPrefix(uname, "tap2:"):
		rest := uname[strings.Index(uname, ":")+1:]
		rest = strings.TrimPrefix(rest, "tapdisk:")
		rest = strings.TrimPrefix(rest, "ioemu:")
		drv, p, ok := strings.Cut(rest, ":")
		if !ok {
			return d, c.refuse("disk", "write tap:DRIVER:PATH", "%q: tap without a driver", spec)
		}
		switch drv {
		case "aio":
		case "sync":
			c.note("disk", xmconfig.Warning, "%q: tap:sync written as raw", spec)
		case "qcow", "qcow2", "vhd":
			d.Format = drv
		default:
			return d, c.refuse("disk", "convert the image (qemu-img convert) to raw, qcow2 or vhd, or handle it by hand", "%q: tap driver %q has no xl equivalent", spec, drv)
		}
		d.PdevPath = p
	default:
		script, p, ok := strings.Cut(uname, ":")
		if !ok {
			d.PdevPath = uname
			c.note("disk", xmconfig.Warning, "%q: source without a prefix taken as a path", spec)
			break
		}
		d.Script = "block-" + script
		d.PdevPath = p
		c.note("disk", xmconfig.Info, "%q: written with script=block-%s (the script must exist on the new host)", spec, script)
	}
	if hvm && d.Readwrite == 0 && d.IsCDROM == 0 && isEmulatedIndexBelow4(dev) {
		c.note("disk", xmconfig.Warning, "%q: qemu-xen cannot emulate a read-only IDE disk; xl will refuse it — use a vdev like xvde (PV only) or make it rw", spec)
	}
	return d, nil
}

var hdRe = regexp.MustCompile(`^(hd|sd|xvd)([a-d])\d*$`)

func isEmulatedIndexBelow4(dev string) bool { return hdRe.MatchString(dev) }

var vifKeys = map[string]bool{"backend": true, "bridge": true, "ip": true, "mac": true, "script": true,
	"type": true, "vifname": true, "rate": true, "model": true, "accel": true, "policy": true, "label": true}

var rateRe = regexp.MustCompile(`^(\d+)([GMK]?)([Bb])/s(@(\d+)([mu]?)s)?$`)

// parseVif converts one xm vif string (§3.2).
func (c *conv) parseVif(spec string, hvm bool) (toolstack.DeviceNIC, error) {
	var n toolstack.DeviceNIC
	if hvm {
		n.Nictype = "vif_ioemu"
	} else {
		n.Nictype = "vif"
	}
	if strings.TrimSpace(spec) == "" {
		return n, nil
	}
	for _, tok := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(tok, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			if k == "" {
				continue
			}
			return n, c.refuse("vif", "write key=value pairs", "%q: %q has no '=' (xm failed too)", spec, tok)
		}
		if !vifKeys[k] {
			return n, c.refuse("vif", "remove it", "%q: invalid vif option %q (xm failed too)", spec, k)
		}
		switch k {
		case "mac":
			n.MAC = strings.ToLower(v)
		case "bridge":
			n.Bridge = v
		case "ip":
			n.IP = v
		case "script":
			n.Script = v
		case "vifname":
			n.Ifname = v
		case "model":
			n.Model = v
		case "backend":
			if v != "0" {
				n.BackendDomname = v
			}
		case "type":
			switch {
			case !hvm:
				c.note("vif", xmconfig.Info, "%q: type on a PV guest is meaningless; dropped", spec)
			case v == "ioemu":
			default:
				n.Nictype = "vif"
				c.note("vif", xmconfig.Info, "%q: type=%s (PV only) written as type=vif", spec, v)
			}
		case "rate":
			m := rateRe.FindStringSubmatch(v)
			if m == nil {
				c.note("vif", xmconfig.Warning, "%q: invalid rate %q dropped (xm treated it as unlimited; xl would refuse it)", spec, v)
				continue
			}
			bytes, _ := strconv.ParseUint(m[1], 10, 64)
			bytes *= map[string]uint64{"": 1, "K": 1000, "M": 1000 * 1000, "G": 1000 * 1000 * 1000}[m[2]]
			if m[3] == "b" {
				bytes /= 8
			}
			us := uint64(50000)
			if m[5] != "" {
				us, _ = strconv.ParseUint(m[5], 10, 64)
				us *= map[string]uint64{"": 1000000, "m": 1000, "u": 1}[m[6]]
			}
			if us == 0 {
				us = 50000
			}
			n.RateIntervalUsecs = uint32(us)
			n.RateBytesPerInterval = bytes * us / 1000000
		default:
			c.note("vif", xmconfig.Warning, "%q: %s has no xl equivalent; dropped", spec, k)
		}
	}
	return n, nil
}

var pciRe = regexp.MustCompile(`^(?:([0-9a-fA-F]{1,4})[:,])?([0-9a-fA-F]{1,2})[:,]([0-9a-fA-F]{1,2})[.,]([0-7*](?:[-,=][0-7])*)(?:@([0-9a-fA-F]{1,2}))?((?:,[a-z_]+=[a-z0-9]+)*)$`)

// parsePCI converts one xm pci string (§3.4) into one entry per function.
func (c *conv) parsePCI(spec string) ([]toolstack.DevicePCI, error) {
	s := strings.ReplaceAll(strings.TrimSpace(spec), " ", "")
	m := pciRe.FindStringSubmatch(s)
	if m == nil {
		return nil, c.refuse("pci", "write [DOMAIN:]BUS:SLOT.FUNC[@VSLOT][,opt=val]", "%q is not a PCI address", spec)
	}
	hex := func(x string) uint64 { v, _ := strconv.ParseUint(x, 16, 32); return v }
	base := toolstack.DevicePCI{Domain: int(hex(m[1])), Bus: uint8(hex(m[2])), Dev: uint8(hex(m[3])), MSITranslate: true}
	if m[5] != "" {
		base.Vdevfn = uint32(hex(m[5])) << 3
	}
	for _, opt := range strings.Split(strings.TrimPrefix(m[6], ","), ",") {
		if opt == "" {
			continue
		}
		k, v, _ := strings.Cut(opt, "=")
		on := v == "1" || v == "yes"
		if !on && v != "0" && v != "no" {
			return nil, c.refuse("pci", "use 0, 1, yes or no", "%q: bad value for %s", spec, k)
		}
		switch k {
		case "msitranslate":
			base.MSITranslate = on
		case "power_mgmt":
			base.PowerMgmt = on
		case "permissive":
			base.Permissive = on
			c.note("pci", xmconfig.Info, "%q: permissive is an xl option (xm took it from xend-pci-permissive.sxp)", spec)
		case "seize":
			base.Seize = on
		default:
			return nil, c.refuse("pci", "only msitranslate and power_mgmt are xm options", "%q: unknown option %s", spec, k)
		}
	}
	var out []toolstack.DevicePCI
	fn := m[4]
	switch {
	case fn == "*":
		d := base
		d.VfuncMask = 0xff
		c.note("pci", xmconfig.Info, "%q: all functions", spec)
		return append(out, d), nil
	case strings.ContainsAny(fn, "-,="):
		if strings.Contains(fn, "=") {
			c.note("pci", xmconfig.Warning, "%q: physical=virtual function mapping cannot be expressed in xl; functions passed as they are", spec)
		}
		for _, part := range strings.Split(fn, ",") {
			part, _, _ = strings.Cut(part, "=")
			lo, hi, isRange := strings.Cut(part, "-")
			a := hex(lo)
			b := a
			if isRange {
				b = hex(hi)
			}
			for f := a; f <= b && f < 8; f++ {
				d := base
				d.Func = uint8(f)
				out = append(out, d)
			}
		}
		c.note("pci", xmconfig.Info, "%q: function list expanded into %d entries", spec, len(out))
		return out, nil
	}
	base.Func = uint8(hex(fn))
	return append(out, base), nil
}

// parseVfb converts one xm vfb string (§3.3).
func (c *conv) parseVfb(spec string) (toolstack.DeviceVFB, error) {
	var f toolstack.DeviceVFB
	vnc := &toolstack.VNCInfo{}
	sdl := &toolstack.SDLInfo{}
	for _, tok := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(tok, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			if k == "" {
				continue
			}
			return f, c.refuse("vfb", "write key=value pairs", "%q: %q has no '='", spec, tok)
		}
		on := v != "0" && v != ""
		switch k {
		case "type":
			switch v {
			case "vnc":
				vnc.Enable = toolstack.DefboolOf(true)
			case "sdl":
				sdl.Enable = toolstack.DefboolOf(true)
			default:
				return f, c.refuse("vfb", "use type=vnc or type=sdl", "%q: unknown type %q", spec, v)
			}
		case "vnc":
			vnc.Enable = toolstack.DefboolOf(on)
		case "sdl":
			sdl.Enable = toolstack.DefboolOf(on)
		case "vncunused":
			vnc.FindUnused = toolstack.DefboolOf(on)
		case "vncdisplay":
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, c.refuse("vfb", "give a display number", "%q: vncdisplay %q", spec, v)
			}
			vnc.Display = n
		case "vnclisten":
			vnc.Listen = v
		case "vncpasswd":
			vnc.Passwd = v
		case "display":
			sdl.Display = v
		case "xauthority":
			sdl.Xauthority = v
		case "opengl":
			sdl.OpenGL = toolstack.DefboolOf(on)
		case "keymap":
			f.Keymap = v
		case "videoram", "serial", "monitor", "uuid", "location":
			c.note("vfb", xmconfig.Info, "%q: %s has no xl vfb key; dropped", spec, k)
		default:
			return f, c.refuse("vfb", "remove it", "%q: unknown vfb option %q (xm failed too)", spec, k)
		}
	}
	if vnc.Enable.IsTrue() || vnc.Listen != "" || vnc.Display != 0 || vnc.Passwd != "" {
		f.VNC = vnc
	}
	if sdl.Enable.IsTrue() {
		f.SDL = sdl
	}
	return f, nil
}

// vscsi parses 'PDEV, VDEV[, BACKEND]' strings into controllers keyed by
// the virtual host number, as xend grouped them.
func (c *conv) parseVSCSI(specs []string) ([]toolstack.DeviceVSCSI, error) {
	var out []toolstack.DeviceVSCSI
	idx := map[string]int{}
	for _, spec := range specs {
		f := strings.Split(spec, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) < 2 || len(f) > 3 || f[0] == "" || f[1] == "" {
			return nil, c.refuse("vscsi", "write 'PDEV, VDEV[, BACKEND]'", "%q is not a vscsi entry", spec)
		}
		host := "host"
		if f[1] != "host" {
			h := strings.Split(f[1], ":")
			if len(h) != 4 {
				return nil, c.refuse("vscsi", "VDEV is H:C:T:L or host", "%q: bad virtual device %q", spec, f[1])
			}
			host = h[0]
		}
		i, ok := idx[host]
		if !ok {
			dev := toolstack.DeviceVSCSI{Devid: len(out), FeatureHost: f[1] == "host"}
			if len(f) == 3 {
				if n, err := strconv.Atoi(f[2]); err == nil {
					dev.BackendDomid = uint32(n)
				}
			}
			out = append(out, dev)
			i = len(out) - 1
			idx[host] = i
		}
		out[i].LUNs = append(out[i].LUNs, toolstack.VSCSILUN{PDev: f[0], VDev: f[1]})
	}
	return out, nil
}

func formatPCI(p toolstack.DevicePCI) string {
	s := fmt.Sprintf("%04x:%02x:%02x.%x", p.Domain, p.Bus, p.Dev, p.Func)
	if p.VfuncMask != 0 {
		s = fmt.Sprintf("%04x:%02x:%02x.*", p.Domain, p.Bus, p.Dev)
	}
	if p.Vdevfn != 0 {
		s += fmt.Sprintf("@%02x", p.Vdevfn>>3)
	}
	return s
}

var xlFormats = map[string]bool{"raw": true, "qcow": true, "qcow2": true, "vhd": true, "qed": true, "empty": true}

// isXLDisk reports whether a disk string is already in xl's syntax
// (key=value parameters, or TARGET,FORMAT,VDEV,ACCESS positional form), as
// xl-era files in the corpus have.
func isXLDisk(spec string) bool {
	f := strings.Split(spec, ",")
	for _, x := range f {
		k, _, ok := strings.Cut(strings.TrimSpace(x), "=")
		if ok && (k == "vdev" || k == "target" || k == "format" || k == "access" || k == "backendtype" || k == "devtype") {
			return true
		}
	}
	return len(f) >= 2 && (xlFormats[strings.TrimSpace(f[1])] || (len(f) >= 4 && strings.TrimSpace(f[1]) == ""))
}

// parseXLDisk reads xl's disk syntax (xl-disk-configuration(5)).
func (c *conv) parseXLDisk(spec string) (toolstack.DeviceDisk, error) {
	d := toolstack.DeviceDisk{Format: "raw", Readwrite: 1}
	pos := 0
	parts := strings.Split(spec, ",")
	for i := 0; i < len(parts); i++ {
		p := strings.TrimSpace(parts[i])
		k, v, kv := strings.Cut(p, "=")
		if kv && k == "target" {
			d.PdevPath = strings.Join(append([]string{v}, parts[i+1:]...), ",")
			break
		}
		if !kv {
			switch {
			case p == "cdrom":
				d.IsCDROM = 1
				continue
			case p == "":
				pos++
				continue
			}
			switch pos {
			case 0:
				d.PdevPath = p
			case 1:
				d.Format = p
			case 2:
				d.Vdev = p
			case 3:
				k, v = "access", p
			default:
				return d, c.refuse("disk", "see xl-disk-configuration(5)", "%q: too many positional parameters", spec)
			}
			pos++
			if pos <= 3 {
				continue
			}
		}
		switch k {
		case "format":
			d.Format = v
		case "vdev":
			d.Vdev = v
		case "access":
			switch v {
			case "r", "ro":
				d.Readwrite = 0
			case "w", "rw":
				d.Readwrite = 1
			default:
				return d, c.refuse("disk", "use ro or rw", "%q: unknown access %q", spec, v)
			}
		case "devtype":
			if v == "cdrom" {
				d.IsCDROM = 1
			}
		case "backendtype":
			d.Backend = v
		case "backend":
			d.BackendDomname = v
		case "script":
			d.Script = v
		default:
			c.note("disk", xmconfig.Info, "%q: xl disk parameter %s not carried", spec, k)
		}
	}
	if d.Vdev == "" {
		return d, c.refuse("disk", "name the guest device (vdev=)", "%q: no vdev", spec)
	}
	if d.IsCDROM != 0 {
		d.Readwrite = 0
	}
	if d.PdevPath == "" && d.IsCDROM != 0 {
		d.Format = "empty"
	}
	return d, nil
}
