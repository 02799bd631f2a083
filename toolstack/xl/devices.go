package xl

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// AddDevice implements toolstack.Toolstack with xl's *-attach commands:
// block-attach, network-attach, pci-attach, usbctrl-attach, usbdev-attach,
// vtpm-attach and vkb-attach; PVSCSI, which xl lacks, goes to the pvscsi
// controller (vscsi.go). vfb and channel give ErrUnsupported.
func (b *Backend) AddDevice(ctx context.Context, id toolstack.Domid, dev toolstack.Device) (toolstack.DeviceRef, error) {
	op := "device add " + string(dev.Class)
	ref := toolstack.DeviceRef{Class: dev.Class}
	var args []string
	switch dev.Class {
	case toolstack.ClassVBD:
		if dev.Disk == nil || dev.Disk.Vdev == "" {
			return ref, fail(toolstack.ErrInvalid, op, id, "a disk needs a virtual device name (vdev)")
		}
		n, err := VdevNumber(dev.Disk.Vdev)
		if err != nil {
			return ref, wrapClass(toolstack.ErrInvalid, op, id, err)
		}
		ref.Devid = n
		args = []string{"block-attach", did(id), DiskSpec(*dev.Disk)}
	case toolstack.ClassVIF:
		if dev.NIC == nil {
			return ref, fail(toolstack.ErrInvalid, op, id, "no NIC given")
		}
		if dev.NIC.MAC != "" && !validMAC(dev.NIC.MAC) {
			return ref, fail(toolstack.ErrInvalid, op, id, "MAC address %q is not valid (want six hex pairs, unicast)", dev.NIC.MAC)
		}
		args = []string{"network-attach", did(id)}
		if s := NICSpec(*dev.NIC); s != "" {
			args = append(args, strings.Split(s, ",")...)
		}
	case toolstack.ClassPCI:
		if dev.PCI == nil {
			return ref, fail(toolstack.ErrInvalid, op, id, "no PCI function given")
		}
		p := dev.PCI
		ref.Devid = p.Domain<<16 | int(p.Bus)<<8 | int(p.Dev)<<3 | int(p.Func)
		args = []string{"pci-attach", did(id), PCISpec(*p)}
	case toolstack.ClassVUSB:
		if dev.USBCtrl == nil {
			return ref, fail(toolstack.ErrInvalid, op, id, "no USB controller given")
		}
		args = []string{"usbctrl-attach", did(id)}
		if s := USBCtrlSpec(*dev.USBCtrl); s != "" {
			args = append(args, strings.Split(s, ",")...)
		}
	case toolstack.ClassUSBDev:
		if dev.USBDev == nil || dev.USBDev.HostDev == nil {
			return ref, fail(toolstack.ErrInvalid, op, id, "a USB device needs hostbus and hostaddr")
		}
		ref.Devid = dev.USBDev.Ctrl<<8 | dev.USBDev.Port
		args = append([]string{"usbdev-attach", did(id)}, strings.Split(USBDevSpec(*dev.USBDev), ",")...)
	case toolstack.ClassVTPM:
		if dev.VTPM == nil {
			return ref, fail(toolstack.ErrInvalid, op, id, "no vTPM given")
		}
		args = []string{"vtpm-attach", did(id)}
		if s := joinKV("backend", dev.VTPM.BackendDomname, "uuid", dev.VTPM.UUID); s != "" {
			args = append(args, strings.Split(s, ",")...)
		}
	case toolstack.ClassVKBD:
		args = []string{"vkb-attach", did(id)}
		if dev.VKB != nil && dev.VKB.BackendType != "" {
			args = append(args, "backend-type="+dev.VKB.BackendType)
		}
	case toolstack.ClassVSCSI:
		return b.addVSCSI(ctx, id, dev) // vscsi.go: xl has no PVSCSI
	default:
		return ref, fail(toolstack.ErrUnsupported, op, id, "xl cannot hot-plug a %s device", dev.Class)
	}
	before, err := b.Devices(ctx, id, dev.Class)
	if err != nil {
		return ref, err
	}
	if dev.Class == toolstack.ClassVBD || dev.Class == toolstack.ClassPCI || dev.Class == toolstack.ClassUSBDev {
		for _, d := range before {
			if d.Devid == ref.Devid {
				return ref, fail(toolstack.ErrExists, op, id, "the domain has a %s device %d already", dev.Class, ref.Devid)
			}
		}
	}
	unlock := b.domLock(id)
	_, err = b.xlT(ctx, b.opts.LongTimeout, op, id, args...)
	unlock()
	b.cache.invalidate()
	if err != nil {
		return ref, err
	}
	if dev.Class == toolstack.ClassVIF || dev.Class == toolstack.ClassVUSB || dev.Class == toolstack.ClassVTPM || dev.Class == toolstack.ClassVKBD {
		after, _ := b.Devices(ctx, id, dev.Class)
		seen := map[int]bool{}
		for _, d := range before {
			seen[d.Devid] = true
		}
		for _, d := range after {
			if !seen[d.Devid] {
				ref.Devid = d.Devid
				break
			}
		}
	}
	return ref, nil
}

