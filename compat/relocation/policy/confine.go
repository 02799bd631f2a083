package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// Confine checks a received domain config against the peer's grant before
// any guest memory moves. Guest-visible ABI (vdevs, MACs, memory, vCPUs,
// type) is left alone; every host-facing field must map into what policy
// allows, or the config is refused with each offending field named. It
// returns the list of host resources checked (for the audit log).
//
// Confinement never rewrites the config: the stream the backend restores
// carries its own copy, so a rewrite here would not reach the domain.
// Instead the receiver confines again the config the backend actually
// created (defence in depth) before it unpauses.
func (p *Policy) Confine(peer *Peer, rule string, cfg *toolstack.DomainConfig, want Request) ([]string, error) {
	c := &confiner{p: p, peer: peer}
	c.createInfo(cfg, want)
	c.buildInfo(cfg)
	for i, d := range cfg.Disks {
		c.disk(fmt.Sprintf("disks[%d]", i), d)
	}
	for i, n := range cfg.NICs {
		c.nic(fmt.Sprintf("nics[%d]", i), n)
	}
	c.deny(len(cfg.PCIDevs) > 0, "pcidevs", "PCI passthrough is not migratable")
	c.deny(len(cfg.VTPMs) > 0, "vtpms", "vTPMs are not accepted")
	for i, u := range cfg.USBDevs {
		c.deny(u.HostDev != nil, fmt.Sprintf("usbdevs[%d]", i), "host USB devices are not accepted")
	}
	for i, u := range cfg.USBCtrls {
		c.backend(fmt.Sprintf("usbctrls[%d]", i), u.BackendDomid, u.BackendDomname)
	}
	for i, f := range cfg.VFBs {
		name := fmt.Sprintf("vfbs[%d]", i)
		c.backend(name, f.BackendDomid, f.BackendDomname)
		c.vnc(name+".vnc", f.VNC)
		c.deny(f.SDL != nil && f.SDL.Enable.IsTrue(), name+".sdl", "SDL displays need dom0's X server")
	}
	for i, k := range cfg.VKBs {
		c.backend(fmt.Sprintf("vkbs[%d]", i), k.BackendDomid, k.BackendDomname)
	}
	for i, ch := range cfg.Channels {
		name := fmt.Sprintf("channels[%d]", i)
		c.backend(name, ch.BackendDomid, ch.BackendDomname)
		if ch.Socket != nil {
			dir := "/run/xendshim/" + cfg.CInfo.UUID + "/"
			c.deny(!strings.HasPrefix(path.Clean(ch.Socket.Path), dir) || path.Clean(ch.Socket.Path) != ch.Socket.Path,
				name+".connection.socket.path", fmt.Sprintf("%q is outside %s", ch.Socket.Path, dir))
		}
	}
	for _, a := range []toolstack.Action{cfg.OnPoweroff, cfg.OnReboot, cfg.OnWatchdog, cfg.OnCrash, cfg.OnSoftReset} {
		switch a {
		case "", toolstack.ActionDestroy, toolstack.ActionRestart, toolstack.ActionRestartRename, toolstack.ActionPreserve,
			toolstack.ActionCoredumpDestroy, toolstack.ActionCoredumpRestart, toolstack.ActionSoftReset:
		default:
			c.refuse("on_*", fmt.Sprintf("unknown action %q", a))
		}
	}
	if x := cfg.Xend; x != nil {
		c.deny(len(x.VSCSIs) > 0, "xend.vscsis", "PVSCSI passes host SCSI devices through")
		c.deny(len(x.Other) > 0, "xend.other", "xend keys this receiver does not know")
	}
	if len(c.refused) > 0 {
		return c.checked, &Denial{Code: CodeConfine, Rule: rule, Fields: c.refused}
	}
	return c.checked, nil
}

type confiner struct {
	p       *Policy
	peer    *Peer
	refused []string
	checked []string
}

func (c *confiner) refuse(field, why string) {
	c.refused = append(c.refused, field+": "+why)
}

func (c *confiner) deny(cond bool, field, why string) {
	if cond {
		c.refuse(field, why)
	}
}

func (c *confiner) backend(field string, domid uint32, domname string) {
	c.deny(domid != 0 || (domname != "" && domname != "Domain-0"), field+".backend_domname", "driver domains other than Domain-0 are not accepted")
}

