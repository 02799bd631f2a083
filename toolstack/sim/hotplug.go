package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

const vncBasePort = 5900

// plugConfiguredDevices creates the runtime records of every configured
// device of a new domain: channel ptys and VNC ports. Caller holds s.mu.
func (s *Sim) plugConfiguredDevices(op string, d *domain, now time.Time) error {
	d.Devices = nil
	for _, dev := range configured(d.Config) {
		r, err := s.plug(op, d, dev, now)
		if err != nil {
			return err
		}
		d.Devices = append(d.Devices, r)
	}
	if h := d.Config.BInfo.HVM; h != nil && s.prof.Sim.DeviceModel && (h.VNC == nil || h.VNC.Enable.Or(true)) {
		port, err := s.allocVNC(op, d, h.VNC)
		if err != nil {
			return err
		}
		d.HVMVNCPort = port
	}
	return nil
}

// plug makes the runtime record of one device. Caller holds s.mu.
func (s *Sim) plug(op string, d *domain, dev toolstack.Device, now time.Time) (*device, error) {
	r := &device{Class: dev.Class, Devid: devidOf(dev), AddedAt: now}
	switch dev.Class {
	case toolstack.ClassChannel:
		if dev.Channel.Socket == nil {
			r.Pty = s.allocPty()
		}
	case toolstack.ClassVFB:
		if s.prof.Sim.DeviceModel && (dev.VFB.VNC == nil || dev.VFB.VNC.Enable.Or(true)) {
			port, err := s.allocVNC(op, d, dev.VFB.VNC)
			if err != nil {
				return nil, err
			}
			r.VNCPort = port
		}
	}
	return r, nil
}

// allocVNC picks a VNC port: 5900+display if a display is asked for and
// findunused is off, else the lowest free port from there. Caller holds
// s.mu.
func (s *Sim) allocVNC(op string, d *domain, v *toolstack.VNCInfo) (int, error) {
	used := map[int]bool{}
	for _, o := range s.doms {
		if o.HVMVNCPort > 0 {
			used[o.HVMVNCPort] = true
		}
		for _, r := range o.Devices {
			if r.VNCPort > 0 {
				used[r.VNCPort] = true
			}
		}
	}
	for _, r := range d.Devices {
		if r.VNCPort > 0 {
			used[r.VNCPort] = true
		}
	}
	display, findUnused := 0, true
	if v != nil {
		display = v.Display
		findUnused = v.FindUnused.Or(display == 0)
	}
	port := vncBasePort + display
	if !findUnused {
		if used[port] {
			return 0, toolstack.Errorf(toolstack.ErrExists, op, d.Domid, "VNC display %d (port %d) is in use", display, port)
		}
		return port, nil
	}
	for used[port] {
		port++
	}
	return port, nil
}

// AddDevice implements toolstack.Toolstack. A vscsi device whose devid
// names an existing controller adds its LUNs to that controller.
func (s *Sim) AddDevice(ctx context.Context, id toolstack.Domid, dev toolstack.Device) (toolstack.DeviceRef, error) {
	if err := s.begin(ctx, "AddDevice"); err != nil {
		return toolstack.DeviceRef{}, err
	}
	defer s.mu.Unlock()
	op := "device add " + string(dev.Class)
	d, err := s.lookup(op, id)
	if err != nil {
		return toolstack.DeviceRef{}, err
	}
	if d.Shutdown || d.Crashed {
		return toolstack.DeviceRef{}, toolstack.Errorf(toolstack.ErrBadState, op, id, "domain is %s", d.state())
	}
	if dev.Class == toolstack.ClassConsole {
		return toolstack.DeviceRef{}, toolstack.Errorf(toolstack.ErrInvalid, op, id, "the console is created with the domain")
	}
	dev = cloneDevice(dev)
	if err := s.checkDevice(op, id, d.Config, dev, true); err != nil {
		return toolstack.DeviceRef{}, err
	}
	ref := toolstack.DeviceRef{Class: dev.Class, Devid: devidOf(dev)}
	old := d.Config.Clone()
	oldDevs := d.Devices
	merged := false
	if dev.Class == toolstack.ClassVSCSI {
		for _, r := range d.Devices {
			if r.Class == dev.Class && r.Devid == ref.Devid {
				merged = true
			}
		}
	}
	if !merged {
		r, err := s.plug(op, d, dev, s.now())
		if err != nil {
			return toolstack.DeviceRef{}, err
		}
		d.Devices = append(append([]*device(nil), d.Devices...), r)
	}
	appendDevice(d.Config, dev)
	if err := s.saveHost(); err != nil {
		d.Config, d.Devices = old, oldDevs
		return toolstack.DeviceRef{}, ioErr(op, id, err)
	}
	if err := s.commit(op, d, func() { d.Config, d.Devices = old, oldDevs }); err != nil {
		return toolstack.DeviceRef{}, err
	}
	return ref, nil
}

