package pvscsi

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
)

// Xenbus states as numbers, for xenstore values.
const (
	stInitialising = int(toolstack.XenbusInitialising)
	stInitWait     = int(toolstack.XenbusInitWait)
	stInitialised  = int(toolstack.XenbusInitialised)
	stConnected    = int(toolstack.XenbusConnected)
	stClosing      = int(toolstack.XenbusClosing)
	stClosed       = int(toolstack.XenbusClosed)
	stReconfig     = int(toolstack.XenbusReconfiguring)
)

// backendPath and frontendPath are a controller's two xenstore directories.
func backendPath(domid uint32, devid int) string {
	return fmt.Sprintf("/local/domain/0/backend/vscsi/%d/%d", domid, devid)
}

func frontendPath(domid uint32, devid int) string {
	return fmt.Sprintf("/local/domain/%d/device/vscsi/%d", domid, devid)
}

// lunNodes are the backend nodes of one LUN, written with state
// Initialising: scsiback adds the LUN and answers Initialised, then
// Connected once the frontend has it, or Closed if it cannot find p-dev.
func lunNodes(be string, e *Entry) [][2]string {
	d := be + "/vscsi-devs/" + e.Node
	return [][2]string{
		{d + "/p-dev", e.Target.pdev()},
		{d + "/p-devname", e.PDevname},
		{d + "/v-dev", e.VDev},
		{d + "/devid", strconv.Itoa(e.Devid)}, // xend wrote it; xm scsi-list shows it
		{d + "/state", strconv.Itoa(stInitialising)},
	}
}

// readState reads a xenbus state node; -1 if absent or not a number.
func readState(ctx context.Context, xs *xenstore.Client, path string) int {
	v, err := xs.Read(ctx, path)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// waitFor polls cond until it returns true or an error, or timeout passes
// (then it returns false and no error).
func waitFor(ctx context.Context, timeout, every time.Duration, cond func() (bool, error)) (bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok || err != nil {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(every):
		}
	}
}

// writeController creates a controller's backend and frontend
// directories with the given LUNs, in one transaction, with the
// permissions libxl gives PV devices: the backend owned by dom0 and
// readable by the guest, the frontend owned by the guest and readable by
// dom0.
func writeController(ctx context.Context, xs *xenstore.Client, domid uint32, devid int, luns []*Entry) error {
	be, fe := backendPath(domid, devid), frontendPath(domid, devid)
	return xs.Transaction(ctx, func(tx *xenstore.Tx) error {
		if err := tx.Mkdir(be); err != nil {
			return err
		}
		if err := tx.SetPerms(be, []xenstore.Perm{{Domid: 0, Access: xenstore.AccessNone}, {Domid: domid, Access: xenstore.AccessRead}}); err != nil {
			return err
		}
		nodes := [][2]string{
			{be + "/frontend", fe},
			{be + "/frontend-id", strconv.FormatUint(uint64(domid), 10)},
			{be + "/online", "1"},
			{be + "/feature-host", "0"},
			{be + "/state", strconv.Itoa(stInitialising)},
		}
		for _, e := range luns {
			nodes = append(nodes, lunNodes(be, e)...)
		}
		for _, kv := range nodes {
			if err := tx.Write(kv[0], kv[1]); err != nil {
				return err
			}
		}
		if err := tx.Mkdir(fe); err != nil {
			return err
		}
		if err := tx.SetPerms(fe, []xenstore.Perm{{Domid: domid, Access: xenstore.AccessNone}, {Domid: 0, Access: xenstore.AccessRead}}); err != nil {
			return err
		}
		for _, kv := range [][2]string{{fe + "/backend", be}, {fe + "/backend-id", "0"}, {fe + "/state", strconv.Itoa(stInitialising)}} {
			if err := tx.Write(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
}

// removeController deletes both directories of a controller, and the
// backend's per-domain directory once it is empty.
func removeController(ctx context.Context, xs *xenstore.Client, domid uint32, devid int) error {
	be, fe := backendPath(domid, devid), frontendPath(domid, devid)
	err := xs.Transaction(ctx, func(tx *xenstore.Tx) error {
		if err := rmIfThere(tx.Rm(fe)); err != nil {
			return err
		}
		return rmIfThere(tx.Rm(be))
	})
	parent := fmt.Sprintf("/local/domain/0/backend/vscsi/%d", domid)
	if left, derr := xs.Directory(ctx, parent); derr == nil && len(left) == 0 {
		_ = xs.Rm(ctx, parent)
	}
	return err
}

func rmIfThere(err error) error {
	if err != nil && xenstore.IsNotFound(err) {
		return nil
	}
	return err
}
