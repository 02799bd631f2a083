package pvscsi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
)

// Options configure a Controller. Only Xenstore is required.
type Options struct {
	// Xenstore is the connection to xenstored.
	Xenstore *xenstore.Client
	// ConfigFS is where configfs is mounted; default /sys/kernel/config.
	ConfigFS string
	// FS performs the configfs operations; default OSFS.
	FS FS
	// SysFS is where sysfs is mounted (to resolve H:C:T:L); default /sys.
	SysFS string
	// DevDir holds the device nodes; default /dev.
	DevDir string
	// StateDir holds the intent journal; default /var/lib/xendshim/pvscsi.
	StateDir string
	// Timeout bounds each wait for the xenbus drivers; default 20 s.
	Timeout time.Duration
	// Poll is the interval between reads of a xenbus state; default 50 ms.
	Poll time.Duration
	// FrontendGrace is how long a new controller waits for the guest's
	// frontend before attach returns with the backend in InitWait (a
	// paused guest, or one without xen-scsifront); default 2 s.
	FrontendGrace time.Duration
	// Logf receives warnings; default discards them.
	Logf func(format string, args ...any)
}

// Controller attaches and detaches PVSCSI LUNs on a real host. It is safe
// for concurrent use; operations run one at a time.
type Controller struct {
	opts Options
	xs   *xenstore.Client
	cfs  configfs
	jr   journal
	res  resolver

	mu sync.Mutex
	// hook, when set (tests), is called after each step of an attach:
	// "journal", "configfs", "xenstore".
	hook func(step string)
}

