package sim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

var macRE = regexp.MustCompile(`^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$`)

// classOrder is the order Devices lists classes in.
var classOrder = []toolstack.DeviceClass{
	toolstack.ClassConsole, toolstack.ClassVBD, toolstack.ClassVIF, toolstack.ClassVFB,
	toolstack.ClassVKBD, toolstack.ClassPCI, toolstack.ClassVUSB, toolstack.ClassUSBDev,
	toolstack.ClassVSCSI, toolstack.ClassChannel, toolstack.ClassVTPM,
}

// configured returns every device of cfg as (class, devid, Device) in
// class order. Devids must already be assigned.
func configured(cfg *toolstack.DomainConfig) []toolstack.Device {
	var out []toolstack.Device
	for i := range cfg.Disks {
		out = append(out, toolstack.Device{Class: toolstack.ClassVBD, Disk: &cfg.Disks[i]})
	}
	for i := range cfg.NICs {
		out = append(out, toolstack.Device{Class: toolstack.ClassVIF, NIC: &cfg.NICs[i]})
	}
	for i := range cfg.VFBs {
		out = append(out, toolstack.Device{Class: toolstack.ClassVFB, VFB: &cfg.VFBs[i]})
	}
	for i := range cfg.VKBs {
		out = append(out, toolstack.Device{Class: toolstack.ClassVKBD, VKB: &cfg.VKBs[i]})
	}
	for i := range cfg.PCIDevs {
		out = append(out, toolstack.Device{Class: toolstack.ClassPCI, PCI: &cfg.PCIDevs[i]})
	}
	for i := range cfg.USBCtrls {
		out = append(out, toolstack.Device{Class: toolstack.ClassVUSB, USBCtrl: &cfg.USBCtrls[i]})
	}
	for i := range cfg.USBDevs {
		out = append(out, toolstack.Device{Class: toolstack.ClassUSBDev, USBDev: &cfg.USBDevs[i]})
	}
	if cfg.Xend != nil {
		for i := range cfg.Xend.VSCSIs {
			out = append(out, toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: &cfg.Xend.VSCSIs[i]})
		}
	}
	for i := range cfg.Channels {
		out = append(out, toolstack.Device{Class: toolstack.ClassChannel, Channel: &cfg.Channels[i]})
	}
	for i := range cfg.VTPMs {
		out = append(out, toolstack.Device{Class: toolstack.ClassVTPM, VTPM: &cfg.VTPMs[i]})
	}
	return out
}

// devidOf returns the device's id within its class.
func devidOf(dev toolstack.Device) int {
	switch dev.Class {
	case toolstack.ClassVBD:
		n, _ := vdevNumber(dev.Disk.Vdev)
		return n
	case toolstack.ClassVIF:
		return dev.NIC.Devid
	case toolstack.ClassVFB:
		return dev.VFB.Devid
	case toolstack.ClassVKBD:
		return dev.VKB.Devid
	case toolstack.ClassPCI:
		p := dev.PCI
		return p.Domain<<16 | int(p.Bus)<<8 | int(p.Dev)<<3 | int(p.Func)
	case toolstack.ClassVUSB:
		return dev.USBCtrl.Devid
	case toolstack.ClassUSBDev:
		return dev.USBDev.Ctrl<<8 | dev.USBDev.Port
	case toolstack.ClassVSCSI:
		return dev.VSCSI.Devid
	case toolstack.ClassChannel:
		return dev.Channel.Devid
	case toolstack.ClassVTPM:
		return dev.VTPM.Devid
	}
	return -1
}

// setDevid assigns an index-style devid.
func setDevid(dev toolstack.Device, n int) {
	switch dev.Class {
	case toolstack.ClassVIF:
		dev.NIC.Devid = n
	case toolstack.ClassVFB:
		dev.VFB.Devid = n
	case toolstack.ClassVKBD:
		dev.VKB.Devid = n
	case toolstack.ClassVUSB:
		dev.USBCtrl.Devid = n
	case toolstack.ClassVSCSI:
		dev.VSCSI.Devid = n
	case toolstack.ClassChannel:
		dev.Channel.Devid = n
	case toolstack.ClassVTPM:
		dev.VTPM.Devid = n
	}
}

