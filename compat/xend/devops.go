package xend

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// DeviceCreate adds a device (vbd, tap, tap2, vif, vfb, vkbd, pci, vscsi,
// vusb) to a domain from its SXP config (xend.domain.device_create) and
// returns [cls, ['dom', domid, 'id', devid]]; for an inactive domain domid
// and devid are nil (None).
func (s *Service) DeviceCreate(ctx context.Context, id Ident, devSXP sxp.Value) (sxp.Value, error) {
	s.mu.Lock()
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return sxp.Value{}, err
	}
	dev, err := parseDevice(devSXP, s.opts.NewUUID)
	if err != nil {
		return sxp.Value{}, err
	}
	if isDiskClass(dev.Class) {
		uname := dev.text("uname")
		path := uname[strings.IndexByte(uname, ':')+1:]
		for _, other := range d.rec.Devices {
			if isDiskClass(other.Class) && other.text("uname") == uname && strings.HasPrefix(uname, "file:") {
				return sxp.Value{}, xendError("The file \"%s\" is already used", path)
			}
		}
	}
	if !d.active() {
		d.rec.Devices = append(d.rec.Devices, dev)
		assignDevids(d.rec)
		if err := s.storeSave(d.rec); err != nil {
			return sxp.Value{}, err
		}
		return sxp.List(sxp.Atom(dev.Class), sxp.List(sxp.Atom("dom"), sxp.None(), sxp.Atom("id"), sxp.None())), nil
	}
	tdev, ok := toolstackDevice(dev)
	if !ok {
		return sxp.Value{}, xendError("Device class %s is not supported", dev.Class)
	}
	if isDiskClass(dev.Class) {
		dev.Devid = vbdDevid(dev.text("dev"))
	}
	ref, err := s.ts.AddDevice(ctx, d.info.Domid, tdev)
	if err != nil {
		return sxp.Value{}, tsErr(err)
	}
	dev.Devid = ref.Devid
	if dev.Class == "vif" && dev.text("mac") == "" {
		if states, err := s.ts.Devices(ctx, d.info.Domid, toolstack.ClassVIF); err == nil {
			for _, st := range states {
				if st.Devid == ref.Devid && st.Config.NIC != nil {
					dev.set("mac", sxp.Atom(st.Config.NIC.MAC))
				}
			}
		}
	}
	d.rec.Devices = append(d.rec.Devices, dev)
	if d.rec.Managed {
		if err := s.storeSave(d.rec); err != nil {
			return sxp.Value{}, err
		}
	}
	// Hotplug can take long on a real host: wait without the lock.
	domid := d.info.Domid
	s.mu.Unlock()
	locked = false
	if err := s.ts.WaitForDevices(ctx, domid); err != nil {
		return sxp.Value{}, xendError("Device %d (%s) could not be connected. Hotplug scripts not working.", ref.Devid, dev.Class)
	}
	return sxp.List(sxp.Atom(dev.Class), sxp.List(sxp.Atom("dom"), sxp.Int(int64(d.info.Domid)), sxp.Atom("id"), sxp.Int(int64(ref.Devid)))), nil
}

// DestroyDevice removes a device (xend.domain.destroyDevice). devid is a
// number, a device name (xvdb) or, for a vif, a MAC. With rmCfg the device
// also leaves the domain's config.
func (s *Service) DestroyDevice(ctx context.Context, id Ident, class, devid string, force, rmCfg bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	n := s.resolveDevid(d, class, devid)
	var dev *devRecord
	for _, x := range d.rec.Devices {
		if (x.Class == class || (isDiskClass(class) && isDiskClass(x.Class))) && x.Devid == n {
			dev = x
		}
	}
	if dev == nil {
		return xendError("Device %d not connected", n)
	}
	if d.active() {
		tc := toolstack.DeviceClass(class)
		if isDiskClass(class) {
			tc = toolstack.ClassVBD
		}
		if err := s.ts.RemoveDevice(ctx, d.info.Domid, toolstack.DeviceRef{Class: tc, Devid: n}, force); err != nil {
			return tsErr(err)
		}
	}
	if rmCfg || !d.active() {
		var keep []*devRecord
		for _, x := range d.rec.Devices {
			if x != dev {
				keep = append(keep, x)
			}
		}
		d.rec.Devices = keep
		if d.rec.Managed {
			return s.storeSave(d.rec)
		}
	}
	return nil
}

// resolveDevid turns a device name, number or MAC into a devid.
func (s *Service) resolveDevid(d *domain, class, devid string) int {
	if n, err := strconv.Atoi(devid); err == nil {
		return n
	}
	if class == "vif" {
		for _, x := range d.rec.Devices {
			if x.Class == "vif" && strings.EqualFold(x.text("mac"), devid) {
				return x.Devid
			}
		}
		return -1
	}
	return vbdDevid(devid)
}

