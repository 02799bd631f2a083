package xend

import (
	"context"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// vifScriptDir is xend's network_script_dir, where a vif's hotplug script
// name is looked up.
const vifScriptDir = "/etc/xen/scripts"

// Insertion orders of the dicts xend built for live device configurations;
// pyDictOrder turns them into the emitted order (§6.5, §9 item 12).
var (
	vifLiveKeys = []string{"bridge", "mac", "uuid", "backend", "script", "vifname", "model", "type", "ip", "rate", "accel", "security_label"}
	vfbLiveKeys = []string{"vncunused", "vnclisten", "vnc", "uuid", "xauthority", "keymap", "vncdisplay", "vncpasswd", "location", "sdl", "opengl", "protocol", "type", "display"}
)

// renderDevices returns the (device ...) entries of a full record. Caller
// holds s.mu.
func (s *Service) renderDevices(ctx context.Context, d *domain) ([]sxp.Value, error) {
	var states []toolstack.DeviceState
	if d.active() {
		var err error
		states, err = s.ts.Devices(ctx, d.info.Domid, "")
		if err != nil && toolstack.ClassOf(err) != toolstack.ErrNotFound {
			return nil, xendError("%s", tsText(err))
		}
	}
	var out []sxp.Value
	vscsiDone := false
	for _, dev := range sortDevices(d.rec.Devices) {
		if dev.Class == "vscsi" && d.active() && !vscsiDone {
			// One live entry per controller, not per attached LUN.
			if live, ok := liveVSCSIDevices(states, d.rec.Devices); ok {
				out = append(out, live...)
				vscsiDone = true
			}
		}
		if dev.Class == "vscsi" && vscsiDone {
			continue
		}
		var entry sxp.Value
		if d.active() {
			entry = s.liveDevice(ctx, d, dev, findState(states, dev))
		} else {
			entry = configDevice(dev)
		}
		out = append(out, kv("device", entry))
	}
	return out, nil
}

// findState returns the live state of a recorded device, or nil.
func findState(states []toolstack.DeviceState, dev *devRecord) *toolstack.DeviceState {
	class := dev.Class
	if isDiskClass(class) {
		class = "vbd"
	}
	for i := range states {
		if string(states[i].Class) == class && states[i].Devid == dev.Devid {
			return &states[i]
		}
	}
	return nil
}

// liveDevice renders a device of an active domain as xend read it back
// from xenstore (§6.5): values are strings, backend is an int.
func (s *Service) liveDevice(ctx context.Context, d *domain, dev *devRecord, st *toolstack.DeviceState) sxp.Value {
	backend := sxp.Int(0)
	if st != nil {
		backend = sxp.Int(int64(st.BackendDomid))
	}
	switch dev.Class {
	case "vbd", "tap", "tap2":
		items := []sxp.Value{sxp.Atom(dev.Class)}
		if proto := frontendValue(st, "protocol"); proto != "" {
			items = append(items, str("protocol", proto))
		} else if st == nil && d.rec.Image.Type != "hvm" {
			items = append(items, str("protocol", "x86_64-abi"))
		}
		bootable := int64(0)
		if v := dev.get("bootable"); v.IsValid() {
			bootable, _ = v.AsInt()
		}
		name, devType := splitDev(dev.text("dev"))
		if t := frontendValue(st, "device-type"); t != "" {
			devType = t
		}
		items = append(items, str("uuid", dev.UUID), num("bootable", int(bootable)),
			str("dev", name+":"+devType))
		if u := dev.text("uname"); u != "" {
			items = append(items, str("uname", u))
		}
		items = append(items, str("mode", dev.text("mode")), kv("backend", backend), str("VDI", ""))
		return sxp.List(items...)
	case "vif":
		vals := map[string]sxp.Value{"uuid": sxp.Atom(dev.UUID), "backend": backend}
		for _, f := range dev.Cfg {
			if f.key != "backend" {
				vals[f.key] = sxp.Atom(f.val.Text())
			}
		}
		// netif.py wrote the hotplug script to xenstore joined to
		// network_script_dir, and the live record reads it back from there.
		if sc, ok := vals["script"]; !ok {
			vals["script"] = sxp.Atom(vifScriptDir + "/vif-bridge")
		} else if t := sc.Text(); !strings.HasPrefix(t, "/") {
			vals["script"] = sxp.Atom(vifScriptDir + "/" + t)
		}
		if _, ok := vals["mac"]; ok {
			// xend's config is the truth: it wrote the MAC to xenstore.
		} else if mac := frontendValue(st, "mac"); mac != "" {
			vals["mac"] = sxp.Atom(mac)
		} else if st != nil && st.Config.NIC != nil && st.Config.NIC.MAC != "" {
			vals["mac"] = sxp.Atom(st.Config.NIC.MAC)
		}
		return dictEntry("vif", vifLiveKeys, vals)
	case "console":
		items := []sxp.Value{sxp.Atom("console"), str("protocol", "vt100")}
		port, tty := "2", ""
		if d.info != nil {
			if ci, err := s.ts.Console(ctx, d.info.Domid); err == nil {
				if ci.Port > 0 {
					port = strconv.Itoa(ci.Port)
				}
				tty = ci.TTY
			}
		}
		items = append(items, str("location", port), str("uuid", dev.UUID))
		if tty != "" && !s.opts.StrictXend {
			// Beyond xend (gap 5): the console's tty, so list -l shows
			// where to attach.
			items = append(items, str("tty", tty))
		}
		return sxp.List(items...)
	case "vkbd":
		return sxp.List(sxp.Atom("vkbd"), kv("backend", backend))
	case "vfb":
		vals := map[string]sxp.Value{"uuid": sxp.Atom(dev.UUID)}
		for _, f := range dev.Cfg {
			vals[f.key] = sxp.Atom(f.val.Text())
		}
		if d.info != nil && !s.opts.StrictXend {
			// Beyond xend (gap 6): the VNC endpoint once a device model
			// serves it, for PV guests too.
			if ep, err := s.ts.VNC(ctx, d.info.Domid); err == nil && ep.Port > 0 {
				host := ep.Listen
				if host == "" {
					host = dev.text("vnclisten")
				}
				vals["location"] = sxp.Atom(host + ":" + strconv.Itoa(ep.Port))
			}
		}
		return dictEntry("vfb", vfbLiveKeys, vals)
	}
	return configDevice(dev)
}

// dictEntry renders (class (k v) ...) with the keys present in vals, in the
// order a CPython dict filled in insertion order would iterate them; keys
// not in order are inserted after it, sorted.
func dictEntry(class string, order []string, vals map[string]sxp.Value) sxp.Value {
	var keys []string
	seen := map[string]bool{}
	for _, k := range order {
		if _, ok := vals[k]; ok {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range vals {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sortStrings(rest)
	keys = append(keys, rest...)
	items := []sxp.Value{sxp.Atom(class)}
	for _, k := range pyDictOrder(keys) {
		items = append(items, kv(k, vals[k]))
	}
	return sxp.List(items...)
}

func sortStrings(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// frontendValue returns a frontend xenstore node of a device, or "".
func frontendValue(st *toolstack.DeviceState, key string) string {
	if st == nil {
		return ""
	}
	v, _ := st.Frontend.Get(key)
	return v
}

// splitDev splits "hdc:cdrom" into ("hdc", "cdrom"); the type defaults to
// disk.
func splitDev(dev string) (string, string) {
	if i := strings.IndexByte(dev, ':'); i >= 0 {
		return dev[:i], dev[i+1:]
	}
	return dev, "disk"
}

// vbdDevid returns the Linux device number xend used as a vbd's devid:
// xvda1 = 51713, hda = 768, hdc = 5632, sdb = 2064; a plain number is used
// as is; -1 if the name is not understood.
func vbdDevid(dev string) int {
	name, _ := splitDev(dev)
	if n, err := strconv.Atoi(name); err == nil {
		return n
	}
	letters := func(s string) (int, string) {
		i := 0
		n := 0
		for i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
			n = n*26 + int(s[i]-'a'+1)
			i++
		}
		return n - 1, s[i:]
	}
	part := func(s string) int {
		if s == "" {
			return 0
		}
		p, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return p
	}
	switch {
	case strings.HasPrefix(name, "xvd"):
		disk, rest := letters(name[3:])
		p := part(rest)
		if disk < 0 || p < 0 {
			return -1
		}
		if disk < 16 && p < 16 {
			return 202<<8 | disk<<4 | p
		}
		return 1<<28 | disk<<8 | p
	case strings.HasPrefix(name, "hd"):
		disk, rest := letters(name[2:])
		p := part(rest)
		if disk < 0 || disk > 3 || p < 0 {
			return -1
		}
		majors := []int{3, 3, 22, 22}
		return majors[disk]<<8 | (disk%2)<<6 | p
	case strings.HasPrefix(name, "sd"):
		disk, rest := letters(name[2:])
		p := part(rest)
		if disk < 0 || disk > 15 || p < 0 {
			return -1
		}
		return 8<<8 | disk<<4 | p
	}
	return -1
}
