package convert

// Device spec strings in xl's syntax (xl-disk-configuration(5),
// xl-network-configuration(5), xl.cfg(5) vfb).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// DiskSpec renders a disk in xl's canonical key=value syntax, target last.
func DiskSpec(d toolstack.DeviceDisk) string {
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
	return strings.Join(parts, ", ")
}

// VifSpec renders a NIC as an xl vif string.
func VifSpec(n toolstack.DeviceNIC, hvm bool) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("mac", n.MAC)
	add("bridge", n.Bridge)
	add("ip", n.IP)
	add("script", n.Script)
	add("vifname", n.Ifname)
	add("model", n.Model)
	add("backend", n.BackendDomname)
	if hvm && n.Nictype == "vif" {
		add("type", "vif")
	}
	if n.RateBytesPerInterval != 0 && n.RateIntervalUsecs != 0 {
		bps := n.RateBytesPerInterval * 1000000 / uint64(n.RateIntervalUsecs)
		add("rate", fmt.Sprintf("%dB/s@%dus", bps, n.RateIntervalUsecs))
	}
	return strings.Join(parts, ",")
}

// VfbSpec renders a PV framebuffer as an xl vfb string.
func VfbSpec(f toolstack.DeviceVFB) string {
	var parts []string
	if v := f.VNC; v != nil {
		if v.Enable.IsTrue() {
			parts = append(parts, "vnc=1")
		}
		if v.Listen != "" {
			parts = append(parts, "vnclisten="+v.Listen)
		}
		if v.Display != 0 {
			parts = append(parts, "vncdisplay="+strconv.Itoa(v.Display))
		}
		if v.FindUnused != toolstack.DefboolDefault {
			parts = append(parts, "vncunused="+boolDigit(v.FindUnused.IsTrue()))
		}
		if v.Passwd != "" {
			parts = append(parts, "vncpasswd="+v.Passwd)
		}
	}
	if s := f.SDL; s != nil && s.Enable.IsTrue() {
		parts = append(parts, "sdl=1")
		if s.OpenGL != toolstack.DefboolDefault {
			parts = append(parts, "opengl="+boolDigit(s.OpenGL.IsTrue()))
		}
		if s.Display != "" {
			parts = append(parts, "display="+s.Display)
		}
		if s.Xauthority != "" {
			parts = append(parts, "xauthority="+s.Xauthority)
		}
	}
	if f.Keymap != "" {
		parts = append(parts, "keymap="+f.Keymap)
	}
	return strings.Join(parts, ",")
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