func (c *confiner) createInfo(cfg *toolstack.DomainConfig, want Request) {
	ci := cfg.CInfo
	c.deny(ci.Name != want.Name, "c_info.name", fmt.Sprintf("%q differs from HELLO's %q", ci.Name, want.Name))
	c.deny(!strings.EqualFold(ci.UUID, want.UUID) || ci.UUID == "", "c_info.uuid", fmt.Sprintf("%q differs from HELLO's %q", ci.UUID, want.UUID))
	c.deny(ci.SSIDRef != 0 || ci.SSIDLabel != "", "c_info.ssid_label", "security labels are assigned by the receiver")
	c.deny(len(ci.XSData) > 0, "c_info.xsdata", "xenstore data from the sender is not accepted")
	c.deny(len(ci.PlatformData) > 0, "c_info.platformdata", "platform data from the sender is not accepted")
	c.deny(ci.DriverDomain.IsTrue(), "c_info.driver_domain", "driver domains are not accepted")
	c.deny(ci.PoolName != "" && ci.PoolName != "Pool-0", "c_info.pool_name", fmt.Sprintf("cpupool %q is not allowed", ci.PoolName))
	c.deny(ci.Passthrough != "" && ci.Passthrough != "disabled", "c_info.passthrough", "passthrough is not accepted")
	switch ci.Type {
	case "", toolstack.TypePV, toolstack.TypeHVM, toolstack.TypePVH:
	default:
		c.refuse("c_info.type", fmt.Sprintf("unknown type %q", ci.Type))
	}
}

func (c *confiner) buildInfo(cfg *toolstack.DomainConfig) {
	b := cfg.BInfo
	for _, f := range []struct{ field, p string }{
		{"b_info.kernel", b.Kernel}, {"b_info.ramdisk", b.Ramdisk}, {"b_info.device_tree", b.DeviceTree},
	} {
		c.bootFile(f.field, f.p)
	}
	c.bootloader("b_info.bootloader", b.Bootloader, b.BootloaderArgs)
	if b.PV != nil {
		c.bootloader("b_info.type.pv.bootloader", b.PV.Bootloader, b.PV.BootloaderArgs)
	}
	c.deny(b.DeviceModel != "", "b_info.device_model", "device model overrides are not accepted")
	c.deny(b.DeviceModelUser != "", "b_info.device_model_user", "the receiver chooses the device model user")
	c.deny(len(b.Extra)+len(b.ExtraPV)+len(b.ExtraHVM) > 0, "b_info.extra", "extra device model arguments are not accepted")
	c.deny(b.ExecSSIDRef != 0 || b.ExecSSIDLabel != "", "b_info.exec_ssid_label", "security labels are assigned by the receiver")
	c.deny(len(b.IOPorts) > 0, "b_info.ioports", "I/O port passthrough is not accepted")
	c.deny(len(b.IRQs) > 0, "b_info.irqs", "IRQ passthrough is not accepted")
	c.deny(len(b.IOMem) > 0, "b_info.iomem", "I/O memory passthrough is not accepted")
	c.deny(b.DMRestrict == toolstack.DefboolFalse, "b_info.dm_restrict", "the device model must stay restricted")
	if q := c.peer.Quota; q.MaxMemKB > 0 {
		c.deny(b.MaxMemKB > q.MaxMemKB || b.TargetMemKB > q.MaxMemKB, "b_info.max_memkb", fmt.Sprintf("over the peer's max_memkb %d", q.MaxMemKB))
	}
	if q := c.peer.Quota; q.MaxVCPUs > 0 {
		c.deny(b.MaxVCPUs > q.MaxVCPUs, "b_info.max_vcpus", fmt.Sprintf("over the peer's max_vcpus %d", q.MaxVCPUs))
	}
	if h := b.HVM; h != nil {
		for _, f := range []struct{ field, p string }{
			{"b_info.type.hvm.firmware", h.Firmware}, {"b_info.type.hvm.system_firmware", h.SystemFirmware},
			{"b_info.type.hvm.smbios_firmware", h.SMBIOSFirmware}, {"b_info.type.hvm.acpi_firmware", h.ACPIFirmware},
		} {
			// "firmware" may also name a built-in ("bios", "uefi", "ovmf").
			if f.field == "b_info.type.hvm.firmware" && !strings.Contains(f.p, "/") {
				continue
			}
			c.bootFile(f.field, f.p)
		}
		c.deny(h.Serial != "" && h.Serial != "pty", "b_info.type.hvm.serial", fmt.Sprintf("%q: only pty is accepted", h.Serial))
		for i, s := range h.SerialList {
			c.deny(s != "pty", fmt.Sprintf("b_info.type.hvm.serial_list[%d]", i), fmt.Sprintf("%q: only pty is accepted", s))
		}
		c.vnc("b_info.type.hvm.vnc", h.VNC)
		c.deny(h.SDL != nil && h.SDL.Enable.IsTrue(), "b_info.type.hvm.sdl", "SDL displays need dom0's X server")
		c.deny(h.GfxPassthru.IsTrue(), "b_info.type.hvm.gfx_passthru", "graphics passthrough is not accepted")
		for i, u := range append([]string{h.USBDevice}, h.USBDeviceList...) {
			c.deny(strings.HasPrefix(u, "host:"), fmt.Sprintf("b_info.type.hvm.usbdevice[%d]", i), "host USB devices are not accepted")
		}
	}
	if v := b.PVH; v != nil {
		c.bootFile("b_info.type.pvh.pvshim_path", v.PVShimPath)
	}
}

