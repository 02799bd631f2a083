package convert

import (
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
	if hvm && strings.HasPrefix(dev, "xvd") && isEmulatedIndexBelow4(dev) {
		c.note("disk", xmconfig.Info, "%q: on HVM, %s was PV-only under qemu-dm; xl also emulates it as an IDE disk", spec, dev)
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
