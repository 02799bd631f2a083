package xend

import (
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// toolstackConfig converts xend's record into the toolstack's domain model.
func toolstackConfig(r *vmRecord) *toolstack.DomainConfig {
	c := &toolstack.DomainConfig{}
	c.CInfo.Type = toolstack.TypePV
	if r.Image.Type == "hvm" {
		c.CInfo.Type = toolstack.TypeHVM
		c.BInfo.HVM = &toolstack.BuildInfoHVM{}
	} else {
		c.BInfo.PV = &toolstack.BuildInfoPV{}
	}
	c.CInfo.Name = r.Name
	c.CInfo.UUID = r.UUID
	c.CInfo.PoolName = r.PoolName
	b := &c.BInfo
	b.MaxVCPUs = r.VCPUs
	b.MaxMemKB = uint64(r.MaxMem) * 1024
	b.TargetMemKB = uint64(r.Memory) * 1024
	if r.ShadowMemory > 0 {
		kb := uint64(r.ShadowMemory) * 1024
		b.ShadowMemKB = &kb
	}
	b.Kernel = r.Image.Kernel
	if r.Image.Type == "hvm" {
		b.Kernel = ""
		if v, ok := r.Image.Platform["loader"]; ok {
			b.HVM.Firmware = v.Text()
		}
	}
	b.Ramdisk = r.Image.Ramdisk
	b.Cmdline = r.Image.Args
	b.Bootloader = r.Bootloader
	if r.BootloaderArgs != "" {
		b.BootloaderArgs = strings.Fields(r.BootloaderArgs)
	}
	for _, aff := range r.Cpus {
		b.VCPUHardAffinity = append(b.VCPUHardAffinity, toolstack.Bitmap(append([]int(nil), aff...)))
	}
	w, cp := r.CPUWeight, r.CPUCap
	b.SchedParams.Weight = &w
	b.SchedParams.Cap = &cp
	c.OnPoweroff = libxlAction(r.OnPoweroff)
	c.OnReboot = libxlAction(r.OnReboot)
	c.OnCrash = libxlAction(r.OnCrash)
	c.Xend = &toolstack.XendExtras{Description: r.Description, OnXendStart: r.OnXendStart, OnXendStop: r.OnXendStop}
	for _, d := range r.Devices {
		dev, ok := toolstackDevice(d)
		if !ok {
			continue
		}
		switch {
		case dev.Disk != nil:
			c.Disks = append(c.Disks, *dev.Disk)
		case dev.NIC != nil:
			c.NICs = append(c.NICs, *dev.NIC)
		case dev.VFB != nil:
			if r.Image.Type == "hvm" {
				c.BInfo.HVM.VNC = dev.VFB.VNC
				c.BInfo.HVM.SDL = dev.VFB.SDL
				c.BInfo.HVM.Keymap = dev.VFB.Keymap
				continue
			}
			c.VFBs = append(c.VFBs, *dev.VFB)
		case dev.VKB != nil:
			c.VKBs = append(c.VKBs, *dev.VKB)
		case dev.PCI != nil:
			c.PCIDevs = append(c.PCIDevs, *dev.PCI)
		case dev.VSCSI != nil:
			c.Xend.VSCSIs = append(c.Xend.VSCSIs, *dev.VSCSI)
		case dev.USBCtrl != nil:
			c.USBCtrls = append(c.USBCtrls, *dev.USBCtrl)
		}
	}
	return c
}

// libxlAction spells xend's shutdown action as libxl does.
func libxlAction(a string) toolstack.Action {
	switch a {
	case "rename-restart":
		return toolstack.ActionRestartRename
	case "coredump-destroy":
		return toolstack.ActionCoredumpDestroy
	case "coredump-restart":
		return toolstack.ActionCoredumpRestart
	}
	return toolstack.Action(a)
}

// toolstackDevice converts one recorded device; ok is false for classes the
// toolstack does not take (console, ioports, irq).
func toolstackDevice(d *devRecord) (toolstack.Device, bool) {
	switch d.Class {
	case "vbd", "tap", "tap2":
		disk := &toolstack.DeviceDisk{}
		uname := d.text("uname")
		kind, path := "", uname
		if i := strings.IndexByte(uname, ':'); i >= 0 {
			kind, path = uname[:i], uname[i+1:]
			if j := strings.IndexByte(path, ':'); (kind == "tap" || kind == "tap2") && j >= 0 {
				path = path[j+1:]
			}
		}
		disk.PdevPath = path
		switch kind {
		case "phy":
			disk.Backend = "phy"
		case "tap", "tap2":
			disk.Backend = "tap"
		}
		disk.Format = "raw"
		name, typ := splitDev(d.text("dev"))
		disk.Vdev = name
		if typ == "cdrom" {
			disk.IsCDROM = 1
			disk.Removable = 1
		}
		if m := d.text("mode"); strings.HasPrefix(m, "w") {
			disk.Readwrite = 1
		}
		return toolstack.Device{Class: toolstack.ClassVBD, Disk: disk}, true
	case "vif":
		nic := &toolstack.DeviceNIC{Bridge: d.text("bridge"), MAC: d.text("mac"), IP: d.text("ip"),
			Ifname: d.text("vifname"), Model: d.text("model"), Script: d.text("script")}
		if d.Devid >= 0 {
			nic.Devid = d.Devid
		}
		if d.text("type") == "ioemu" {
			nic.Nictype = "vif_ioemu"
		}
		return toolstack.Device{Class: toolstack.ClassVIF, NIC: nic}, true
	case "vfb":
		vfb := &toolstack.DeviceVFB{Keymap: d.text("keymap")}
		if truthy(d.text("vnc")) {
			vnc := &toolstack.VNCInfo{Enable: toolstack.DefboolTrue, Listen: d.text("vnclisten"), Passwd: d.text("vncpasswd")}
			if truthy(d.text("vncunused")) {
				vnc.FindUnused = toolstack.DefboolTrue
			}
			vfb.VNC = vnc
		}
		if truthy(d.text("sdl")) {
			vfb.SDL = &toolstack.SDLInfo{Enable: toolstack.DefboolTrue, Display: d.text("display"), Xauthority: d.text("xauthority")}
		}
		return toolstack.Device{Class: toolstack.ClassVFB, VFB: vfb}, true
	case "vkbd":
		return toolstack.Device{Class: toolstack.ClassVKBD, VKB: &toolstack.DeviceVKB{}}, true
	}
	return extraDevice(d)
}

// truthy is Python truthiness of a config string.
func truthy(s string) bool { return s != "" && s != "0" && !strings.EqualFold(s, "false") }