// RemoveDevice implements toolstack.Toolstack with xl's *-detach commands
// (-f where xl has it and force is asked).
func (b *Backend) RemoveDevice(ctx context.Context, id toolstack.Domid, ref toolstack.DeviceRef, force bool) error {
	op := "device remove " + string(ref.Class)
	var args []string
	f := func(cmd string) []string {
		if force {
			return []string{cmd, "-f"}
		}
		return []string{cmd}
	}
	switch ref.Class {
	case toolstack.ClassVBD:
		args = append(f("block-detach"), did(id), strconv.Itoa(ref.Devid))
	case toolstack.ClassVIF:
		args = []string{"network-detach", did(id), strconv.Itoa(ref.Devid)}
	case toolstack.ClassPCI:
		bdf := fmt.Sprintf("%04x:%02x:%02x.%x", ref.Devid>>16, ref.Devid>>8&0xff, ref.Devid>>3&0x1f, ref.Devid&7)
		args = append(f("pci-detach"), did(id), bdf)
	case toolstack.ClassVUSB:
		args = []string{"usbctrl-detach", did(id), strconv.Itoa(ref.Devid)}
	case toolstack.ClassUSBDev:
		args = []string{"usbdev-detach", did(id), strconv.Itoa(ref.Devid >> 8), strconv.Itoa(ref.Devid & 0xff)}
	case toolstack.ClassVTPM:
		args = []string{"vtpm-detach", did(id), strconv.Itoa(ref.Devid)}
	case toolstack.ClassVKBD:
		args = []string{"vkb-detach", did(id), strconv.Itoa(ref.Devid)}
	case toolstack.ClassVSCSI:
		return b.removeVSCSI(ctx, id, ref, force) // vscsi.go
	default:
		return fail(toolstack.ErrUnsupported, op, id, "xl cannot unplug a %s device", ref.Class)
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	_, err := b.xlT(ctx, b.opts.LongTimeout, op, id, args...)
	return err
}

// libxlKinds maps device classes to libxl's xenstore device kinds under
// /libxl/<domid>/device/.
var libxlKinds = []struct {
	class toolstack.DeviceClass
	kind  string
}{
	{toolstack.ClassConsole, "console"}, {toolstack.ClassVBD, "vbd"}, {toolstack.ClassVFB, "vfb"},
	{toolstack.ClassVIF, "vif"}, {toolstack.ClassVKBD, "vkbd"}, {toolstack.ClassVTPM, "vtpm"},
	{toolstack.ClassVUSB, "vusb"}, {toolstack.ClassVUSB, "qusb"},
}

// Devices implements toolstack.Toolstack from libxl's records in xenstore
// (/libxl/<domid>/device/<kind>/<devid>) with each device's backend and
// frontend nodes and states. PCI functions and USB devices, which have no
// per-device xenstore directory, come from the domain's config.
func (b *Backend) Devices(ctx context.Context, id toolstack.Domid, class toolstack.DeviceClass) ([]toolstack.DeviceState, error) {
	const op = "devices"
	if err := b.exists(ctx, op, id); err != nil {
		return nil, err
	}
	var out []toolstack.DeviceState
	xs := b.store()
	var present []string // libxl's device kinds of this domain
	if xs != nil {
		present, _ = xs.Directory(ctx, "/libxl/"+did(id)+"/device")
		for _, k := range libxlKinds {
			if (class != "" && class != k.class) || !slices.Contains(present, k.kind) {
				continue
			}
			base := "/libxl/" + did(id) + "/device/" + k.kind
			ids, err := xs.Directory(ctx, base)
			if err != nil {
				continue
			}
			for _, sid := range ids {
				n, err := strconv.Atoi(sid)
				if err != nil {
					continue
				}
				out = append(out, b.deviceState(ctx, id, k.class, n, base+"/"+sid))
			}
		}
	}
	if class == "" || class == toolstack.ClassVSCSI {
		out = append(out, b.vscsiDevices(ctx, id)...) // vscsi.go
	}
	if (class == "" || class == toolstack.ClassPCI || class == toolstack.ClassUSBDev) && mayHavePassthrough(xs != nil, present) {
		if cfg, err := b.DomainConfig(ctx, id); err == nil {
			if class != toolstack.ClassUSBDev {
				for i := range cfg.PCIDevs {
					p := cfg.PCIDevs[i]
					out = append(out, toolstack.DeviceState{Class: toolstack.ClassPCI,
						Devid:  p.Domain<<16 | int(p.Bus)<<8 | int(p.Dev)<<3 | int(p.Func),
						Config: toolstack.Device{Class: toolstack.ClassPCI, PCI: &p}, BackendState: toolstack.XenbusConnected})
				}
			}
			if class != toolstack.ClassPCI {
				for i := range cfg.USBDevs {
					u := cfg.USBDevs[i]
					out = append(out, toolstack.DeviceState{Class: toolstack.ClassUSBDev, Devid: u.Ctrl<<8 | u.Port,
						Config: toolstack.Device{Class: toolstack.ClassUSBDev, USBDev: &u}, BackendState: toolstack.XenbusConnected})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Class != out[j].Class {
			return out[i].Class < out[j].Class
		}
		return out[i].Devid < out[j].Devid
	})
	return out, nil
}

// mayHavePassthrough reports whether a domain may have PCI functions or
// USB devices (which only its config lists): libxl keeps a pci backend, or
// a USB controller, among its device kinds in xenstore for them. Without
// xenstore it says yes.
func mayHavePassthrough(haveStore bool, kinds []string) bool {
	if !haveStore {
		return true
	}
	for _, k := range kinds {
		if k == "pci" || k == "vusb" || k == "qusb" {
			return true
		}
	}
	return false
}

// deviceState reads one device: libxl's record names the frontend and
// backend directories; their nodes and "state" values are read as they are.
func (b *Backend) deviceState(ctx context.Context, id toolstack.Domid, class toolstack.DeviceClass, devid int, rec string) toolstack.DeviceState {
	xs := b.store()
	d := toolstack.DeviceState{Class: class, Devid: devid}
	d.FrontendPath, _ = xs.Read(ctx, rec+"/frontend")
	d.BackendPath, _ = xs.Read(ctx, rec+"/backend")
	if class == toolstack.ClassConsole && devid == 0 {
		d.FrontendPath = "/local/domain/" + did(id) + "/console"
	}
	flat := func(dir string) toolstack.KeyValueList {
		if dir == "" {
			return nil
		}
		names, err := xs.Directory(ctx, dir)
		if err != nil {
			return nil
		}
		var l toolstack.KeyValueList
		for _, n := range names {
			v, err := xs.Read(ctx, dir+"/"+n)
			if err == nil {
				l = append(l, toolstack.KeyValue{Key: n, Value: v})
			}
		}
		return l
	}
	d.Frontend = flat(d.FrontendPath)
	d.Backend = flat(d.BackendPath)
	state := func(l toolstack.KeyValueList) toolstack.XenbusState {
		v, _ := l.Get("state")
		n, _ := strconv.Atoi(v)
		return toolstack.XenbusState(n)
	}
	d.BackendState, d.FrontendState = state(d.Backend), state(d.Frontend)
	if bid, ok := d.Backend.Get("backend-id"); ok {
		n, _ := strconv.Atoi(bid)
		d.BackendDomid = uint32(n)
	} else if bid, ok := d.Frontend.Get("backend-id"); ok {
		n, _ := strconv.Atoi(bid)
		d.BackendDomid = uint32(n)
	}
	get := func(l toolstack.KeyValueList, k string) string { v, _ := l.Get(k); return v }
	d.Config.Class = class
	switch class {
	case toolstack.ClassVBD:
		rw := 0
		if get(d.Backend, "mode") == "w" {
			rw = 1
		}
		disk := toolstack.DeviceDisk{PdevPath: get(d.Backend, "params"), Vdev: get(d.Backend, "dev"), Backend: get(d.Backend, "type"), Readwrite: rw, BackendDomid: d.BackendDomid}
		if get(d.Backend, "device-type") == "cdrom" {
			disk.IsCDROM = 1
		}
		d.Config.Disk = &disk
	case toolstack.ClassVIF:
		d.Config.NIC = &toolstack.DeviceNIC{Devid: devid, MAC: get(d.Backend, "mac"), Bridge: get(d.Backend, "bridge"),
			IP: get(d.Backend, "ip"), Script: get(d.Backend, "script"), Ifname: get(d.Backend, "vifname"), BackendDomid: d.BackendDomid}
	case toolstack.ClassConsole:
		d.TTY = get(d.Frontend, "tty")
	case toolstack.ClassVFB:
		d.VNCListen = get(d.Backend, "vnclisten")
		d.VNCPort, _ = strconv.Atoi(b.xsRead(ctx, "/local/domain/"+did(id)+"/console/vnc-port"))
		d.Config.VFB = &toolstack.DeviceVFB{Devid: devid, BackendDomid: d.BackendDomid, Keymap: get(d.Backend, "keymap"),
			VNC: &toolstack.VNCInfo{Enable: toolstack.DefboolOf(get(d.Backend, "vnc") == "1"), Listen: d.VNCListen}}
	case toolstack.ClassVKBD:
		d.Config.VKB = &toolstack.DeviceVKB{Devid: devid, BackendDomid: d.BackendDomid}
	case toolstack.ClassVTPM:
		d.Config.VTPM = &toolstack.DeviceVTPM{Devid: devid, BackendDomid: d.BackendDomid, UUID: get(d.Backend, "uuid")}
	case toolstack.ClassVUSB:
		ports, _ := strconv.Atoi(get(d.Backend, "num-ports"))
		ver, _ := strconv.Atoi(get(d.Backend, "usb-ver"))
		d.Config.USBCtrl = &toolstack.DeviceUSBCtrl{Devid: devid, Ports: ports, Version: ver, BackendDomid: d.BackendDomid}
	}
	return d
}

// WaitForDevices implements toolstack.Toolstack: it polls the device
// states until every backend is Connected, or waits for a frontend that
// has not come (InitWait), or ctx ends. Consoles are not waited for; without a deadline in ctx it waits at most
// 100 s, as xend did.
func (b *Backend) WaitForDevices(ctx context.Context, id toolstack.Domid) error {
	if _, ok := ctx.Deadline(); !ok {
		// xend gave up after 100 s (DEVICE_CREATE_TIMEOUT); so do we.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deviceWaitLimit)
		defer cancel()
	}
	for {
		devs, err := b.Devices(ctx, id, "")
		if err != nil {
			return err
		}
		ready := true
		for _, d := range devs {
			if d.BackendPath == "" || d.Class == toolstack.ClassConsole {
				// xenconsoled serves consoles without the xenbus state
				// protocol: their backend stays Initialising.
				continue
			}
			if !slices.Contains([]toolstack.XenbusState{toolstack.XenbusConnected, toolstack.XenbusInitWait}, d.BackendState) {
				ready = false
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return &toolstack.Error{Op: "wait for devices", Domain: did(id), Class: toolstack.ErrBadState, Detail: "devices did not connect", Cause: ctx.Err()}
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// deviceWaitLimit bounds WaitForDevices when its context has no deadline.
const deviceWaitLimit = 100 * time.Second
