package xend

import (
	"sort"
	"strconv"

	"github.com/xendshim/xendshim/sxp"
)

// field is one (key value) pair of a record, kept in order.
type field struct {
	key string
	val sxp.Value
}

// vmRecord is xend's own view of one domain (XendConfig): what it was
// configured with, in xend's units (MiB for memory), plus the facts xend kept
// about it (start time, whether this daemon built it). Live facts come from
// the toolstack at render time; see live.
type vmRecord struct {
	UUID string
	Name string
	// HasDescription is true for domains created from an SXP config; dom0
	// has no description field at all (xmlrpc.md §6.2 row 9).
	HasDescription bool
	Description    string
	CPUWeight      int
	CPUCap         int
	PoolName       string
	Bootloader     string
	BootloaderArgs string
	VCPUs          int
	// Cpus is the per-vCPU affinity as configured; an empty inner list means
	// no pinning. nil or empty means the field is left out.
	Cpus         [][]int
	OnPoweroff   string
	OnReboot     string
	OnCrash      string
	MaxMem       int // MiB
	Memory       int // MiB, the balloon target
	ShadowMemory int // MiB
	Features     string
	OnXendStart  string
	OnXendStop   string
	// VCPUAvail is the bitmap of vCPUs meant to be online; 0 means all
	// VCPUs ((1<<VCPUs)-1). VCPUAvailLong marks a value xend held as a
	// Python long (read back from a stored config or a save image), which
	// the SXP printers quote: (vcpu_avail '1').
	VCPUAvail     uint64
	VCPUAvailLong bool
	// Cpu is the legacy cpu= setting; -1 when not configured.
	Cpu int
	// Extra holds top-level config fields xend keeps but this model has
	// no slot for (cpuid, security_label, ...), emitted after cpu.
	Extra []field

	Image   imageRecord
	Devices []*devRecord

	// StartTime is the epoch time the domain was started by this daemon
	// (0: unknown, no start_time field).
	StartTime float64
	// Built is true once this daemon built or restored the domain: only
	// then do store_mfn, console_mfn, the image's pci and notes appear.
	Built bool
	// Managed is true for domains defined with new (kept in the store).
	Managed bool
	// Refreshed is false between create and the first refresh (the create
	// reply has no cpu_time, online_vcpus or console device, §6.3).
	Refreshed bool
}

// imageRecord is the image section (§6.4).
type imageRecord struct {
	Type       string // "linux" or "hvm"
	Kernel     string
	Ramdisk    string
	Args       string
	Superpages int
	// Platform holds the platform keys as configured (ints or strings).
	Platform map[string]sxp.Value
	// Notes are the guest's ELF notes, in the order they are emitted.
	Notes []field
	// Restored is set once the image came back from a save file: xend
	// read it back from SXP text, so its numbers are strings.
	Restored bool
}

// devRecord is one device of a domain in xend's config form.
type devRecord struct {
	Class string
	UUID  string
	// Cfg holds the configured keys in the order given (uuid excluded).
	Cfg []field
	// Devid is the device id once attached (vbd: the vdev number), -1 before.
	Devid int
}

// vcpuAvail returns the vcpu_avail bitmap of r.
func (r *vmRecord) vcpuAvail() uint64 {
	if r.VCPUAvail != 0 {
		return r.VCPUAvail
	}
	if r.VCPUs >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(r.VCPUs) - 1
}

// vcpuAvailValue renders vcpu_avail as xend printed it.
func (r *vmRecord) vcpuAvailValue() sxp.Value {
	n := int64(r.vcpuAvail())
	if r.VCPUAvailLong {
		return sxp.Long(n)
	}
	return sxp.Int(n)
}

// get returns the configured value of key, or the zero Value.
func (d *devRecord) get(key string) sxp.Value {
	for _, f := range d.Cfg {
		if f.key == key {
			return f.val
		}
	}
	return sxp.Value{}
}

// text returns the configured text of key, or "".
func (d *devRecord) text(key string) string { return d.get(key).Text() }

// set replaces or appends key.
func (d *devRecord) set(key string, v sxp.Value) {
	for i, f := range d.Cfg {
		if f.key == key {
			d.Cfg[i].val = v
			return
		}
	}
	d.Cfg = append(d.Cfg, field{key, v})
}

// platformOrder is the fixed order in which xend emitted image platform keys
// (§6.4), the CPython iteration order of its platform key table.
var platformOrder = []string{
	"videoram", "hpet", "monitor_path", "stdvga", "vnclisten", "loader", "xen_platform_pci",
	"monitor", "opengl", "nestedhvm", "rtc_timeoffset", "parallel", "pci", "hap", "localtime",
	"timer_mode", "xen_extended_power_mgmt", "vncdisplay", "pci_msitranslate", "oos", "apic",
	"sdl", "fda", "fdb", "usbdevice", "display", "vpt_align", "vncconsole", "serial",
	"vncunused", "soundhw", "gfx_passthru", "boot", "vncpasswd", "pae", "vhpt", "viridian",
	"acpi", "vnc", "nographic", "nomigrate", "usb", "tsc_mode", "guest_os_type", "device_model",
	"keymap", "pci_power_mgmt", "xauthority", "isa",
}

