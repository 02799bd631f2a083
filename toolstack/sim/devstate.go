package sim

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// Devices implements toolstack.Toolstack.
func (s *Sim) Devices(ctx context.Context, id toolstack.Domid, class toolstack.DeviceClass) ([]toolstack.DeviceState, error) {
	if err := s.begin(ctx, "Devices"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("device list", id)
	if err != nil {
		return nil, err
	}
	return s.deviceStates(d, class, s.now()), nil
}

// deviceStates builds the device list. Caller holds s.mu.
func (s *Sim) deviceStates(d *domain, class toolstack.DeviceClass, now time.Time) []toolstack.DeviceState {
	var out []toolstack.DeviceState
	if d.Domid != 0 && (class == "" || class == toolstack.ClassConsole) {
		out = append(out, s.consoleState(d))
	}
	for _, dev := range configured(d.Config) {
		if class != "" && dev.Class != class {
			continue
		}
		r := findDevice(d.Devices, dev.Class, devidOf(dev))
		if r == nil {
			r = &device{Class: dev.Class, Devid: devidOf(dev)}
		}
		out = append(out, s.deviceState(d, dev, r, now))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Class != out[j].Class {
			return classRank[out[i].Class] < classRank[out[j].Class]
		}
		return out[i].Devid < out[j].Devid
	})
	return out
}

// classRank is each class's place in classOrder.
var classRank = func() map[toolstack.DeviceClass]int {
	rank := make(map[toolstack.DeviceClass]int, len(classOrder))
	for i, c := range classOrder {
		rank[c] = i
	}
	return rank
}()

// findDevice returns the last record of class and devid in devs, or nil.
func findDevice(devs []*device, class toolstack.DeviceClass, devid int) *device {
	for i := len(devs) - 1; i >= 0; i-- {
		if devs[i].Class == class && devs[i].Devid == devid {
			return devs[i]
		}
	}
	return nil
}

// protocolNode is the frontend's "protocol" node: PV guests write their
// ABI; the PV drivers of HVM guests on the reference host wrote none.
func (s *Sim) protocolNode(d *domain) toolstack.KeyValueList {
	if d.Config.Type() == toolstack.TypeHVM {
		return nil
	}
	abi := "x86_32-abi"
	if s.prof.Uname.Machine == "x86_64" || s.prof.Uname.Machine == "" {
		abi = "x86_64-abi"
	}
	return toolstack.KeyValueList{{Key: "protocol", Value: abi}}
}

// consoleState is the primary console: event channel 2 (the store has 1).
func (s *Sim) consoleState(d *domain) toolstack.DeviceState {
	dom := strconv.FormatUint(uint64(d.Domid), 10)
	st := toolstack.DeviceState{
		Class:         toolstack.ClassConsole,
		BackendState:  toolstack.XenbusConnected,
		FrontendState: toolstack.XenbusConnected,
		BackendPath:   "/local/domain/0/backend/console/" + dom + "/0",
		FrontendPath:  "/local/domain/" + dom + "/console",
		TTY:           ptyPath(d.ConsolePty),
	}
	st.Frontend = toolstack.KeyValueList{
		{Key: "ring-ref", Value: strconv.FormatUint(s.prof.Guest.ConsoleMFN, 10)},
		{Key: "port", Value: "2"},
		{Key: "limit", Value: "1048576"},
		{Key: "type", Value: "xenconsoled"},
		{Key: "output", Value: "pty"},
		{Key: "tty", Value: st.TTY},
	}
	return st
}

