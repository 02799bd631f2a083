package toolstack

import (
	"context"
	"io"
)

// Toolstack is the contract between xendshim's protocol layers and a Xen
// host (real or simulated). Domains are addressed by domid; use FindByName
// and Lookup for names and UUIDs.
//
// Every method is safe for concurrent use. Errors wrap one class sentinel
// (see the package doc). Unless said otherwise a call on a domid that does
// not exist returns ErrNotFound, and a call that is already satisfied (pause
// a paused domain, unpause a running one, set the value it has) succeeds.
type Toolstack interface {
	// HostInfo describes the host now (free memory changes with domains).
	HostInfo(ctx context.Context) (*HostInfo, error)
	// Dmesg returns the hypervisor console ring; with clear it also empties
	// it (the returned text is what was there before clearing).
	Dmesg(ctx context.Context, clear bool) (string, error)
	// SendDebugKeys sends debug keys to the hypervisor.
	SendDebugKeys(ctx context.Context, keys string) error

	// ListDomains returns every live domain, dom0 included, by domid.
	ListDomains(ctx context.Context) ([]DomainInfo, error)
	// Domain returns one domain's runtime info.
	Domain(ctx context.Context, id Domid) (*DomainInfo, error)
	// DomainConfig returns the configuration the domain runs with now
	// (after hotplug and memory changes), as `xl list -l` would show it.
	// For dom0 it is the minimal config xl prints.
	DomainConfig(ctx context.Context, id Domid) (*DomainConfig, error)

	// Create builds a domain from cfg and leaves it paused; devices are
	// set up but Create does not wait for hotplug (see WaitForDevices).
	// A missing UUID or MAC is generated and shows in DomainConfig.
	// ErrExists if the name or UUID is taken, ErrNoMemory if the host
	// cannot hold it, ErrInvalid for a bad config.
	Create(ctx context.Context, cfg *DomainConfig) (Domid, error)
	// Pause and Unpause stop and resume all vCPUs. dom0 gives ErrInvalid.
	Pause(ctx context.Context, id Domid) error
	Unpause(ctx context.Context, id Domid) error
	// Shutdown asks the guest to shut down for a reason (poweroff, reboot,
	// suspend, crash, halt); it returns once the request is delivered and
	// does not wait for the guest.
	Shutdown(ctx context.Context, id Domid, req ShutdownRequest) error
	// Reboot asks the guest to reboot (Shutdown with RequestReboot).
	Reboot(ctx context.Context, id Domid) error
	// Destroy kills the domain at once and frees its memory. dom0 gives
	// ErrInvalid.
	Destroy(ctx context.Context, id Domid) error
	// Reset hard-resets the domain (xend's reset: destroy and recreate
	// from the same config, same name and UUID, new domid) and leaves it
	// running. It returns the new domid.
	Reset(ctx context.Context, id Domid) (Domid, error)
	// Rename changes the domain's name; ErrExists on a clash.
	Rename(ctx context.Context, id Domid, name string) error
	// SendSysrq sends a magic SysRq key to the guest.
	SendSysrq(ctx context.Context, id Domid, key byte) error
	// SendTrigger injects a trigger on a vCPU (ErrInvalid if unknown).
	SendTrigger(ctx context.Context, id Domid, t Trigger, vcpu int) error

	// SetMemoryTarget sets the balloon target (KiB). ErrInvalid above the
	// maximum, ErrNoMemory if the host cannot supply the increase.
	SetMemoryTarget(ctx context.Context, id Domid, kib uint64) error
	// SetMemoryMax sets the maximum (KiB); ErrInvalid below the current
	// target.
	SetMemoryMax(ctx context.Context, id Domid, kib uint64) error
	// SetVCPUs sets how many vCPUs are online (1..MaxVCPUs).
	SetVCPUs(ctx context.Context, id Domid, n int) error
	// PinVCPU sets the hard affinity of one vCPU, or of all with vcpu -1.
	// An empty bitmap means all CPUs. ErrInvalid for CPUs the host lacks.
	PinVCPU(ctx context.Context, id Domid, vcpu int, hard Bitmap) error
	// SchedParams returns the domain's parameters for the host scheduler.
	SchedParams(ctx context.Context, id Domid) (SchedParams, error)
	// SetSchedParams changes the parameters that are non-nil. Sched, if
	// set, must name the host scheduler (ErrUnsupported otherwise). Weight
	// is 1..65535; Cap 0..100*vCPUs (credit only).
	SetSchedParams(ctx context.Context, id Domid, p SchedParams) error

	// AddDevice hot-plugs a device into a live domain and records it in
	// the domain's config. It returns once the backend exists; use
	// WaitForDevices for the frontend to connect.
	AddDevice(ctx context.Context, id Domid, dev Device) (DeviceRef, error)
	// RemoveDevice unplugs a device; with force it does not wait for the
	// guest to let go.
	RemoveDevice(ctx context.Context, id Domid, ref DeviceRef, force bool) error
	// Devices lists the domain's devices of one class ("" = all classes),
	// ordered by class then devid.
	Devices(ctx context.Context, id Domid, class DeviceClass) ([]DeviceState, error)
	// WaitForDevices blocks until every device's hotplug finished
	// (backend Connected or the frontend never coming), or ctx ends.
	WaitForDevices(ctx context.Context, id Domid) error

	// Save suspends the domain and writes its memory image and config to
	// path (on the host). Unless checkpoint, the domain is destroyed after.
	Save(ctx context.Context, id Domid, path string, checkpoint bool) error
	// Restore creates a domain from a save image at path and unpauses it
	// unless paused. ErrInvalid if the file is not a save image,
	// ErrNotFound if it does not exist.
	Restore(ctx context.Context, path string, paused bool) (Domid, error)
	// CoreDump writes the domain's memory as a core file to path.
	CoreDump(ctx context.Context, id Domid, path string, opts DumpOptions) error

	// Console returns where the domain's primary console is.
	Console(ctx context.Context, id Domid) (ConsoleInfo, error)
	// VNC returns the domain's VNC endpoint; ErrNotFound if it has no
	// display, ErrUnsupported if no device model runs to serve one.
	VNC(ctx context.Context, id Domid) (VNCEndpoint, error)
}