// bootFile accepts a receiver-owned boot file from the kernels catalogue.
func (c *confiner) bootFile(field, p string) {
	if p == "" {
		return
	}
	if !slices.Contains(c.p.Kernels, p) {
		c.refuse(field, fmt.Sprintf("%q is not in the receiver's kernels catalogue", p))
		return
	}
	c.checked = append(c.checked, field+"="+p)
}

func (c *confiner) bootloader(field, bl string, args []string) {
	if bl == "" {
		return
	}
	if c.peer.Bootloader == "" || bl != c.peer.Bootloader {
		c.refuse(field, fmt.Sprintf("%q is not the allowed bootloader", bl))
		return
	}
	c.deny(len(args) > 0, field+"_args", "bootloader arguments are not accepted")
	c.checked = append(c.checked, field+"="+bl)
}

func (c *confiner) vnc(field string, v *toolstack.VNCInfo) {
	if v == nil || v.Listen == "" {
		return
	}
	allowed := c.peer.VNCListen
	if allowed == nil {
		allowed = []string{"127.0.0.1"}
	}
	c.deny(!slices.Contains(allowed, v.Listen), field+".listen", fmt.Sprintf("%q is not an allowed listen address", v.Listen))
}

func (c *confiner) script(field, s string) {
	if s == "" {
		return
	}
	name := s
	if strings.Contains(s, "/") {
		if path.Dir(s) != c.p.ScriptDir {
			c.refuse(field, fmt.Sprintf("%q is outside %s", s, c.p.ScriptDir))
			return
		}
		name = path.Base(s)
	}
	if !slices.Contains(c.peer.Scripts, name) {
		c.refuse(field, fmt.Sprintf("script %q is not allowed", name))
		return
	}
	c.checked = append(c.checked, field+"="+name)
}

func (c *confiner) nic(field string, n toolstack.DeviceNIC) {
	c.backend(field, n.BackendDomid, n.BackendDomname)
	c.script(field+".script", n.Script)
	if n.Bridge == "" {
		c.refuse(field+".bridge", "no bridge named; the receiver will not guess")
	} else if !slices.Contains(c.peer.Networks, n.Bridge) {
		c.refuse(field+".bridge", fmt.Sprintf("bridge %q is not in the peer's networks", n.Bridge))
	} else {
		c.checked = append(c.checked, field+".bridge="+n.Bridge)
	}
}

func (c *confiner) disk(field string, d toolstack.DeviceDisk) {
	c.backend(field, d.BackendDomid, d.BackendDomname)
	c.script(field+".script", d.Script)
	switch d.Format {
	case "", "raw", "qcow", "qcow2", "vhd", "qed", "empty":
	default:
		c.refuse(field+".format", fmt.Sprintf("unknown format %q", d.Format))
	}
	if d.PdevPath == "" {
		c.deny(d.IsCDROM == 0, field+".pdev_path", "empty path on a disk that is not a CD-ROM")
		return
	}
	p := d.PdevPath
	if !path.IsAbs(p) || path.Clean(p) != p {
		c.refuse(field+".pdev_path", fmt.Sprintf("%q is not a clean absolute path", p))
		return
	}
	if why := c.inPool(p, d.Backend == "phy"); why != "" {
		c.refuse(field+".pdev_path", why)
		return
	}
	c.checked = append(c.checked, field+".pdev_path="+p)
}

// inPool returns "" if p lies in one of the peer's storage pools: a listed
// device for phy, else a regular file under a pool root, opened through
// os.Root so that neither ".." nor a symlink can lead out.
func (c *confiner) inPool(p string, phy bool) string {
	if len(c.peer.Storage) == 0 {
		return fmt.Sprintf("%q: the peer has no storage pools", p)
	}
	var last string
	for _, name := range c.peer.Storage {
		pool := c.p.Storage[name]
		if slices.Contains(pool.Devices, p) {
			return ""
		}
		if phy || pool.Root == "" {
			continue
		}
		rel, ok := strings.CutPrefix(p, pool.Root+"/")
		if !ok {
			continue
		}
		why := c.regularUnder(pool.Root, rel)
		if why == "" {
			return ""
		}
		last = why
	}
	if last != "" {
		return fmt.Sprintf("%q: %s", p, last)
	}
	if phy {
		return fmt.Sprintf("device %q is not on any of the peer's pools' device lists", p)
	}
	return fmt.Sprintf("%q is not under any of the peer's storage pools", p)
}

func (c *confiner) regularUnder(root, rel string) string {
	r, err := os.OpenRoot(c.p.hostPath(root))
	if err != nil {
		return fmt.Sprintf("pool root %s cannot be opened: %v", root, err)
	}
	defer r.Close()
	f, err := r.Open(filepath.FromSlash(rel))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Sprintf("not a file inside pool %s (%v)", root, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	if !fi.Mode().IsRegular() {
		return fmt.Sprintf("not a regular file (%s)", fi.Mode().Type())
	}
	return ""
}