// cloneDevice copies dev so that filling in generated values does not
// touch the caller's structs.
func cloneDevice(dev toolstack.Device) toolstack.Device {
	out := toolstack.Device{Class: dev.Class}
	if dev.Disk != nil {
		v := *dev.Disk
		out.Disk = &v
	}
	if dev.NIC != nil {
		v := *dev.NIC
		out.NIC = &v
	}
	if dev.VFB != nil {
		v := *dev.VFB
		if v.VNC != nil {
			vnc := *v.VNC
			v.VNC = &vnc
		}
		if v.SDL != nil {
			sdl := *v.SDL
			v.SDL = &sdl
		}
		out.VFB = &v
	}
	if dev.VKB != nil {
		v := *dev.VKB
		out.VKB = &v
	}
	if dev.PCI != nil {
		v := *dev.PCI
		out.PCI = &v
	}
	if dev.USBCtrl != nil {
		v := *dev.USBCtrl
		out.USBCtrl = &v
	}
	if dev.USBDev != nil {
		v := *dev.USBDev
		if v.HostDev != nil {
			h := *v.HostDev
			v.HostDev = &h
		}
		out.USBDev = &v
	}
	if dev.VSCSI != nil {
		v := *dev.VSCSI
		v.LUNs = append([]toolstack.VSCSILUN(nil), v.LUNs...)
		out.VSCSI = &v
	}
	if dev.Channel != nil {
		v := *dev.Channel
		if v.Socket != nil {
			sock := *v.Socket
			v.Socket = &sock
		}
		out.Channel = &v
	}
	if dev.VTPM != nil {
		v := *dev.VTPM
		out.VTPM = &v
	}
	return out
}

// RemoveDevice implements toolstack.Toolstack. The device disappears at
// once (guests let go at once). ref.Sub removes one vscsi LUN (its
// virtual H:C:T:L) instead of the whole controller.
func (s *Sim) RemoveDevice(ctx context.Context, id toolstack.Domid, ref toolstack.DeviceRef, force bool) error {
	if err := s.begin(ctx, "RemoveDevice"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	op := "device remove " + string(ref.Class)
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if ref.Class == toolstack.ClassConsole {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "the console cannot be removed")
	}
	found := false
	for _, dev := range configured(d.Config) {
		if dev.Class == ref.Class && devidOf(dev) == ref.Devid {
			found = true
		}
	}
	if !found {
		return toolstack.Errorf(toolstack.ErrNotFound, op, id, "Device %d (%s) not connected", ref.Devid, ref.Class)
	}
	old := d.Config.Clone()
	oldDevs := d.Devices
	if ref.Class == toolstack.ClassVSCSI && ref.Sub != "" {
		if err := removeLUN(d.Config, ref); err != nil {
			return toolstack.Errorf(toolstack.ErrNotFound, op, id, "%v", err)
		}
		if c := findVSCSI(d.Config, ref.Devid); c != nil && len(c.LUNs) > 0 || (c != nil && c.FeatureHost) {
			return s.commit(op, d, func() { d.Config = old })
		}
	}
	removeFromConfig(d.Config, ref)
	if ref.Class == toolstack.ClassVUSB {
		var keep []toolstack.DeviceUSBDev
		for _, u := range d.Config.USBDevs {
			if u.Ctrl != ref.Devid {
				keep = append(keep, u)
			}
		}
		d.Config.USBDevs = keep
	}
	var devs []*device
	for _, r := range d.Devices {
		gone := r.Class == ref.Class && r.Devid == ref.Devid
		if ref.Class == toolstack.ClassVUSB && r.Class == toolstack.ClassUSBDev && r.Devid>>8 == ref.Devid {
			gone = true
		}
		if !gone {
			devs = append(devs, r)
		}
	}
	d.Devices = devs
	return s.commit(op, d, func() { d.Config, d.Devices = old, oldDevs })
}

func findVSCSI(cfg *toolstack.DomainConfig, devid int) *toolstack.DeviceVSCSI {
	if cfg.Xend == nil {
		return nil
	}
	for i := range cfg.Xend.VSCSIs {
		if cfg.Xend.VSCSIs[i].Devid == devid {
			return &cfg.Xend.VSCSIs[i]
		}
	}
	return nil
}