// BlockDeviceClass returns the class (vbd, tap, tap2) of a disk given by
// name or number; ok is false when the domain has no such disk
// (xend.domain.getBlockDeviceClass answers nil then).
func (s *Service) BlockDeviceClass(ctx context.Context, id Ident, devid string) (class string, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return "", false, err
	}
	n := s.resolveDevid(d, "vbd", devid)
	for _, x := range d.rec.Devices {
		if isDiskClass(x.Class) && x.Devid == n {
			return x.Class, true, nil
		}
	}
	return "", false, nil
}

// DeviceSxprs lists a domain's devices of one class
// (xend.domain.getDeviceSxprs, §6.7): for an active domain the frontend
// xenstore nodes as [[devid, [[key, value], ...]], ...] with string values;
// for an inactive one [[devnum, config], ...]. vscsi has xend's own
// shapes for both (devices_vscsi.go).
func (s *Service) DeviceSxprs(ctx context.Context, id Ident, class string) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return sxp.Value{}, err
	}
	var out []sxp.Value
	if !d.active() {
		for _, x := range sortDevices(d.rec.Devices) {
			switch {
			case x.Class != class:
			case class == "vscsi":
				out = append(out, configVSCSISxpr(x))
			default:
				out = append(out, sxp.List(sxp.Int(int64(x.Devid)), configDevice(x)))
			}
		}
		return sxp.List(out...), nil
	}
	states, err := s.ts.Devices(ctx, d.info.Domid, toolstack.DeviceClass(class))
	if err != nil {
		return sxp.Value{}, tsErr(err)
	}
	if class == "pci" {
		// One (dev (domain ..) ...) per function; the method table turns
		// them into structs as xend did (§6.7).
		for _, st := range states {
			if p := st.Config.PCI; p != nil {
				out = append(out, sxp.List(sxp.Atom("dev"),
					str("domain", fmt.Sprintf("0x%04x", p.Domain)), str("bus", fmt.Sprintf("0x%02x", p.Bus)),
					str("slot", fmt.Sprintf("0x%02x", p.Dev)), str("func", fmt.Sprintf("0x%x", p.Func)),
					str("vdevfn", fmt.Sprintf("0x%02x", p.Vdevfn)), str("key", fmt.Sprintf("%02x:%02x.%x", p.Bus, p.Dev, p.Func))))
			}
		}
		return sxp.List(out...), nil
	}
	if class == "vscsi" {
		return sxp.List(vscsiSxprs(states)...), nil
	}
	for _, st := range states {
		nodes := make([]sxp.Value, len(st.Frontend))
		for i, n := range st.Frontend {
			nodes[i] = sxp.List(sxp.Atom(n.Key), sxp.Atom(n.Value))
		}
		out = append(out, sxp.List(sxp.Atom(strconv.Itoa(st.Devid)), sxp.List(nodes...)))
	}
	return sxp.List(out...), nil
}

// VCPUInfo returns the per-vCPU listing of xend.domain.getVCPUInfo (§6.7).
func (s *Service) VCPUInfo(ctx context.Context, id Ident) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return sxp.Value{}, err
	}
	items := []sxp.Value{sxp.Atom("domain")}
	if d.active() {
		items = append(items, num("domid", int(d.info.Domid)))
	} else {
		items = append(items, kv("domid", sxp.None()))
	}
	items = append(items, str("name", d.rec.Name), num("vcpu_count", d.rec.VCPUs))
	for i := 0; i < d.rec.VCPUs; i++ {
		v := []sxp.Value{sxp.Atom("vcpu"), num("number", i)}
		if d.active() && i < len(d.info.VCPUs) {
			vi := d.info.VCPUs[i]
			v = append(v, num("online", b2i(vi.Online)), num("blocked", b2i(vi.Blocked)), num("running", b2i(vi.Running)),
				kv("cpu_time", sxp.Float(float64(vi.Time)/1e9)), num("cpu", vi.CPU), kv("cpumap", intList(s.affinity(vi.HardAffinity))))
		} else {
			cpumap := make([]int, 64)
			for c := range cpumap {
				cpumap[c] = c
			}
			if i < len(d.rec.Cpus) && len(d.rec.Cpus[i]) > 0 {
				cpumap = d.rec.Cpus[i]
			}
			v = append(v, num("online", 0), num("blocked", 0), num("running", 0),
				kv("cpu_time", sxp.Float(0)), num("cpu", -1), kv("cpumap", intList(cpumap)))
		}
		items = append(items, sxp.List(v...))
	}
	return sxp.List(items...), nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