// DumpOptions are xend's dump-core flags.
type DumpOptions struct {
	// Live dumps without pausing the domain.
	Live bool
	// Crash destroys the domain after the dump.
	Crash bool
	// Reset resets the domain after the dump.
	Reset bool
}

// Migrator is implemented by toolstacks that can stream a live domain to a
// peer and receive one. The stream format is the backend's own (for xl, the
// libxl migration stream); both ends must be the same kind of toolstack.
// compat layers check for it with a type assertion and answer xend's "not
// supported" fault when it is absent.
type Migrator interface {
	// MigrateSend streams the domain to w. On success the domain is gone
	// from this host; on failure it keeps running here.
	MigrateSend(ctx context.Context, id Domid, w io.Writer, opts MigrateOptions) error
	// MigrateReceive reads a stream from r and creates the domain here,
	// running (or paused if opts.Paused). It returns the new domid.
	MigrateReceive(ctx context.Context, r io.Reader, opts ReceiveOptions) (Domid, error)
}

// FileMigrator is implemented by Migrators that can write the migration
// stream of a domain straight into a file, sparing a copy through an
// io.Writer (the xl backend: `xl save` into the file).
type FileMigrator interface {
	// MigrateSendFile is MigrateSend into the existing, empty file at
	// path, which keeps its mode. On success the domain is gone from this
	// host; on failure it keeps running here.
	MigrateSendFile(ctx context.Context, id Domid, path string, opts MigrateOptions) error
}

// MigrateOptions tune MigrateSend.
type MigrateOptions struct {
	// Live copies memory while the guest runs.
	Live bool
}

// ReceiveOptions tune MigrateReceive.
type ReceiveOptions struct {
	// Paused leaves the received domain paused.
	Paused bool
	// Policy, if set, is asked about every host path the incoming config
	// names (disk images, kernels); an error rejects the migration.
	Policy func(path string) error
}

// HostFiles is implemented by toolstacks whose host filesystem is not the
// one xendshim runs on (the simulator's host is simulated). compat layers
// use it, when present, to check kernels and images exist as xend did.
type HostFiles interface {
	// StatHostFile reports whether path exists on the host and its size;
	// ErrNotFound if not.
	StatHostFile(ctx context.Context, path string) (size int64, err error)
	// ReadHostFile returns up to max bytes from the start of path.
	ReadHostFile(ctx context.Context, path string, max int) ([]byte, error)
}

// MediaChanger is implemented by toolstacks that can swap the medium of a
// removable disk (xend's block-configure on a CD-ROM) on a live domain.
type MediaChanger interface {
	// ChangeMedia puts the image at path (the backend's pdev_path, ""
	// to eject) into the removable disk vdev of the domain. ErrNotFound if
	// no such disk, ErrInvalid if it is not removable.
	ChangeMedia(ctx context.Context, id Domid, vdev string, path string) error
}

// KernelNoteReader is implemented by toolstacks that can report the Xen ELF
// notes of a PV guest kernel on the host (XEN_ELFNOTE_*: FEATURES,
// VIRT_BASE, HV_START_LOW, ...). xend showed them in a domain's image
// section; compat layers use it, when present, to do the same, and leave
// the notes out otherwise.
type KernelNoteReader interface {
	// KernelNotes returns the notes of the kernel at path on the host as
	// (NAME, value) pairs in the kernel's order, values as decimal or text
	// as xend printed them; ErrNotFound if there is no such file.
	KernelNotes(ctx context.Context, path string) (KeyValueList, error)
}