func removeLUN(cfg *toolstack.DomainConfig, ref toolstack.DeviceRef) error {
	c := findVSCSI(cfg, ref.Devid)
	for i, l := range c.LUNs {
		if l.VDev == ref.Sub {
			c.LUNs = append(c.LUNs[:i:i], c.LUNs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("vscsi controller %d has no LUN %s", ref.Devid, ref.Sub)
}

// removeFromConfig drops the device ref from cfg's lists.
func removeFromConfig(cfg *toolstack.DomainConfig, ref toolstack.DeviceRef) {
	var fresh toolstack.DomainConfig
	fresh.Xend = cfg.Xend
	if fresh.Xend != nil {
		x := *cfg.Xend
		x.VSCSIs = nil
		fresh.Xend = &x
	}
	for _, dev := range configured(cfg) {
		if dev.Class == ref.Class && devidOf(dev) == ref.Devid {
			continue
		}
		appendDevice(&fresh, dev)
	}
	cfg.Disks, cfg.NICs, cfg.VFBs, cfg.VKBs, cfg.PCIDevs = fresh.Disks, fresh.NICs, fresh.VFBs, fresh.VKBs, fresh.PCIDevs
	cfg.USBCtrls, cfg.USBDevs, cfg.Channels, cfg.VTPMs = fresh.USBCtrls, fresh.USBDevs, fresh.Channels, fresh.VTPMs
	if cfg.Xend != nil {
		cfg.Xend.VSCSIs = nil
		if fresh.Xend != nil {
			cfg.Xend.VSCSIs = fresh.Xend.VSCSIs
		}
	}
}

// WaitForDevices implements toolstack.Toolstack: it returns once every
// device's frontend is connected, polling the simulator's clock.
func (s *Sim) WaitForDevices(ctx context.Context, id toolstack.Domid) error {
	for {
		if err := s.begin(ctx, "WaitForDevices"); err != nil {
			return err
		}
		d, err := s.lookup("wait for devices", id)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		pending := false
		for _, st := range s.deviceStates(d, "", s.now()) {
			if st.FrontendState != toolstack.XenbusConnected {
				pending = true
			}
		}
		s.mu.Unlock()
		if !pending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Console implements toolstack.Toolstack.
func (s *Sim) Console(ctx context.Context, id toolstack.Domid) (toolstack.ConsoleInfo, error) {
	if err := s.begin(ctx, "Console"); err != nil {
		return toolstack.ConsoleInfo{}, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("console", id)
	if err != nil {
		return toolstack.ConsoleInfo{}, err
	}
	if id == 0 {
		return toolstack.ConsoleInfo{}, toolstack.Errorf(toolstack.ErrUnsupported, "console", id, "Domain-0's console is the host's")
	}
	return toolstack.ConsoleInfo{TTY: ptyPath(d.ConsolePty), Port: 2}, nil
}

// VNC implements toolstack.Toolstack: the first vfb's display, or the HVM
// display.
func (s *Sim) VNC(ctx context.Context, id toolstack.Domid) (toolstack.VNCEndpoint, error) {
	if err := s.begin(ctx, "VNC"); err != nil {
		return toolstack.VNCEndpoint{}, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("vnc", id)
	if err != nil {
		return toolstack.VNCEndpoint{}, err
	}
	hasDisplay := len(d.Config.VFBs) > 0 || d.Config.BInfo.HVM != nil
	if !hasDisplay {
		return toolstack.VNCEndpoint{}, toolstack.Errorf(toolstack.ErrNotFound, "vnc", id, "the domain has no display (no vfb, not HVM)")
	}
	if !s.prof.Sim.DeviceModel {
		return toolstack.VNCEndpoint{}, toolstack.Errorf(toolstack.ErrUnsupported, "vnc", id, "no device model runs on this host, so no VNC port is allocated")
	}
	listen, port := "127.0.0.1", d.HVMVNCPort
	var vnc *toolstack.VNCInfo
	if h := d.Config.BInfo.HVM; h != nil {
		vnc = h.VNC
	}
	for _, r := range d.Devices {
		if r.Class == toolstack.ClassVFB && r.VNCPort > 0 {
			port = r.VNCPort
			for _, v := range d.Config.VFBs {
				if v.Devid == r.Devid {
					vnc = v.VNC
				}
			}
			break
		}
	}
	if port == 0 {
		return toolstack.VNCEndpoint{}, toolstack.Errorf(toolstack.ErrNotFound, "vnc", id, "VNC is disabled for this domain")
	}
	if vnc != nil && vnc.Listen != "" {
		listen = vnc.Listen
	}
	return toolstack.VNCEndpoint{Listen: listen, Port: port, Display: port - vncBasePort}, nil
}