// indexed reports whether the class numbers its devices 0, 1, 2, ...
func indexed(c toolstack.DeviceClass) bool {
	switch c {
	case toolstack.ClassVBD, toolstack.ClassPCI, toolstack.ClassUSBDev:
		return false
	}
	return true
}

// checkDevice validates one device for domain cfg (which may already hold
// others) and fills in what is generated (MAC, devid, resolved SCSI
// names). It does not add it. Caller holds s.mu.
func (s *Sim) checkDevice(op string, dom any, cfg *toolstack.DomainConfig, dev toolstack.Device, assignDevid bool) error {
	bad := func(class error, format string, args ...any) error {
		return toolstack.Errorf(class, op, dom, "%s: %s", dev.Class, fmt.Sprintf(format, args...))
	}
	var set int
	for _, p := range []bool{dev.Disk != nil, dev.NIC != nil, dev.VFB != nil, dev.VKB != nil, dev.PCI != nil, dev.USBCtrl != nil, dev.USBDev != nil, dev.VSCSI != nil, dev.Channel != nil, dev.VTPM != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return bad(toolstack.ErrInvalid, "exactly one device field must be set, found %d", set)
	}
	want := map[toolstack.DeviceClass]bool{
		toolstack.ClassVBD: dev.Disk != nil, toolstack.ClassVIF: dev.NIC != nil, toolstack.ClassVFB: dev.VFB != nil,
		toolstack.ClassVKBD: dev.VKB != nil, toolstack.ClassPCI: dev.PCI != nil, toolstack.ClassVUSB: dev.USBCtrl != nil,
		toolstack.ClassUSBDev: dev.USBDev != nil, toolstack.ClassVSCSI: dev.VSCSI != nil,
		toolstack.ClassChannel: dev.Channel != nil, toolstack.ClassVTPM: dev.VTPM != nil,
	}
	if !want[dev.Class] {
		return bad(toolstack.ErrInvalid, "class %q does not match the device field set", dev.Class)
	}
	existing := configured(cfg)
	if assignDevid && indexed(dev.Class) {
		next := 0
		for _, e := range existing {
			if e.Class == dev.Class && devidOf(e) >= next {
				next = devidOf(e) + 1
			}
		}
		if dev.Class != toolstack.ClassVSCSI || dev.VSCSI.Devid < 0 {
			setDevid(dev, next)
		}
	}
	switch dev.Class {
	case toolstack.ClassVBD:
		if dev.Disk.Vdev == "" {
			return bad(toolstack.ErrInvalid, "no virtual device name (vdev), e.g. xvda")
		}
		if _, err := vdevNumber(dev.Disk.Vdev); err != nil {
			return bad(toolstack.ErrInvalid, "%v", err)
		}
	case toolstack.ClassVIF:
		if dev.NIC.MAC == "" {
			dev.NIC.MAC = s.newMAC()
		} else if !macRE.MatchString(dev.NIC.MAC) || hexByte(dev.NIC.MAC[:2])&1 == 1 {
			return bad(toolstack.ErrInvalid, "MAC address %q is not valid", dev.NIC.MAC)
		}
	case toolstack.ClassPCI:
		if err := s.checkPCI(op, dom, *dev.PCI); err != nil {
			return err
		}
	case toolstack.ClassUSBDev:
		var ctrl *toolstack.DeviceUSBCtrl
		for i := range cfg.USBCtrls {
			if cfg.USBCtrls[i].Devid == dev.USBDev.Ctrl {
				ctrl = &cfg.USBCtrls[i]
			}
		}
		if ctrl == nil {
			return bad(toolstack.ErrNotFound, "no USB controller %d", dev.USBDev.Ctrl)
		}
		if dev.USBDev.Port < 1 || dev.USBDev.Port > ctrl.Ports {
			return bad(toolstack.ErrInvalid, "port %d is outside 1..%d of controller %d", dev.USBDev.Port, ctrl.Ports, ctrl.Devid)
		}
	case toolstack.ClassVUSB:
		if dev.USBCtrl.Ports == 0 {
			dev.USBCtrl.Ports = 8
		}
		if dev.USBCtrl.Version == 0 {
			dev.USBCtrl.Version = 2
		}
		if dev.USBCtrl.Ports < 1 || dev.USBCtrl.Ports > 31 {
			return bad(toolstack.ErrInvalid, "%d ports; want 1..31", dev.USBCtrl.Ports)
		}
	case toolstack.ClassVSCSI:
		if len(dev.VSCSI.LUNs) == 0 && !dev.VSCSI.FeatureHost {
			return bad(toolstack.ErrInvalid, "controller %d has no LUNs", dev.VSCSI.Devid)
		}
		for i := range dev.VSCSI.LUNs {
			l := &dev.VSCSI.LUNs[i]
			h := s.findSCSI(l.PDev)
			if h == nil {
				return bad(toolstack.ErrNotFound, "host SCSI device %q does not exist", l.PDev)
			}
			l.PDevname = h.Devname
			if !hctlRE.MatchString(l.VDev) {
				return bad(toolstack.ErrInvalid, "virtual device %q is not host:channel:target:lun", l.VDev)
			}
			if user := s.scsiUser(h.Devname); user != "" {
				return bad(toolstack.ErrExists, "The physical device \"%s\" is already used by %s.", l.PDev, user)
			}
		}
		if err := vdevFree(cfg, dev.VSCSI, bad); err != nil {
			return err
		}
	}
	id := devidOf(dev)
	for _, e := range existing {
		if e.Class == dev.Class && devidOf(e) == id && dev.Class != toolstack.ClassVSCSI {
			return bad(toolstack.ErrExists, "device %d already exists", id)
		}
	}
	return nil
}

