package xend

import (
	"context"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// all returns every configured value of key (pci and vscsi repeat dev).
func (d *devRecord) all(key string) []sxp.Value {
	var out []sxp.Value
	for _, f := range d.Cfg {
		if f.key == key {
			out = append(out, f.val)
		}
	}
	return out
}

// sub reads key of an attribute list such as ((domain 0x0000) (bus 0x03)).
func sub(v sxp.Value, key string) string {
	for _, it := range v.Items() {
		if it.IsList() && it.Name() == key && it.Len() > 1 {
			return it.Index(1).Text()
		}
	}
	return ""
}

// parseHex reads "0x03" or "3".
func parseHex(s string) int {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 64)
	if err != nil {
		return 0
	}
	return int(n)
}

// pciOf converts one (dev (domain ..) (bus ..) (slot ..) (func ..)).
func pciOf(v sxp.Value) toolstack.DevicePCI {
	p := toolstack.DevicePCI{Domain: parseHex(sub(v, "domain")), Bus: uint8(parseHex(sub(v, "bus"))),
		Dev: uint8(parseHex(sub(v, "slot"))), Func: uint8(parseHex(sub(v, "func")))}
	if vd := sub(v, "vdevfn"); vd != "" {
		p.Vdevfn = uint32(parseHex(vd))
	}
	return p
}

// vscsiOf converts a vscsi device config.
func vscsiOf(d *devRecord) *toolstack.DeviceVSCSI {
	v := &toolstack.DeviceVSCSI{Devid: -1}
	if truthy(d.text("feature-host")) {
		v.FeatureHost = true
	}
	for _, dev := range d.all("dev") {
		if id := sub(dev, "devid"); id != "" {
			v.Devid, _ = strconv.Atoi(id)
		}
		v.LUNs = append(v.LUNs, toolstack.VSCSILUN{PDev: sub(dev, "p-dev"), PDevname: sub(dev, "p-devname"), VDev: sub(dev, "v-dev")})
	}
	if v.Devid < 0 && d.Devid >= 0 {
		v.Devid = d.Devid
	}
	if v.Devid < 0 {
		v.Devid = 0
	}
	return v
}

// vusbOf converts a vusb controller config.
func vusbOf(d *devRecord) *toolstack.DeviceUSBCtrl {
	u := &toolstack.DeviceUSBCtrl{Type: "pv", Version: 2, Ports: 8}
	if n, err := strconv.Atoi(d.text("usb-ver")); err == nil {
		u.Version = n
	}
	if n, err := strconv.Atoi(d.text("num-ports")); err == nil {
		u.Ports = n
	}
	if d.Devid >= 0 {
		u.Devid = d.Devid
	}
	return u
}

// extraDevice converts the classes toolstackDevice leaves to this file.
func extraDevice(d *devRecord) (toolstack.Device, bool) {
	switch d.Class {
	case "pci":
		devs := d.all("dev")
		if len(devs) == 0 {
			return toolstack.Device{}, false
		}
		p := pciOf(devs[0])
		return toolstack.Device{Class: toolstack.ClassPCI, PCI: &p}, true
	case "vscsi":
		return toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: vscsiOf(d)}, true
	case "vusb":
		return toolstack.Device{Class: toolstack.ClassVUSB, USBCtrl: vusbOf(d)}, true
	}
	return toolstack.Device{}, false
}

// DeviceConfigure changes a device of a domain from its SXP config
// (xend.domain.device_configure): a CD-ROM media change for vbd (the only
// change xend allowed on a live vbd), or attaching and detaching pci
// functions and vscsi LUNs by their state (Initialising attaches, Closing
// detaches).
func (s *Service) DeviceConfigure(ctx context.Context, id Ident, devSXP sxp.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	dev, err := parseDevice(devSXP, s.opts.NewUUID)
	if err != nil {
		return err
	}
	switch dev.Class {
	case "vbd", "tap", "tap2":
		return s.changeMedia(ctx, d, dev, devSXP)
	case "pci", "vscsi":
		return s.configureBus(ctx, d, dev)
	}
	return xendError("Refusing to reconfigure device %s", sxp.Show(devSXP))
}

func (s *Service) changeMedia(ctx context.Context, d *domain, dev *devRecord, devSXP sxp.Value) error {
	name, _ := splitDev(dev.text("dev"))
	n := vbdDevid(name)
	var cur *devRecord
	for _, x := range d.rec.Devices {
		if isDiskClass(x.Class) && x.Devid == n {
			cur = x
		}
	}
	if cur == nil {
		return xendError("Device %d not connected", n)
	}
	if _, typ := splitDev(cur.text("dev")); typ != "cdrom" && d.active() {
		return xendError("Refusing to reconfigure device vbd:%d to %s", n, sxp.Show(devSXP))
	}
	if d.active() {
		mc, ok := s.ts.(toolstack.MediaChanger)
		if !ok {
			return xendError("Refusing to reconfigure device vbd:%d: this toolstack cannot change media", n)
		}
		uname := dev.text("uname")
		path := uname[strings.IndexByte(uname, ':')+1:]
		if err := mc.ChangeMedia(ctx, d.info.Domid, name, path); err != nil {
			return tsErr(err)
		}
	}
	cur.set("uname", sxp.Atom(dev.text("uname")))
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

func (s *Service) configureBus(ctx context.Context, d *domain, dev *devRecord) error {
	detach := false
	for _, x := range dev.all("dev") {
		if st := sub(x, "state"); st == "Closing" || st == "5" {
			detach = true
		}
	}
	tdev, _ := extraDevice(dev)
	if d.active() {
		var err error
		if detach {
			ref := toolstack.DeviceRef{Class: tdev.Class}
			if tdev.PCI != nil {
				p := tdev.PCI
				ref.Devid = p.Domain<<16 | int(p.Bus)<<8 | int(p.Dev)<<3 | int(p.Func)
			} else if tdev.VSCSI != nil {
				ref.Devid = tdev.VSCSI.Devid
				if len(tdev.VSCSI.LUNs) > 0 {
					ref.Sub = tdev.VSCSI.LUNs[0].VDev
				}
			}
			err = s.ts.RemoveDevice(ctx, d.info.Domid, ref, false)
		} else {
			_, err = s.ts.AddDevice(ctx, d.info.Domid, tdev)
		}
		if err != nil {
			return tsErr(err)
		}
	}
	if detach {
		var keep []*devRecord
		for _, x := range d.rec.Devices {
			if x.Class != dev.Class || !sameBusDevice(x, dev) {
				keep = append(keep, x)
			}
		}
		d.rec.Devices = keep
	} else {
		d.rec.Devices = append(d.rec.Devices, dev)
		assignDevids(d.rec)
	}
	if d.rec.Managed {
		return s.storeSave(d.rec)
	}
	return nil
}

// sameBusDevice reports whether two pci or vscsi configs name the same
// function or LUN.
func sameBusDevice(a, b *devRecord) bool {
	key := func(d *devRecord) string {
		var parts []string
		for _, x := range d.all("dev") {
			parts = append(parts, sub(x, "domain")+sub(x, "bus")+sub(x, "slot")+sub(x, "func")+sub(x, "v-dev"))
		}
		return strings.Join(parts, ",")
	}
	return key(a) == key(b)
}
