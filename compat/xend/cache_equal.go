package xend

import (
	"reflect"
	"slices"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// Equality of the record cache's inputs, written out field by field
// because reflect.DeepEqual cost more than rendering saved. Every field of
// the compared types is compared; TestCacheEqualCoversFields fails when one
// of these types gains a field, so that the new field is added here too.
//
// SXP values compare by storage (==): a value copied from the same source is
// equal, a value rebuilt with the same text is not, which only costs a
// cache miss.

// recordsEqual reports whether a and b hold the same record.
func recordsEqual(a, b *vmRecord) bool {
	if a == b {
		return true
	}
	if a.UUID != b.UUID || a.Name != b.Name || a.HasDescription != b.HasDescription ||
		a.Description != b.Description || a.CPUWeight != b.CPUWeight || a.CPUCap != b.CPUCap ||
		a.PoolName != b.PoolName || a.Bootloader != b.Bootloader || a.BootloaderArgs != b.BootloaderArgs ||
		a.VCPUs != b.VCPUs || a.OnPoweroff != b.OnPoweroff || a.OnReboot != b.OnReboot ||
		a.OnCrash != b.OnCrash || a.MaxMem != b.MaxMem || a.Memory != b.Memory ||
		a.ShadowMemory != b.ShadowMemory || a.Features != b.Features || a.OnXendStart != b.OnXendStart ||
		a.OnXendStop != b.OnXendStop || a.VCPUAvail != b.VCPUAvail || a.VCPUAvailLong != b.VCPUAvailLong ||
		a.Cpu != b.Cpu || a.StartTime != b.StartTime || a.Built != b.Built || a.Managed != b.Managed ||
		a.Refreshed != b.Refreshed {
		return false
	}
	if len(a.Cpus) != len(b.Cpus) || !fieldsEqual(a.Extra, b.Extra) || !imagesEqual(&a.Image, &b.Image) ||
		len(a.Devices) != len(b.Devices) {
		return false
	}
	for i := range a.Cpus {
		if !slices.Equal(a.Cpus[i], b.Cpus[i]) {
			return false
		}
	}
	for i := range a.Devices {
		if !devRecordsEqual(a.Devices[i], b.Devices[i]) {
			return false
		}
	}
	return true
}

func imagesEqual(a, b *imageRecord) bool {
	if a.Type != b.Type || a.Kernel != b.Kernel || a.Ramdisk != b.Ramdisk || a.Args != b.Args ||
		a.Superpages != b.Superpages || a.Restored != b.Restored || len(a.Platform) != len(b.Platform) ||
		!fieldsEqual(a.Notes, b.Notes) {
		return false
	}
	for k, v := range a.Platform {
		if w, ok := b.Platform[k]; !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

func devRecordsEqual(a, b *devRecord) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return a.Class == b.Class && a.UUID == b.UUID && a.Devid == b.Devid && fieldsEqual(a.Cfg, b.Cfg)
}

func fieldsEqual(a, b []field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key || !sameValue(a[i].val, b[i].val) {
			return false
		}
	}
	return true
}

// sameValue reports whether a and b are the same stored SXP value.
func sameValue(a, b sxp.Value) bool { return a == b }

// infosEqual reports whether two cache keys of DomainInfo (see infoKey)
// are equal.
func infosEqual(a, b *toolstack.DomainInfo) bool {
	return a.Domid == b.Domid && a.UUID == b.UUID && a.Name == b.Name && a.Type == b.Type &&
		a.State == b.State && a.ShutdownReason == b.ShutdownReason && a.CurrentMemKB == b.CurrentMemKB &&
		a.TargetMemKB == b.TargetMemKB && a.MaxMemKB == b.MaxMemKB && a.OnlineVCPUs == b.OnlineVCPUs &&
		a.MaxVCPUs == b.MaxVCPUs && len(a.VCPUs) == 0 && len(b.VCPUs) == 0 && a.CPUTime == b.CPUTime &&
		a.StartTime.Equal(b.StartTime) && a.StoreMFN == b.StoreMFN && a.ConsoleMFN == b.ConsoleMFN &&
		schedEqual(&a.Sched, &b.Sched) && a.ConsoleTTY == b.ConsoleTTY
}

func schedEqual(a, b *toolstack.SchedParams) bool {
	return a.Sched == b.Sched && intPtrEqual(a.Weight, b.Weight) && intPtrEqual(a.Cap, b.Cap) &&
		intPtrEqual(a.Period, b.Period) && intPtrEqual(a.Slice, b.Slice) && intPtrEqual(a.Latency, b.Latency) &&
		intPtrEqual(a.Extratime, b.Extratime) && intPtrEqual(a.Budget, b.Budget)
}

func intPtrEqual(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// deviceStatesEqual compares device lists; the device configurations,
// a union of per-class structs, are compared with reflect.DeepEqual.
func deviceStatesEqual(a, b []toolstack.DeviceState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Class != y.Class || x.Devid != y.Devid || x.BackendDomid != y.BackendDomid ||
			x.BackendState != y.BackendState || x.FrontendState != y.FrontendState ||
			x.BackendPath != y.BackendPath || x.FrontendPath != y.FrontendPath || x.TTY != y.TTY ||
			x.VNCListen != y.VNCListen || x.VNCPort != y.VNCPort ||
			!slices.Equal(x.Frontend, y.Frontend) || !slices.Equal(x.Backend, y.Backend) ||
			!devicesEqual(&x.Config, &y.Config) {
			return false
		}
	}
	return true
}

// devicesEqual compares two device configurations: their class and the
// per-class settings each points to. The settings are compared with ==
// (a pointer inside them compares by identity, which can only cost a cache
// miss); the two classes whose settings are not comparable that way
// (display and SCSI) with reflect.DeepEqual.
func devicesEqual(a, b *toolstack.Device) bool {
	return a.Class == b.Class && pointeesEqual(a.Disk, b.Disk) && pointeesEqual(a.NIC, b.NIC) &&
		deepEqual(a.VFB, b.VFB) && pointeesEqual(a.VKB, b.VKB) && pointeesEqual(a.PCI, b.PCI) &&
		pointeesEqual(a.USBCtrl, b.USBCtrl) && pointeesEqual(a.USBDev, b.USBDev) &&
		deepEqual(a.VSCSI, b.VSCSI) && pointeesEqual(a.Channel, b.Channel) && pointeesEqual(a.VTPM, b.VTPM)
}

// pointeesEqual reports whether a and b are both nil or point to equal
// values.
func pointeesEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// deepEqual is pointeesEqual for values that == cannot compare.
func deepEqual[T any](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(*a, *b)
}