var hctlRE = regexp.MustCompile(`^\d+:\d+:\d+:\d+$`)

// hctlKey normalizes an H:C:T:L as the real controller compares them
// ("0:0:0:01" is "0:0:0:1"); text that is not one is kept as is.
func hctlKey(s string) string {
	parts := strings.Split(s, ":")
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return s
		}
		parts[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(parts, ":")
}

// vdevFree refuses what the real controller (toolstack/xl/pvscsi)
// refuses: a v-dev given twice in one request (ErrInvalid), or one that
// controller v.Devid of cfg already has a LUN at (ErrExists).
func vdevFree(cfg *toolstack.DomainConfig, v *toolstack.DeviceVSCSI, bad func(error, string, ...any) error) error {
	seen := map[string]bool{}
	for _, l := range v.LUNs {
		if seen[hctlKey(l.VDev)] {
			return bad(toolstack.ErrInvalid, "v-dev %s is given twice", l.VDev)
		}
		seen[hctlKey(l.VDev)] = true
	}
	if cfg.Xend == nil {
		return nil
	}
	for _, c := range cfg.Xend.VSCSIs {
		if c.Devid != v.Devid {
			continue
		}
		for _, l := range c.LUNs {
			if seen[hctlKey(l.VDev)] {
				return bad(toolstack.ErrExists, "controller %d has a LUN at v-dev %s already", c.Devid, l.VDev)
			}
		}
	}
	return nil
}

func hexByte(s string) int {
	var v int
	fmt.Sscanf(s, "%x", &v)
	return v
}

func (s *Sim) findSCSI(pdev string) *toolstack.HostSCSIDevice {
	name := strings.TrimPrefix(pdev, "/dev/")
	for i := range s.prof.SCSIDevices {
		h := &s.prof.SCSIDevices[i]
		if h.HCTL == pdev || h.Devname == name || h.SG == name {
			return h
		}
	}
	return nil
}