// New returns a controller. It touches nothing until called.
func New(opts Options) (*Controller, error) {
	if opts.Xenstore == nil {
		return nil, errors.New("pvscsi: no xenstore connection")
	}
	if opts.ConfigFS == "" {
		opts.ConfigFS = "/sys/kernel/config"
	}
	if opts.FS == nil {
		opts.FS = OSFS{}
	}
	if opts.SysFS == "" {
		opts.SysFS = "/sys"
	}
	if opts.DevDir == "" {
		opts.DevDir = "/dev"
	}
	if opts.StateDir == "" {
		opts.StateDir = "/var/lib/xendshim/pvscsi"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = 50 * time.Millisecond
	}
	if opts.FrontendGrace == 0 {
		opts.FrontendGrace = 2 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Controller{opts: opts, xs: opts.Xenstore, cfs: configfs{fs: opts.FS, root: opts.ConfigFS},
		jr: journal{dir: opts.StateDir}, res: resolver{sys: opts.SysFS, dev: opts.DevDir}}, nil
}

func (c *Controller) step(name string) {
	if c.hook != nil {
		c.hook(name)
	}
}

// vmOf returns the domain's /local/domain/N/vm, or "" if it has none.
func (c *Controller) vmOf(ctx context.Context, domid uint32) string {
	v, err := c.xs.Read(ctx, fmt.Sprintf("/local/domain/%d/vm", domid))
	if err != nil {
		return ""
	}
	return v
}

// Attach gives the LUNs of dev to domain domid: to a new controller, or to
// the controller dev.Devid if the domain has it (hot-plug). dev.Devid < 0
// picks the virtual host number of the first LUN, as xend did. On any
// failure every step already taken is undone.
func (c *Controller) Attach(ctx context.Context, domid uint32, dev toolstack.DeviceVSCSI) (toolstack.DeviceRef, error) {
	const op = "vscsi attach"
	ref := toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: dev.Devid}
	switch {
	case domid == 0:
		return ref, toolstack.Errorf(toolstack.ErrInvalid, op, domid, "dom0 cannot be given PVSCSI LUNs")
	case dev.FeatureHost:
		return ref, toolstack.Errorf(toolstack.ErrUnsupported, op, domid, "feature-host (a whole host adapter) is not supported by the upstream xen-scsiback driver; list the LUNs instead")
	case dev.BackendDomid != 0:
		return ref, toolstack.Errorf(toolstack.ErrUnsupported, op, domid, "backend domain %d: only dom0 serves PVSCSI here", dev.BackendDomid)
	case len(dev.LUNs) == 0:
		return ref, toolstack.Errorf(toolstack.ErrInvalid, op, domid, "no LUNs given (want p-dev and v-dev)")
	}
	vdevs := map[string]bool{}
	for _, l := range dev.LUNs {
		h, err := ParseHCTL(l.VDev)
		if err != nil {
			return ref, toolstack.Errorf(toolstack.ErrInvalid, op, domid, "v-dev: %v", err)
		}
		if vdevs[h.String()] {
			return ref, toolstack.Errorf(toolstack.ErrInvalid, op, domid, "v-dev %s is given twice", h)
		}
		vdevs[h.String()] = true
		if ref.Devid < 0 {
			ref.Devid = int(h[0])
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	vm := c.vmOf(ctx, domid)
	if vm == "" {
		return ref, toolstack.Errorf(toolstack.ErrNotFound, op, domid, "no domain %d", domid)
	}
	be := backendPath(domid, ref.Devid)
	state := readState(ctx, c.xs, be+"/state")
	exists := state >= 0
	next := 0
	if exists {
		if !slices.Contains([]int{stInitialising, stInitWait, stConnected}, state) {
			return ref, toolstack.Errorf(toolstack.ErrBadState, op, domid, "controller %d is %s; try again when it is Connected", ref.Devid, toolstack.XenbusState(state))
		}
		nodes, _ := c.xs.Directory(ctx, be+"/vscsi-devs")
		for _, n := range nodes {
			next = max(next, nodeNum(n)+1)
			if v, _ := c.xs.Read(ctx, be+"/vscsi-devs/"+n+"/v-dev"); vdevs[v] {
				return ref, toolstack.Errorf(toolstack.ErrExists, op, domid, "controller %d has a LUN at v-dev %s already", ref.Devid, v)
			}
		}
	}
	journaled, err := c.jr.list()
	if err != nil {
		c.opts.Logf("pvscsi: %v", err)
	}
	var entries []*Entry
	for i, l := range dev.LUNs {
		t, name, err := c.res.resolve(l.PDev)
		if err != nil {
			return ref, toolstack.Errorf(toolstack.ErrNotFound, op, domid, "%v", err)
		}
		for _, j := range journaled {
			if j.Target.Path == t.Path {
				return ref, toolstack.Errorf(toolstack.ErrExists, op, domid, "p-dev %s (%s) is given to domain %d as %s already", l.PDev, t.Path, j.Domid, j.VDev)
			}
		}
		for _, e := range entries {
			if e.Target.Path == t.Path {
				return ref, toolstack.Errorf(toolstack.ErrInvalid, op, domid, "p-dev %s is given twice", l.PDev)
			}
		}
		h, _ := ParseHCTL(l.VDev)
		t.Tag = newTag()
		entries = append(entries, &Entry{Domid: domid, VM: vm, Devid: ref.Devid, VDev: h.String(), PDev: l.PDev, PDevname: name,
			Node: "dev-" + strconv.Itoa(next+i), NewController: !exists, Target: t, Phase: PhaseConfigfs})
	}

	// 1-2: journal, then kernel targets.
	var made []*Entry
	undoTargets := func(cause error) error {
		var errs []error
		for _, e := range slices.Backward(made) {
			if err := c.cfs.destroy(e.Target); err != nil {
				errs = append(errs, err)
				continue // the journal keeps it for Reconcile
			}
			if err := c.jr.drop(e.Target.Tag); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%w (undo incomplete, Reconcile will finish it: %v)", cause, errors.Join(errs...))
		}
		return cause
	}
	for _, e := range entries {
		if err := c.jr.put(e); err != nil {
			return ref, undoTargets(toolstack.Errorf(toolstack.ErrBadState, op, domid, "%v", err))
		}
		made = append(made, e)
		c.step("journal")
		if err := c.cfs.create(e.Target); err != nil {
			return ref, undoTargets(toolstack.Errorf(toolstack.ErrBadState, op, domid, "exporting %s: %v", e.PDev, err))
		}
		c.step("configfs")
	}
	for _, e := range entries {
		e.Phase = PhaseXenstore
		if err := c.jr.put(e); err != nil {
			return ref, undoTargets(toolstack.Errorf(toolstack.ErrBadState, op, domid, "%v", err))
		}
	}

	// 3-4: xenstore nodes and the xenbus state machine.
	fail := func(class error, format string, args ...any) (toolstack.DeviceRef, error) {
		cause := toolstack.Errorf(class, op, domid, format, args...)
		var uerr error
		if !exists {
			uerr = c.closeController(ctx, domid, ref.Devid, true)
		} else {
			uerr = c.closeLUNs(ctx, domid, ref.Devid, entries, true)
		}
		if uerr != nil {
			c.opts.Logf("pvscsi: undoing attach of controller %d of domain %d: %v", ref.Devid, domid, uerr)
		}
		return ref, undoTargets(cause)
	}
	if !exists {
		err = writeController(ctx, c.xs, domid, ref.Devid, entries)
	} else {
		err = c.xs.Transaction(ctx, func(tx *xenstore.Tx) error {
			for _, e := range entries {
				for _, kv := range lunNodes(be, e) {
					if err := tx.Write(kv[0], kv[1]); err != nil {
						return err
					}
				}
			}
			if state == stConnected {
				return tx.Write(be+"/state", strconv.Itoa(stReconfig))
			}
			return nil
		})
	}
	if err != nil {
		return fail(toolstack.ErrBadState, "writing xenstore: %v", err)
	}
	c.step("xenstore")
	if err := c.waitAttached(ctx, domid, ref.Devid, entries, exists, state); err != nil {
		return fail(toolstack.ErrBadState, "%v", err)
	}
	for _, e := range entries {
		e.Phase = PhaseExported
		if err := c.jr.put(e); err != nil {
			return fail(toolstack.ErrBadState, "%v", err)
		}
	}
	return ref, nil
}

// waitAttached drives the xenbus handshake of an attach to its end.
func (c *Controller) waitAttached(ctx context.Context, domid uint32, devid int, entries []*Entry, existed bool, was int) error {
	be := backendPath(domid, devid)
	lunStates := func() ([]int, error) {
		var st []int
		for _, e := range entries {
			s := readState(ctx, c.xs, be+"/vscsi-devs/"+e.Node+"/state")
			if s == stClosed {
				return nil, fmt.Errorf("xen-scsiback refused LUN %s (p-dev %s = %s): see dom0's kernel log", e.VDev, e.PDev, e.Target.pdev())
			}
			st = append(st, s)
		}
		return st, nil
	}
	switch {
	case !existed:
		// xen-scsiback answers InitWait; with a frontend present the
		// handshake goes on to Connected with every LUN added.
		start := time.Now()
		ok, err := waitFor(ctx, c.opts.Timeout, c.opts.Poll, func() (bool, error) {
			bs := readState(ctx, c.xs, be+"/state")
			if bs == stClosing || bs == stClosed {
				return false, fmt.Errorf("xen-scsiback closed controller %d (state %s)", devid, toolstack.XenbusState(bs))
			}
			if bs == stInitWait && readState(ctx, c.xs, frontendPath(domid, devid)+"/state") <= stInitialising {
				// no frontend (yet; a paused guest, or one without
				// xen-scsifront): LUNs are added when it comes
				return time.Since(start) >= c.opts.FrontendGrace, nil
			}
			if bs != stConnected {
				return false, nil
			}
			st, err := lunStates()
			if err != nil {
				return false, err
			}
			return !slices.ContainsFunc(st, func(s int) bool { return s != stConnected }), nil
		})
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("xen-scsiback did not take controller %d within %s (backend state %s; is the xen-scsiback module loaded?)",
				devid, c.opts.Timeout, toolstack.XenbusState(max(0, readState(ctx, c.xs, be+"/state"))))
		}
	case was == stConnected:
		ok, err := waitFor(ctx, c.opts.Timeout, c.opts.Poll, func() (bool, error) {
			st, err := lunStates()
			if err != nil {
				return false, err
			}
			done := !slices.ContainsFunc(st, func(s int) bool { return s != stConnected })
			return done && readState(ctx, c.xs, be+"/state") == stConnected, nil
		})
		if err != nil {
			return err
		}
		if !ok {
			st, _ := lunStates()
			return fmt.Errorf("the guest did not take the LUNs within %s (LUN states %v, controller %s; is xen-scsifront loaded in the guest?)",
				c.opts.Timeout, st, toolstack.XenbusState(max(0, readState(ctx, c.xs, be+"/state"))))
		}
	}
	return nil
}

// Detach removes a LUN (ref.Sub = its v-dev) or a whole controller
// (ref.Sub empty) from domain domid; removing the last LUN removes the
// controller, as xend did. The guest is asked to let go first (Closing
// through the xenbus handshake); if it does not answer within the
// timeout, or force is set, the devices are removed anyway.
func (c *Controller) Detach(ctx context.Context, domid uint32, ref toolstack.DeviceRef, force bool) error {
	const op = "vscsi detach"
	c.mu.Lock()
	defer c.mu.Unlock()
	all, err := c.jr.list()
	if err != nil {
		c.opts.Logf("pvscsi: %v", err)
	}
	var ctrl, sel []*Entry
	for _, e := range all {
		if e.Domid == domid && e.Devid == ref.Devid {
			ctrl = append(ctrl, e)
			if ref.Sub == "" || e.VDev == ref.Sub {
				sel = append(sel, e)
			}
		}
	}
	if ref.Sub != "" {
		if h, err := ParseHCTL(ref.Sub); err != nil {
			return toolstack.Errorf(toolstack.ErrInvalid, op, domid, "v-dev: %v", err)
		} else if len(sel) == 0 {
			return toolstack.Errorf(toolstack.ErrNotFound, op, domid, "controller %d has no LUN at v-dev %s", ref.Devid, h)
		}
	}
	if len(ctrl) == 0 {
		if readState(ctx, c.xs, backendPath(domid, ref.Devid)+"/state") >= 0 {
			return toolstack.Errorf(toolstack.ErrUnsupported, op, domid, "vscsi controller %d was not made by xendshim (no journal record in %s); remove it with the tool that made it", ref.Devid, c.opts.StateDir)
		}
		return toolstack.Errorf(toolstack.ErrNotFound, op, domid, "no vscsi controller %d", ref.Devid)
	}
	if err := c.remove(ctx, domid, ref.Devid, sel, len(sel) == len(ctrl), force); err != nil {
		return toolstack.Errorf(toolstack.ErrBadState, op, domid, "%v", err)
	}
	return nil
}

// remove takes sel out of xenstore and configfs and drops their journal
// records; whole removes the controller too. Records are marked removing
// first, so that a crash part way is finished by Reconcile.
func (c *Controller) remove(ctx context.Context, domid uint32, devid int, sel []*Entry, whole, force bool) error {
	var errs []error
	for _, e := range sel {
		if e.Phase != PhaseRemoving {
			e.Phase = PhaseRemoving
			if err := c.jr.put(e); err != nil {
				return err
			}
		}
	}
	if whole {
		errs = append(errs, c.closeController(ctx, domid, devid, force))
	} else {
		errs = append(errs, c.closeLUNs(ctx, domid, devid, sel, force))
	}
	if err := errors.Join(errs...); err != nil {
		return err // keep the kernel targets while xenstore still names them
	}
	for _, e := range sel {
		if err := c.cfs.destroy(e.Target); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := c.jr.drop(e.Target.Tag); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// closeController asks the guest to close the controller (online 0,
// state Closing), waits for Closed unless force or nobody is connected,
// and deletes both directories.
func (c *Controller) closeController(ctx context.Context, domid uint32, devid int, force bool) error {
	be, fe := backendPath(domid, devid), frontendPath(domid, devid)
	bs := readState(ctx, c.xs, be+"/state")
	if bs >= 0 {
		err := c.xs.Transaction(ctx, func(tx *xenstore.Tx) error {
			if err := tx.Write(be+"/online", "0"); err != nil {
				return err
			}
			return tx.Write(be+"/state", strconv.Itoa(stClosing))
		})
		if err != nil {
			return fmt.Errorf("closing controller %d: %w", devid, err)
		}
		fs := readState(ctx, c.xs, fe+"/state")
		if !force && (fs >= stInitialised && fs <= stConnected || fs == stReconfig) {
			ok, _ := waitFor(ctx, c.opts.Timeout, c.opts.Poll, func() (bool, error) {
				s := readState(ctx, c.xs, fe+"/state")
				return s < 0 || s == stClosed || readState(ctx, c.xs, be+"/state") == stClosed, nil
			})
			if !ok {
				c.opts.Logf("pvscsi: domain %d did not close vscsi controller %d within %s; removing it anyway", domid, devid, c.opts.Timeout)
			}
		}
	}
	if err := removeController(ctx, c.xs, domid, devid); err != nil {
		return fmt.Errorf("removing controller %d from xenstore: %w", devid, err)
	}
	return nil
}

// closeLUNs takes LUNs out of a controller that keeps others: each LUN's
// state goes to Closing and the controller to Reconfiguring, so that the
// guest drops the disks and scsiback its translation; then the nodes go.
func (c *Controller) closeLUNs(ctx context.Context, domid uint32, devid int, sel []*Entry, force bool) error {
	be := backendPath(domid, devid)
	bs := readState(ctx, c.xs, be+"/state")
	var live []*Entry
	for _, e := range sel {
		if s := readState(ctx, c.xs, be+"/vscsi-devs/"+e.Node+"/state"); s >= stInitialised && s <= stConnected {
			live = append(live, e)
		}
	}
	if bs == stConnected && len(live) > 0 {
		err := c.xs.Transaction(ctx, func(tx *xenstore.Tx) error {
			for _, e := range live {
				if err := tx.Write(be+"/vscsi-devs/"+e.Node+"/state", strconv.Itoa(stClosing)); err != nil {
					return err
				}
			}
			return tx.Write(be+"/state", strconv.Itoa(stReconfig))
		})
		if err != nil {
			return fmt.Errorf("closing LUNs of controller %d: %w", devid, err)
		}
		if !force {
			ok, _ := waitFor(ctx, c.opts.Timeout, c.opts.Poll, func() (bool, error) {
				for _, e := range live {
					if s := readState(ctx, c.xs, be+"/vscsi-devs/"+e.Node+"/state"); s >= 0 && s != stClosed {
						return false, nil
					}
				}
				return readState(ctx, c.xs, be+"/state") == stConnected, nil
			})
			if !ok {
				c.opts.Logf("pvscsi: domain %d did not release LUNs of vscsi controller %d within %s; removing them anyway", domid, devid, c.opts.Timeout)
			}
		}
	}
	fe := frontendPath(domid, devid)
	err := c.xs.Transaction(ctx, func(tx *xenstore.Tx) error {
		for _, e := range sel {
			// the frontend keeps its own state of each LUN: both go
			if err := rmIfThere(tx.Rm(be + "/vscsi-devs/" + e.Node)); err != nil {
				return err
			}
			if err := rmIfThere(tx.Rm(fe + "/vscsi-devs/" + e.Node)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("removing LUNs of controller %d from xenstore: %w", devid, err)
	}
	return nil
}

// List returns the vscsi controllers of domain domid as xenstore shows
// them, with the p-dev each LUN was asked for (from the journal). Besides
// the top-level nodes, Backend holds each LUN's nodes and Frontend each
// LUN's frontend state, keyed "vscsi-devs/dev-N/<node>": what xend's
// scsi-list reply (VSCSIController.sxprs) is made of.
func (c *Controller) List(ctx context.Context, domid uint32) ([]toolstack.DeviceState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids, err := c.xs.Directory(ctx, fmt.Sprintf("/local/domain/0/backend/vscsi/%d", domid))
	if err != nil {
		if xenstore.IsNotFound(err) {
			return nil, nil
		}
		return nil, toolstack.Errorf(toolstack.ErrBadState, "vscsi list", domid, "%v", err)
	}
	all, _ := c.jr.list()
	asked := map[string]string{}
	for _, e := range all {
		if e.Domid == domid {
			asked[strconv.Itoa(e.Devid)+"/"+e.Node] = e.PDev
		}
	}
	var out []toolstack.DeviceState
	for _, sid := range ids {
		devid, err := strconv.Atoi(sid)
		if err != nil {
			continue
		}
		be, fe := backendPath(domid, devid), frontendPath(domid, devid)
		d := toolstack.DeviceState{Class: toolstack.ClassVSCSI, Devid: devid, BackendPath: be, FrontendPath: fe}
		d.Backend = c.flat(ctx, be)
		d.Frontend = c.flat(ctx, fe)
		d.BackendState = toolstack.XenbusState(max(0, readState(ctx, c.xs, be+"/state")))
		d.FrontendState = toolstack.XenbusState(max(0, readState(ctx, c.xs, fe+"/state")))
		v := &toolstack.DeviceVSCSI{Devid: devid}
		fh, _ := c.xs.Read(ctx, be+"/feature-host")
		v.FeatureHost = fh == "1"
		nodes, _ := c.xs.Directory(ctx, be+"/vscsi-devs")
		slices.SortFunc(nodes, func(a, b string) int { return nodeNum(a) - nodeNum(b) })
		for _, n := range nodes {
			dir := be + "/vscsi-devs/" + n
			l := toolstack.VSCSILUN{}
			l.VDev, _ = c.xs.Read(ctx, dir+"/v-dev")
			l.PDevname, _ = c.xs.Read(ctx, dir+"/p-devname")
			l.PDev = asked[sid+"/"+n]
			if l.PDev == "" {
				l.PDev, _ = c.xs.Read(ctx, dir+"/p-dev")
			}
			v.LUNs = append(v.LUNs, l)
			// per-LUN nodes, flattened, for xend's scsi-list shape
			// (each LUN's backend state and devid, and the frontend's
			// state of it). p-dev is the host device as it was asked
			// for (/dev/sdX or H:C:T:L), as xend's backend node held
			// it; upstream scsiback's node holds the target's
			// "naa.…:lun" name instead, which no xend client knows.
			for _, k := range []string{"p-dev", "p-devname", "v-dev", "devid", "state"} {
				if val, err := c.xs.Read(ctx, dir+"/"+k); err == nil {
					if k == "p-dev" && l.PDev != "" {
						val = l.PDev
					}
					d.Backend = append(d.Backend, toolstack.KeyValue{Key: "vscsi-devs/" + n + "/" + k, Value: val})
				}
			}
			if val, err := c.xs.Read(ctx, fe+"/vscsi-devs/"+n+"/state"); err == nil {
				d.Frontend = append(d.Frontend, toolstack.KeyValue{Key: "vscsi-devs/" + n + "/state", Value: val})
			}
		}
		d.Config = toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: v}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b toolstack.DeviceState) int { return a.Devid - b.Devid })
	return out, nil
}

// flat reads the values directly in dir.
func (c *Controller) flat(ctx context.Context, dir string) toolstack.KeyValueList {
	names, err := c.xs.Directory(ctx, dir)
	if err != nil {
		return nil
	}
	var l toolstack.KeyValueList
	for _, n := range names {
		if v, err := c.xs.Read(ctx, dir+"/"+n); err == nil && v != "" {
			l = append(l, toolstack.KeyValue{Key: n, Value: v})
		}
	}
	return l
}

// Report says what Reconcile did, one line per LUN or object.
type Report struct {
	Kept     []string // exported LUNs of live domains
	Undone   []string // attaches that had not finished
	Finished []string // detaches that had not finished
	Gone     []string // LUNs of domains that no longer exist
	Orphans  []string // xendshim's configfs objects with no journal record
}

// Reconcile brings the host in line with the journal; call it when
// xendshim starts, before serving. An attach that had not finished is
// undone (xenstore nodes, then kernel target), a detach that had begun
// is finished, the LUNs of domains that are gone are torn down, and
// kernel objects named as xendshim names them but with no journal
// record are removed. No LUN is left half exported.
func (c *Controller) Reconcile(ctx context.Context) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rep Report
	all, jerr := c.jr.list()
	errs := []error{jerr}
	type key struct {
		domid uint32
		devid int
	}
	groups := map[key][]*Entry{}
	var order []key
	known := map[string]bool{}
	for _, e := range all {
		k := key{e.Domid, e.Devid}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
		known[e.Target.Tag] = true
	}
	for _, k := range order {
		ents := groups[k]
		label := func(e *Entry) string {
			return fmt.Sprintf("domain %d vscsi %d %s <- %s (%s)", e.Domid, e.Devid, e.VDev, e.PDev, e.Phase)
		}
		vm := c.vmOf(ctx, k.domid)
		if vm == "" || vm != ents[0].VM {
			if err := c.remove(ctx, k.domid, k.devid, ents, true, true); err != nil {
				errs = append(errs, err)
			}
			for _, e := range ents {
				rep.Gone = append(rep.Gone, label(e))
			}
			continue
		}
		var sel []*Entry
		for _, e := range ents {
			if e.Phase == PhaseExported {
				rep.Kept = append(rep.Kept, label(e))
				continue
			}
			sel = append(sel, e)
			if e.Phase == PhaseRemoving {
				rep.Finished = append(rep.Finished, label(e))
			} else {
				rep.Undone = append(rep.Undone, label(e))
			}
		}
		if len(sel) == 0 {
			continue
		}
		if err := c.remove(ctx, k.domid, k.devid, sel, len(sel) == len(ents), false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, t := range c.cfs.orphans() {
		if known[t.Tag] {
			continue
		}
		if err := c.cfs.destroy(t); err != nil {
			errs = append(errs, err)
		}
		rep.Orphans = append(rep.Orphans, t.wwn())
	}
	if err := errors.Join(errs...); err != nil {
		return rep, fmt.Errorf("pvscsi reconcile: %w", err)
	}
	return rep, nil
}

// DomainGone tears down every LUN of domain domid at once (no handshake:
// the guest is gone). Call it after destroying a domain; Watch calls it
// for domains it sees go.
func (c *Controller) DomainGone(ctx context.Context, domid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, _ := c.jr.list()
	byDev := map[int][]*Entry{}
	var devids []int
	for _, e := range all {
		if e.Domid == domid {
			if byDev[e.Devid] == nil {
				devids = append(devids, e.Devid)
			}
			byDev[e.Devid] = append(byDev[e.Devid], e)
		}
	}
	var errs []error
	for _, d := range devids {
		errs = append(errs, c.remove(ctx, domid, d, byDev[d], true, true))
	}
	if err := errors.Join(errs...); err != nil {
		return toolstack.Errorf(toolstack.ErrBadState, "vscsi teardown", domid, "%v", err)
	}
	return nil
}

// sweep tears down the LUNs of every journaled domain that is gone.
func (c *Controller) sweep(ctx context.Context) {
	all, _ := c.jr.list()
	seen := map[uint32]bool{}
	for _, e := range all {
		if seen[e.Domid] {
			continue
		}
		seen[e.Domid] = true
		if vm := c.vmOf(ctx, e.Domid); vm == "" || vm != e.VM {
			if err := c.DomainGone(ctx, e.Domid); err != nil {
				c.opts.Logf("pvscsi: %v", err)
			}
		}
	}
}

// Watch tears down the LUNs of domains as they go (xenstore's
// @releaseDomain), until ctx ends.
func (c *Controller) Watch(ctx context.Context) error {
	w, err := c.xs.Watch(ctx, "@releaseDomain")
	if err != nil {
		return fmt.Errorf("pvscsi: watching @releaseDomain: %w", err)
	}
	defer w.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-w.Events():
			if !ok {
				return errors.New("pvscsi: xenstore watch ended")
			}
			c.sweep(ctx)
		}
	}
}