// deviceState renders one device. Frontends connect once the hotplug
// delay has passed on the simulator's clock (at once by default).
func (s *Sim) deviceState(d *domain, dev toolstack.Device, r *device, now time.Time) toolstack.DeviceState {
	dom := strconv.FormatUint(uint64(d.Domid), 10)
	devid := strconv.Itoa(r.Devid)
	cls := string(dev.Class)
	st := toolstack.DeviceState{
		Class:         dev.Class,
		Devid:         r.Devid,
		Config:        cloneDevice(dev),
		BackendState:  toolstack.XenbusConnected,
		FrontendState: toolstack.XenbusConnected,
		BackendPath:   "/local/domain/0/backend/" + cls + "/" + dom + "/" + devid,
		FrontendPath:  "/local/domain/" + dom + "/device/" + cls + "/" + devid,
	}
	delay := time.Duration(s.prof.Sim.HotplugDelayMS) * time.Millisecond
	connected := !now.Before(r.AddedAt.Add(delay))
	if !connected {
		st.BackendState, st.FrontendState = toolstack.XenbusInitWait, toolstack.XenbusInitialising
	}
	fstate := strconv.Itoa(int(st.FrontendState))
	switch dev.Class {
	case toolstack.ClassVBD:
		kind := "disk"
		if dev.Disk.IsCDROM != 0 {
			kind = "cdrom"
		}
		st.Frontend = toolstack.KeyValueList{{Key: "virtual-device", Value: devid}, {Key: "device-type", Value: kind}}
		st.Frontend = append(st.Frontend, s.protocolNode(d)...)
		st.Frontend = append(st.Frontend, toolstack.KeyValueList{{Key: "backend-id", Value: "0"}, {Key: "state", Value: fstate}}...)
		if connected {
			st.Frontend = append(st.Frontend, toolstack.KeyValueList{
				{Key: "ring-ref", Value: "8"}, {Key: "event-channel", Value: "15"},
				{Key: "feature-persistent", Value: "1"},
			}...)
		}
		mode := "r"
		if dev.Disk.Readwrite != 0 {
			mode = "w"
		}
		st.Backend = toolstack.KeyValueList{
			{Key: "frontend", Value: st.FrontendPath}, {Key: "params", Value: dev.Disk.PdevPath},
			{Key: "frontend-id", Value: dom}, {Key: "online", Value: "1"},
			{Key: "removable", Value: strconv.Itoa(dev.Disk.Removable)},
			{Key: "mode", Value: mode}, {Key: "dev", Value: dev.Disk.Vdev},
			{Key: "type", Value: orString(dev.Disk.Backend, "phy")},
		}
	case toolstack.ClassVIF:
		st.Frontend = toolstack.KeyValueList{{Key: "mac", Value: dev.NIC.MAC}, {Key: "handle", Value: devid}}
		st.Frontend = append(st.Frontend, s.protocolNode(d)...)
		st.Frontend = append(st.Frontend, toolstack.KeyValueList{{Key: "backend-id", Value: "0"}, {Key: "state", Value: fstate}}...)
		if connected {
			st.Frontend = append(st.Frontend, toolstack.KeyValueList{
				{Key: "tx-ring-ref", Value: "768"}, {Key: "rx-ring-ref", Value: "769"},
				{Key: "event-channel", Value: "16"}, {Key: "request-rx-copy", Value: "1"},
				{Key: "feature-rx-notify", Value: "1"}, {Key: "feature-sg", Value: "1"},
				{Key: "feature-gso-tcpv4", Value: "1"},
			}...)
		}
		st.Backend = toolstack.KeyValueList{
			{Key: "frontend", Value: st.FrontendPath}, {Key: "frontend-id", Value: dom},
			{Key: "online", Value: "1"}, {Key: "bridge", Value: dev.NIC.Bridge},
			{Key: "mac", Value: dev.NIC.MAC}, {Key: "handle", Value: devid},
			{Key: "script", Value: dev.NIC.Script},
		}
	case toolstack.ClassVSCSI:
		st.Frontend, st.Backend = vscsiNodes(st, dom)
	case toolstack.ClassVFB:
		st.VNCPort = r.VNCPort
		if r.VNCPort > 0 {
			st.VNCListen = "127.0.0.1"
			if dev.VFB.VNC != nil && dev.VFB.VNC.Listen != "" {
				st.VNCListen = dev.VFB.VNC.Listen
			}
		}
		fallthrough
	default:
		st.Frontend = toolstack.KeyValueList{{Key: "backend-id", Value: "0"}, {Key: "state", Value: fstate}}
		st.Backend = toolstack.KeyValueList{
			{Key: "frontend", Value: st.FrontendPath}, {Key: "frontend-id", Value: dom},
			{Key: "online", Value: "1"},
		}
	}
	if dev.Class == toolstack.ClassChannel && r.Pty > 0 {
		st.TTY = ptyPath(r.Pty)
	}
	st.Frontend = append(st.Frontend, toolstack.KeyValue{Key: "backend", Value: st.BackendPath})
	st.Backend = append(st.Backend, toolstack.KeyValue{Key: "state", Value: strconv.Itoa(int(st.BackendState))})
	return st
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// vscsiNodes are a PVSCSI controller's nodes as the real controller
// (toolstack/xl/pvscsi) lists them: the top-level nodes of both
// directories, then each LUN's nodes keyed "vscsi-devs/dev-N/<node>" (its
// p-dev, p-devname, v-dev, devid and backend state, and the frontend's
// state of it), which xend's scsi-list reply is made of.
func vscsiNodes(st toolstack.DeviceState, dom string) (front, back toolstack.KeyValueList) {
	v := st.Config.VSCSI
	bstate, fstate := strconv.Itoa(int(st.BackendState)), strconv.Itoa(int(st.FrontendState))
	front = toolstack.KeyValueList{{Key: "backend-id", Value: strconv.FormatUint(uint64(v.BackendDomid), 10)}, {Key: "state", Value: fstate}}
	host := "0"
	if v.FeatureHost {
		host = "1"
	}
	back = toolstack.KeyValueList{
		{Key: "frontend", Value: st.FrontendPath}, {Key: "frontend-id", Value: dom},
		{Key: "online", Value: "1"}, {Key: "feature-host", Value: host},
	}
	devid := strconv.Itoa(v.Devid)
	for i, l := range v.LUNs {
		dir := "vscsi-devs/dev-" + strconv.Itoa(i) + "/"
		back = append(back, toolstack.KeyValueList{
			{Key: dir + "p-dev", Value: l.PDev}, {Key: dir + "p-devname", Value: l.PDevname},
			{Key: dir + "v-dev", Value: l.VDev}, {Key: dir + "devid", Value: devid},
			{Key: dir + "state", Value: bstate},
		}...)
		front = append(front, toolstack.KeyValue{Key: dir + "state", Value: fstate})
	}
	return front, back
}