// scsiUser names the domain using host SCSI device devname, or "".
func (s *Sim) scsiUser(devname string) string {
	for _, id := range s.sortedDomids() {
		d := s.doms[id]
		if d.Config.Xend == nil {
			continue
		}
		for _, c := range d.Config.Xend.VSCSIs {
			for _, l := range c.LUNs {
				if l.PDevname == devname {
					return "domain " + d.Config.CInfo.Name
				}
			}
		}
	}
	return ""
}

// checkPCI: only functions the host lists as assignable can be passed
// through; the reference host has none.
func (s *Sim) checkPCI(op string, dom any, p toolstack.DevicePCI) error {
	if len(s.prof.PCIDevices) == 0 {
		return toolstack.Errorf(toolstack.ErrUnsupported, op, dom, "pci: the host has no assignable PCI devices")
	}
	for _, h := range s.prof.PCIDevices {
		if h.Domain == p.Domain && h.Bus == p.Bus && h.Dev == p.Dev && h.Func == p.Func {
			return nil
		}
	}
	return toolstack.Errorf(toolstack.ErrNotFound, op, dom, "pci: %04x:%02x:%02x.%x is not assignable", p.Domain, p.Bus, p.Dev, p.Func)
}

// prepareDevices validates and completes every device of a new config.
func (s *Sim) prepareDevices(op string, cfg *toolstack.DomainConfig) error {
	staged := *cfg
	staged.Disks, staged.NICs, staged.VFBs, staged.VKBs, staged.PCIDevs = nil, nil, nil, nil, nil
	staged.USBCtrls, staged.USBDevs, staged.Channels, staged.VTPMs = nil, nil, nil, nil
	var xend toolstack.XendExtras
	if cfg.Xend != nil {
		xend = *cfg.Xend
		xend.VSCSIs = nil
	}
	staged.Xend = &xend
	for _, dev := range configured(cfg) {
		assign := dev.Class != toolstack.ClassVSCSI
		if err := s.checkDevice(op, cfg.CInfo.Name, &staged, dev, assign && devidOf(dev) == 0); err != nil {
			return err
		}
		appendDevice(&staged, dev)
	}
	return nil
}

// appendDevice adds dev to cfg's lists (vscsi LUNs merge into an existing
// controller of the same devid).
func appendDevice(cfg *toolstack.DomainConfig, dev toolstack.Device) {
	switch dev.Class {
	case toolstack.ClassVBD:
		cfg.Disks = append(cfg.Disks, *dev.Disk)
	case toolstack.ClassVIF:
		cfg.NICs = append(cfg.NICs, *dev.NIC)
	case toolstack.ClassVFB:
		cfg.VFBs = append(cfg.VFBs, *dev.VFB)
	case toolstack.ClassVKBD:
		cfg.VKBs = append(cfg.VKBs, *dev.VKB)
	case toolstack.ClassPCI:
		cfg.PCIDevs = append(cfg.PCIDevs, *dev.PCI)
	case toolstack.ClassVUSB:
		cfg.USBCtrls = append(cfg.USBCtrls, *dev.USBCtrl)
	case toolstack.ClassUSBDev:
		cfg.USBDevs = append(cfg.USBDevs, *dev.USBDev)
	case toolstack.ClassChannel:
		cfg.Channels = append(cfg.Channels, *dev.Channel)
	case toolstack.ClassVTPM:
		cfg.VTPMs = append(cfg.VTPMs, *dev.VTPM)
	case toolstack.ClassVSCSI:
		if cfg.Xend == nil {
			cfg.Xend = &toolstack.XendExtras{}
		}
		for i := range cfg.Xend.VSCSIs {
			if c := &cfg.Xend.VSCSIs[i]; c.Devid == dev.VSCSI.Devid {
				c.LUNs = append(c.LUNs, dev.VSCSI.LUNs...)
				c.FeatureHost = c.FeatureHost || dev.VSCSI.FeatureHost
				return
			}
		}
		cfg.Xend.VSCSIs = append(cfg.Xend.VSCSIs, *dev.VSCSI)
	}
}
