package xlcfg

// Device spec strings in xl's syntax (xl-disk-configuration(5),
// xl-network-configuration(5), xl.cfg(5) vfb, vkb, pci, usbctrl, usbdev,
// channel, vtpm).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// DiskSpec renders a disk in xl's canonical key=value syntax, target last
// (so that a target holding commas reads back whole), parameters joined by
// ", " as in a config file.
func DiskSpec(d toolstack.DeviceDisk) string { return strings.Join(DiskParams(d), ", ") }

// DiskParams are the key=value parameters of a disk's spec, target last. A
// CD-ROM is always read-only; an empty drive has no target. The backend
// type is left for libxl to choose (see the package's tests).
func DiskParams(d toolstack.DeviceDisk) []string {
	parts := []string{}
	if d.Format != "" {
		parts = append(parts, "format="+d.Format)
	}
	parts = append(parts, "vdev="+d.Vdev)
	if d.Readwrite != 0 && d.IsCDROM == 0 {
		parts = append(parts, "access=rw")
	} else {
		parts = append(parts, "access=ro")
	}
	if d.IsCDROM != 0 {
		parts = append(parts, "devtype=cdrom")
	}
	if d.BackendDomname != "" {
		parts = append(parts, "backend="+d.BackendDomname)
	}
	if d.Script != "" {
		parts = append(parts, "script="+d.Script)
	}
	if d.PdevPath != "" && d.Format != "empty" {
		parts = append(parts, "target="+d.PdevPath)
	}
	return parts
}

// VifSpec renders a NIC as an xl vif string; type=vif (no emulated twin)
// only matters, and is only written, for an HVM guest.
func VifSpec(n toolstack.DeviceNIC, hvm bool) string {
	s := joinKV("mac", n.MAC, "bridge", n.Bridge, "ip", n.IP, "script", n.Script, "vifname", n.Ifname,
		"model", n.Model, "gatewaydev", n.Gatewaydev, "backend", n.BackendDomname)
	if hvm && n.Nictype == "vif" {
		s = appendKV(s, "type", "vif")
	}
	if n.MTU > 0 {
		s = appendKV(s, "mtu", strconv.Itoa(n.MTU))
	}
	if n.RateBytesPerInterval != 0 && n.RateIntervalUsecs != 0 {
		bps := n.RateBytesPerInterval * 1000000 / uint64(n.RateIntervalUsecs)
		s = appendKV(s, "rate", fmt.Sprintf("%dB/s@%dus", bps, n.RateIntervalUsecs))
	}
	return s
}

// VfbSpec renders a PV framebuffer as an xl vfb string.
func VfbSpec(f toolstack.DeviceVFB) string {
	var s string
	if v := f.VNC; v != nil {
		if v.Enable.IsTrue() {
			s = appendKV(s, "vnc", "1")
		}
		s = appendKV(s, "vnclisten", v.Listen)
		if v.Display != 0 {
			s = appendKV(s, "vncdisplay", strconv.Itoa(v.Display))
		}
		if v.FindUnused != toolstack.DefboolDefault {
			s = appendKV(s, "vncunused", boolDigit(v.FindUnused.IsTrue()))
		}
		s = appendKV(s, "vncpasswd", v.Passwd)
	}
	if d := f.SDL; d != nil && d.Enable.IsTrue() {
		s = appendKV(s, "sdl", "1")
		if d.OpenGL != toolstack.DefboolDefault {
			s = appendKV(s, "opengl", boolDigit(d.OpenGL.IsTrue()))
		}
		s = appendKV(s, "display", d.Display, "xauthority", d.Xauthority)
	}
	return appendKV(s, "keymap", f.Keymap, "backend", f.BackendDomname)
}

// VkbSpec renders a virtual keyboard as an xl vkb string; empty when it
// has nothing but defaults (xl creates a PV guest's vkb by itself).
func VkbSpec(k toolstack.DeviceVKB) string {
	return joinKV("backend-type", k.BackendType, "backend", k.BackendDomname)
}

// PCISpec renders a PCI function as "DDDD:BB:DD.F" (".*" for all
// functions, "@VS" for a guest slot) plus its options. MSI translation is
// written only when off: in a config file a device inherits
// pci_msitranslate, which Emit writes when any device wants it.
func PCISpec(p toolstack.DevicePCI) string {
	s := fmt.Sprintf("%04x:%02x:%02x.%x", p.Domain, p.Bus, p.Dev, p.Func)
	if p.VfuncMask != 0 {
		s = fmt.Sprintf("%04x:%02x:%02x.*", p.Domain, p.Bus, p.Dev)
	}
	if p.Vdevfn != 0 {
		s += fmt.Sprintf("@%02x", p.Vdevfn>>3)
	}
	if !p.MSITranslate {
		s += ",msitranslate=0"
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
		s = appendKV(s, "version", strconv.Itoa(u.Version))
	}
	if u.Ports > 0 {
		s = appendKV(s, "ports", strconv.Itoa(u.Ports))
	}
	return s
}

// USBDevSpec renders a USB device in xl's usbdev syntax.
func USBDevSpec(u toolstack.DeviceUSBDev) string {
	s := "type=hostdev"
	if u.HostDev != nil {
		s = appendKV(s, "hostbus", strconv.Itoa(int(u.HostDev.HostBus)), "hostaddr", strconv.Itoa(int(u.HostDev.HostAddr)))
	}
	s = appendKV(s, "controller", strconv.Itoa(u.Ctrl))
	if u.Port > 0 {
		s = appendKV(s, "port", strconv.Itoa(u.Port))
	}
	return s
}

// ChannelSpec renders a channel in xl's channel syntax (a pty unless a
// socket path is given).
func ChannelSpec(ch toolstack.DeviceChannel) string {
	s := joinKV("name", ch.Name, "backend", ch.BackendDomname)
	if ch.Socket != nil {
		return appendKV(s, "connection", "socket", "path", ch.Socket.Path)
	}
	return appendKV(s, "connection", "pty")
}

// VTPMSpec renders a vTPM in xl's vtpm syntax.
func VTPMSpec(t toolstack.DeviceVTPM) string {
	return joinKV("backend", t.BackendDomname, "uuid", t.UUID)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// joinKV joins key=value pairs with commas, leaving out empty values.
func joinKV(kv ...string) string { return appendKV("", kv...) }

// appendKV adds key=value pairs to s, leaving out empty values.
func appendKV(s string, kv ...string) string {
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

// JoinKV joins key=value pairs with commas, leaving out pairs whose value
// is empty (the shape of every xl device spec).
func JoinKV(kv ...string) string { return joinKV(kv...) }
