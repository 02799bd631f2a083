package xend

import (
	"strings"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// vscsiLUNPrefix starts the keys under which a toolstack lists a PVSCSI
// controller's per-LUN xenstore nodes: "vscsi-devs/dev-N/<node>".
const vscsiLUNPrefix = "vscsi-devs/"

// vscsiLUNNodes returns the LUN directories ("dev-0", "dev-1", ...) of a
// controller in the order its backend listing has them.
func vscsiLUNNodes(st *toolstack.DeviceState) []string {
	var out []string
	seen := map[string]bool{}
	for _, kv := range st.Backend {
		rest, ok := strings.CutPrefix(kv.Key, vscsiLUNPrefix)
		if !ok {
			continue
		}
		node, _, ok := strings.Cut(rest, "/")
		if ok && !seen[node] {
			seen[node] = true
			out = append(out, node)
		}
	}
	return out
}

// nodeOrNone reads key of a listing as xend's readBackend/readFrontend
// did: the string, or None when the node is absent.
func nodeOrNone(l toolstack.KeyValueList, key string) sxp.Value {
	if v, ok := l.Get(key); ok {
		return sxp.Atom(v)
	}
	return sxp.None()
}

// vscsiSxprs is xend's VSCSIController.sxprs, the getDeviceSxprs reply for
// class vscsi on an active domain (§6.7; xm scsi-list reads x[1][0][1]):
//
//	[[devid, [['devs', [['dev', ['state',S], ['devid',D], ['p-dev',P],
//	  ['p-devname',N], ['v-dev',V], ['frontstate',F]], ...]],
//	  ['state',FS], ['backend-id',B], ['backend',path]]], ...]
//
// built from each controller's per-LUN nodes; a node that is missing is
// None, as xend's readBackend returned.
func vscsiSxprs(states []toolstack.DeviceState) []sxp.Value {
	var out []sxp.Value
	for i := range states {
		st := &states[i]
		if st.Class != toolstack.ClassVSCSI {
			continue
		}
		var devs []sxp.Value
		for _, n := range vscsiLUNNodes(st) {
			dir := vscsiLUNPrefix + n + "/"
			devs = append(devs, sxp.List(sxp.Atom("dev"),
				kv("state", nodeOrNone(st.Backend, dir+"state")),
				kv("devid", nodeOrNone(st.Backend, dir+"devid")),
				kv("p-dev", nodeOrNone(st.Backend, dir+"p-dev")),
				kv("p-devname", nodeOrNone(st.Backend, dir+"p-devname")),
				kv("v-dev", nodeOrNone(st.Backend, dir+"v-dev")),
				kv("frontstate", nodeOrNone(st.Frontend, dir+"state"))))
		}
		cfg := sxp.List(
			kv("devs", sxp.List(devs...)),
			kv("state", nodeOrNone(st.Frontend, "state")),
			kv("backend-id", nodeOrNone(st.Frontend, "backend-id")),
			kv("backend", nodeOrNone(st.Frontend, "backend")))
		out = append(out, sxp.List(sxp.Int(int64(st.Devid)), cfg))
	}
	return out
}

// liveVSCSI renders a controller of an active domain as xend's
// getDeviceConfiguration read it back (§6.5): one (dev ...) per LUN with
// p-dev, p-devname, v-dev, state and devid from the backend, then
// feature-host, the controller's uuid and the backend domain.
func liveVSCSI(st *toolstack.DeviceState, uuid string) sxp.Value {
	items := []sxp.Value{sxp.Atom("vscsi")}
	for _, n := range vscsiLUNNodes(st) {
		dir := vscsiLUNPrefix + n + "/"
		items = append(items, sxp.List(sxp.Atom("dev"),
			kv("p-dev", nodeOrNone(st.Backend, dir+"p-dev")),
			kv("p-devname", nodeOrNone(st.Backend, dir+"p-devname")),
			kv("v-dev", nodeOrNone(st.Backend, dir+"v-dev")),
			kv("state", nodeOrNone(st.Backend, dir+"state")),
			kv("devid", nodeOrNone(st.Backend, dir+"devid"))))
	}
	if u, ok := st.Backend.Get("uuid"); ok && uuid == "" {
		uuid = u
	}
	items = append(items, kv("feature-host", nodeOrNone(st.Backend, "feature-host")),
		str("uuid", uuid), kv("backend", sxp.Int(int64(st.BackendDomid))))
	return sxp.List(items...)
}

// liveVSCSIDevices renders every vscsi controller of an active domain,
// taking each one's uuid from the first recorded vscsi config of the same
// controller; ok is false when the toolstack lists none (xend then fell
// back to the stored config, §6.5).
func liveVSCSIDevices(states []toolstack.DeviceState, recs []*devRecord) (out []sxp.Value, ok bool) {
	for i := range states {
		st := &states[i]
		if st.Class != toolstack.ClassVSCSI {
			continue
		}
		uuid := ""
		for _, r := range recs {
			if r.Class == "vscsi" && vscsiOf(r).Devid == st.Devid {
				uuid = r.UUID
				break
			}
		}
		out = append(out, kv("device", liveVSCSI(st, uuid)))
	}
	return out, len(out) > 0
}

// configVSCSISxpr is the getDeviceSxprs entry of a stored vscsi config
// (inactive domain, §6.7): [devid, [['devs', [dev..., each with
// ['frontstate', None] appended]], ['feature-host', x]]], devid being the
// devid of the last dev, as xend numbered it.
func configVSCSISxpr(d *devRecord) sxp.Value {
	n := int64(vscsiOf(d).Devid)
	var devs []sxp.Value
	for _, dev := range d.all("dev") {
		items := append([]sxp.Value{sxp.Atom("dev")}, pairsOf(dev)...)
		items = append(items, kv("frontstate", sxp.None()))
		devs = append(devs, sxp.List(items...))
	}
	host := d.get("feature-host")
	if !host.IsValid() {
		host = sxp.Int(0)
	}
	return sxp.List(sxp.Int(n), sxp.List(kv("devs", sxp.List(devs...)), kv("feature-host", host)))
}

// pairsOf returns the (key value) pairs of a stored attribute list such as
// a vscsi or pci dev: parseDevice keeps (dev (a 1) (b 2)) as ((a 1) (b 2))
// but (dev (a 1)) as (a 1).
func pairsOf(v sxp.Value) []sxp.Value {
	if v.IsList() && v.Len() > 0 && v.Index(0).IsList() {
		return v.Items()
	}
	return []sxp.Value{v}
}

// attrEntry renders a stored key as it was given: (key v), or
// (key (a 1) (b 2)) for an attribute list.
func attrEntry(key string, v sxp.Value) sxp.Value {
	if v.IsList() && v.Len() > 0 && v.Index(0).IsList() {
		return sxp.List(append([]sxp.Value{sxp.Atom(key)}, v.Items()...)...)
	}
	return kv(key, v)
}