var isPlatformKey = func() map[string]bool {
	m := make(map[string]bool, len(platformOrder))
	for _, k := range platformOrder {
		m[k] = true
	}
	return m
}()

// deviceClassOrder is the order xend visited device classes in (§6.5).
var deviceClassOrder = []string{"tap2", "vif", "vkbd", "ioports", "tap", "vif2", "console", "vscsi", "vbd", "irq", "vfb", "pci", "vusb"}

func kv(key string, v sxp.Value) sxp.Value { return sxp.List(sxp.Atom(key), v) }

func str(key, s string) sxp.Value { return kv(key, sxp.Atom(s)) }

func num(key string, n int) sxp.Value { return kv(key, sxp.Int(int64(n))) }

// intList renders []int as an SXP list of ints.
func intList(xs []int) sxp.Value {
	items := make([]sxp.Value, len(xs))
	for i, x := range xs {
		items[i] = sxp.Int(int64(x))
	}
	return sxp.List(items...)
}

// renderImage renders the image section (§6.4). live is true for a domain
// this daemon built: it then carries (pci ()) and its ELF notes.
func renderImage(img *imageRecord, built bool) sxp.Value {
	typ := img.Type
	if typ == "" {
		typ = "linux"
	}
	items := []sxp.Value{sxp.Atom(typ), str("kernel", img.Kernel)}
	if img.Ramdisk != "" {
		items = append(items, str("ramdisk", img.Ramdisk))
	}
	if img.Args != "" {
		items = append(items, str("args", img.Args))
	}
	items = append(items, num("superpages", img.Superpages))
	if img.Restored {
		items[len(items)-1] = str("superpages", itoa(img.Superpages))
	}
	for _, k := range platformOrder {
		v, ok := img.Platform[k]
		if k == "pci" {
			if !ok && built {
				v, ok = sxp.List(), true
			}
			if ok {
				items = append(items, kv(k, v))
			}
			continue
		}
		if !ok || (v.IsScalar() && v.Text() == "" && v.Kind() != sxp.KindInt) {
			continue
		}
		if img.Restored && v.IsScalar() {
			v = sxp.Atom(v.Text())
		}
		items = append(items, kv(k, v))
	}
	if built && len(img.Notes) > 0 {
		notes := []sxp.Value{sxp.Atom("notes")}
		for _, n := range img.Notes {
			notes = append(notes, kv(n.key, n.val))
		}
		items = append(items, sxp.List(notes...))
	}
	return sxp.List(items...)
}

// sortDevices orders devices by xend's class order, keeping the configured
// order within a class.
func sortDevices(devs []*devRecord) []*devRecord {
	rank := make(map[string]int, len(deviceClassOrder))
	for i, c := range deviceClassOrder {
		rank[c] = i
	}
	out := append([]*devRecord(nil), devs...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i].Class]
		if !ok {
			ri = len(rank)
		}
		rj, ok := rank[out[j].Class]
		if !ok {
			rj = len(rank)
		}
		return ri < rj
	})
	return out
}

// configDevice renders a device in xend's config (inactive) form (§6.5).
func configDevice(d *devRecord) sxp.Value {
	items := []sxp.Value{sxp.Atom(d.Class)}
	add := func(k string) {
		if v := d.get(k); v.IsValid() {
			items = append(items, kv(k, v))
		}
	}
	switch d.Class {
	case "vbd", "tap", "tap2":
		items = append(items, str("uuid", d.UUID))
		bootable := d.get("bootable")
		if !bootable.IsValid() {
			bootable = sxp.Int(0)
		}
		items = append(items, kv("bootable", bootable))
		drv := d.get("driver")
		if !drv.IsValid() {
			drv = sxp.Atom("paravirtualised")
		}
		items = append(items, kv("driver", drv))
		add("dev")
		add("uname")
		add("mode")
		add("backend")
	case "vif":
		add("bridge")
		add("mac")
		items = append(items, str("uuid", d.UUID))
		for _, k := range []string{"script", "ip", "type", "vifname", "rate", "model", "accel", "backend"} {
			add(k)
		}
	case "vfb":
		for _, k := range []string{"vncunused", "vnc"} {
			add(k)
		}
		items = append(items, str("uuid", d.UUID))
		for _, k := range []string{"vnclisten", "keymap", "vncdisplay", "vncpasswd", "xauthority", "display", "sdl", "opengl", "type", "location"} {
			add(k)
		}
	case "vscsi":
		// xend's order: uuid, feature-host, backend, then the devs (§6.5).
		items = append(items, str("uuid", d.UUID))
		add("feature-host")
		add("backend")
		for _, f := range d.Cfg {
			if f.key != "feature-host" && f.key != "backend" {
				items = append(items, attrEntry(f.key, f.val))
			}
		}
	default:
		items = append(items, str("uuid", d.UUID))
		for _, f := range d.Cfg {
			items = append(items, attrEntry(f.key, f.val))
		}
	}
	return sxp.List(items...)
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
