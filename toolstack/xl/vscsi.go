package xl

import (
	"context"
	"os"
	"sync"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xl/pvscsi"
)

// PVSCSI: xl has no vscsi device class, so the backend hands it to
// pvscsi.Controller, which exports LUNs through the kernel target
// framework and xen-scsiback and writes the xenstore nodes itself.

// vscsiState is one backend's PVSCSI controller. Backend has no field for
// it (the controller came later than the backend), so it is kept in
// vscsiStates keyed by the backend.
type vscsiState struct {
	mu  sync.Mutex
	ctl *pvscsi.Controller
}

var vscsiStates sync.Map // *Backend -> *vscsiState

func (b *Backend) vscsiState() *vscsiState {
	v, _ := vscsiStates.LoadOrStore(b, &vscsiState{})
	return v.(*vscsiState)
}

// EnablePVSCSI starts the backend's PVSCSI controller with opts (its
// Xenstore is filled in from the backend), reconciles the host with the
// controller's journal (finishing or undoing what a crash interrupted,
// tearing down the LUNs of domains that are gone) and watches for
// domains going away. Call it once when xendshim starts; without it the
// first vscsi call enables the controller with the default options.
func (b *Backend) EnablePVSCSI(ctx context.Context, opts pvscsi.Options) (pvscsi.Report, error) {
	st := b.vscsiState()
	st.mu.Lock()
	defer st.mu.Unlock()
	return b.enableLocked(ctx, st, opts)
}

func (b *Backend) enableLocked(ctx context.Context, st *vscsiState, opts pvscsi.Options) (pvscsi.Report, error) {
	const op = "pvscsi"
	if st.ctl != nil {
		return pvscsi.Report{}, nil
	}
	xs := b.store()
	if xs == nil {
		return pvscsi.Report{}, fail(toolstack.ErrUnsupported, op, nil, "PVSCSI needs xenstore, which is not reachable")
	}
	opts.Xenstore = xs
	if opts.Logf == nil {
		opts.Logf = b.opts.Logf
	}
	ctl, err := pvscsi.New(opts)
	if err != nil {
		return pvscsi.Report{}, wrapClass(toolstack.ErrUnsupported, op, nil, err)
	}
	rep, err := ctl.Reconcile(ctx)
	if err != nil {
		b.opts.Logf("xl backend: %v", err)
	}
	for _, l := range [][]string{rep.Undone, rep.Finished, rep.Gone, rep.Orphans} {
		for _, s := range l {
			b.opts.Logf("xl backend: pvscsi reconcile: removed %s", s)
		}
	}
	go func() {
		if err := ctl.Watch(context.Background()); err != nil {
			b.opts.Logf("xl backend: %v", err)
		}
	}()
	st.ctl = ctl
	return rep, nil
}

// vscsi returns the controller, enabling it with the defaults on a host
// that has the kernel target framework.
func (b *Backend) vscsi(ctx context.Context) (*pvscsi.Controller, error) {
	st := b.vscsiState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ctl == nil {
		if _, err := os.Stat("/sys/kernel/config/target"); err != nil {
			return nil, fail(toolstack.ErrUnsupported, "pvscsi", nil,
				"this host has no kernel SCSI target framework in /sys/kernel/config/target (modprobe target_core_iblock target_core_file xen-scsiback)")
		}
		if _, err := b.enableLocked(ctx, st, pvscsi.Options{}); err != nil {
			return nil, err
		}
	}
	return st.ctl, nil
}

// addVSCSI attaches a vscsi controller's LUNs (AddDevice).
func (b *Backend) addVSCSI(ctx context.Context, id toolstack.Domid, dev toolstack.Device) (toolstack.DeviceRef, error) {
	ref := toolstack.DeviceRef{Class: toolstack.ClassVSCSI}
	if dev.VSCSI == nil {
		return ref, fail(toolstack.ErrInvalid, "device add vscsi", id, "no vscsi controller given")
	}
	ctl, err := b.vscsi(ctx)
	if err != nil {
		return ref, err
	}
	return ctl.Attach(ctx, uint32(id), *dev.VSCSI)
}

// removeVSCSI detaches a LUN (ref.Sub) or a whole controller (RemoveDevice).
func (b *Backend) removeVSCSI(ctx context.Context, id toolstack.Domid, ref toolstack.DeviceRef, force bool) error {
	ctl, err := b.vscsi(ctx)
	if err != nil {
		return err
	}
	return ctl.Detach(ctx, uint32(id), ref, force)
}

// vscsiDevices lists the domain's vscsi controllers (Devices); nothing
// when the controller is not enabled and cannot be.
func (b *Backend) vscsiDevices(ctx context.Context, id toolstack.Domid) []toolstack.DeviceState {
	st := b.vscsiState()
	st.mu.Lock()
	ctl := st.ctl
	st.mu.Unlock()
	if ctl == nil {
		// no controller yet: only list controllers xenstore shows
		xs := b.store()
		if xs == nil {
			return nil
		}
		if ids, err := xs.Directory(ctx, "/local/domain/0/backend/vscsi/"+did(id)); err != nil || len(ids) == 0 {
			return nil
		}
		var err error
		if ctl, err = b.vscsi(ctx); err != nil {
			return nil
		}
	}
	devs, err := ctl.List(ctx, uint32(id))
	if err != nil {
		b.opts.Logf("xl backend: %v", err)
	}
	return devs
}

// vscsiGone tears down the PVSCSI LUNs of a destroyed domain.
func (b *Backend) vscsiGone(ctx context.Context, id toolstack.Domid) {
	st := b.vscsiState()
	st.mu.Lock()
	ctl := st.ctl
	st.mu.Unlock()
	if ctl == nil {
		return
	}
	if err := ctl.DomainGone(ctx, uint32(id)); err != nil {
		b.opts.Logf("xl backend: %v", err)
	}
}

// createVSCSIs attaches the vscsi controllers of a config to the domain
// Create just built (paused: the guest's frontend connects when it runs).
// If one fails, the domain is destroyed, so that Create either builds the
// whole domain or nothing.
func (b *Backend) createVSCSIs(ctx context.Context, id toolstack.Domid, cfg *toolstack.DomainConfig) error {
	if cfg.Xend == nil || len(cfg.Xend.VSCSIs) == 0 {
		return nil
	}
	var err error
	for _, v := range cfg.Xend.VSCSIs {
		if _, err = b.addVSCSI(ctx, id, toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: &v}); err != nil {
			break
		}
	}
	if err == nil {
		return nil
	}
	b.vscsiGone(ctx, id)
	if _, derr := b.xl(ctx, "create", id, "destroy", did(id)); derr != nil {
		b.opts.Logf("xl backend: destroying domain %d after its vscsi attach failed: %v", id, derr)
	}
	b.cache.invalidate()
	return err
}
