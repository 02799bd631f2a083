package xl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// Save implements toolstack.Toolstack with `xl save [-c]`.
func (b *Backend) Save(ctx context.Context, id toolstack.Domid, path string, checkpoint bool) error {
	const op = "save"
	if err := notDom0(op, id); err != nil {
		return err
	}
	if path == "" || !filepath.IsAbs(path) {
		return fail(toolstack.ErrInvalid, op, id, "save path %q must be absolute", path)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fail(toolstack.ErrNotFound, op, id, "directory %s does not exist", filepath.Dir(path))
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	args := []string{"save"}
	if checkpoint {
		args = append(args, "-c")
	}
	args = append(args, did(id), path)
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	b.ensureGuestUp(ctx, op, id)
	// A PV guest suspends itself when asked through xenstore; paused, it
	// cannot answer ("guest didn't acknowledge suspend"). So a paused
	// domain runs for the save and, after a checkpoint, is paused again.
	repause := false
	if r, err := b.row(ctx, op, id); err == nil && r.State&toolstack.StatePaused != 0 && b.isPV(ctx, id) {
		if _, err := b.xl(ctx, op, id, "unpause", did(id)); err != nil {
			return err
		}
		repause = checkpoint
	}
	res, err := b.xlT(ctx, b.opts.LongTimeout, op, id, args...)
	err = b.retryAfterRun(ctx, op, id, res, err, args)
	if repause {
		if _, perr := b.xl(ctx, op, id, "pause", did(id)); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// retryAfterRun retries a save or dump-core that failed because the PV
// guest's kernel is not up yet: until it runs, its p2m list is not built
// and libxc cannot walk it ("Bad mfn ... p2m", "p2m_size < nr_pages").
// That is the state of a domain created or restored paused, or unpaused a
// moment ago. The domain runs (unpaused if need be) until its kernel
// announces control/feature-suspend in xenstore (at most guestUpLimit), is
// paused again if it was, and the command runs once more. Called with the
// domain's lock held.
func (b *Backend) retryAfterRun(ctx context.Context, op string, id toolstack.Domid, res Result, err error, args []string) error {
	msg := string(res.Stderr)
	if err == nil || !(strings.Contains(msg, "Bad mfn") || strings.Contains(msg, "p2m_size < nr_pages")) {
		return err
	}
	r, rerr := b.row(ctx, op, id)
	if rerr != nil {
		return err
	}
	paused := r.State&toolstack.StatePaused != 0
	b.opts.Logf("xl backend: %s of domain %d failed: its kernel is not up yet; letting it boot and retrying", op, id)
	if paused {
		if _, uerr := b.xl(ctx, op, id, "unpause", did(id)); uerr != nil {
			return err
		}
	}
	b.waitGuestUp(ctx, id)
	if paused {
		select { // let a resumed kernel settle too
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
		}
		if _, perr := b.xl(ctx, op, id, "pause", did(id)); perr != nil {
			return err
		}
	}
	_, err = b.xlT(ctx, b.opts.LongTimeout, op, id, args...)
	return err
}

// ensureGuestUp lets a PV guest whose kernel has not announced itself yet
// (no control/feature-suspend: created or restored paused, or unpaused a
// moment ago) boot before it is saved or dumped, which libxc cannot do
// before the kernel built its p2m list. A paused guest is unpaused for
// that and paused again. Other guests are left alone. Called with the
// domain's lock held.
func (b *Backend) ensureGuestUp(ctx context.Context, op string, id toolstack.Domid) {
	xs := b.store()
	if xs == nil {
		return
	}
	if t, err := xs.Read(ctx, "/libxl/"+did(id)+"/type"); err != nil || t != string(toolstack.TypePV) {
		return
	}
	if v, err := xs.Read(ctx, "/local/domain/"+did(id)+"/control/feature-suspend"); err == nil && v != "" {
		return
	}
	if v, err := xs.Read(ctx, restoredKey(id)); err == nil && v != "" {
		return // restored: its kernel was up when it was saved
	}
	r, err := b.row(ctx, op, id)
	if err != nil {
		return
	}
	paused := r.State&toolstack.StatePaused != 0
	b.opts.Logf("xl backend: %s of domain %d: its kernel is not up yet; letting it boot first", op, id)
	if paused {
		if _, err := b.xl(ctx, op, id, "unpause", did(id)); err != nil {
			return
		}
	}
	b.waitGuestUp(ctx, id)
	if paused {
		_, _ = b.xl(ctx, op, id, "pause", did(id))
	}
}

// isPV reports whether libxl recorded the domain as PV (/libxl/N/type).
func (b *Backend) isPV(ctx context.Context, id toolstack.Domid) bool {
	return b.xsRead(ctx, "/libxl/"+did(id)+"/type") == string(toolstack.TypePV)
}

// guestUpLimit bounds waitGuestUp.
const guestUpLimit = 60 * time.Second

// waitGuestUp waits until the guest kernel wrote control/feature-suspend
// (Linux does when its xenbus is up), at most guestUpLimit; without
// xenstore it waits 2 s.
func (b *Backend) waitGuestUp(ctx context.Context, id toolstack.Domid) {
	xs := b.store()
	if xs == nil {
		select {
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
		}
		return
	}
	deadline := time.Now().Add(guestUpLimit)
	for time.Now().Before(deadline) {
		if v, err := xs.Read(ctx, "/local/domain/"+did(id)+"/control/feature-suspend"); err == nil && v != "" {
			return
		}
		select {
		case <-time.After(250 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

// Restore implements toolstack.Toolstack with `xl restore [-p]`. The
// monitor crash of xl create (exit 3) is tolerated here too.
func (b *Backend) Restore(ctx context.Context, path string, paused bool) (toolstack.Domid, error) {
	const op = "restore"
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fail(toolstack.ErrNotFound, op, nil, "save image %s does not exist", path)
		}
		return 0, wrapClass(toolstack.ErrInvalid, op, nil, err)
	}
	if !st.Mode().IsRegular() {
		return 0, fail(toolstack.ErrInvalid, op, nil, "%s is not a regular file", path)
	}
	if err := checkSaveImage(path); err != nil {
		return 0, wrapClass(toolstack.ErrInvalid, op, nil, err)
	}
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	defer b.cache.invalidate()
	before, err := b.listDomains(ctx, false)
	if err != nil {
		return 0, err
	}
	args := []string{"restore"}
	if paused {
		args = append(args, "-p")
	}
	if b.opts.NoMonitor {
		args = append(args, "-e")
	}
	args = append(args, path)
	res, err := b.xlT(ctx, b.opts.LongTimeout, op, nil, args...)
	if err != nil && !(res.ExitCode == monitorCrashExit && !hasLibxlError(res.Stderr)) {
		return 0, err
	}
	id, lerr := b.findNew(ctx, "", before)
	if lerr != nil {
		if err != nil {
			return 0, err
		}
		return 0, lerr
	}
	if err != nil || b.opts.NoMonitor {
		b.opts.Logf("xl backend: xl restore exited %d but domain %d exists: xl's monitor died; continuing", res.ExitCode, id)
		b.unmon.add(id)
	}
	if xs := b.store(); xs != nil {
		if werr := xs.Write(ctx, restoredKey(id), "1"); werr != nil {
			b.opts.Logf("xl backend: marking domain %d as restored: %v", id, werr)
		}
	}
	return id, nil
}

// restoredKey marks a domain the backend restored. A restored PV kernel
// does not announce control/feature-suspend again, yet it is up and can
// be saved at once; without the mark every save after a restore would
// wait guestUpLimit for an announcement that never comes. It lives in
// libxl's dom0-only directory of the domain, which libxl removes with the
// domain (so a reused domid never inherits it) and which the guest cannot
// write.
func restoredKey(id toolstack.Domid) string { return "/libxl/" + did(id) + "/xendshim-restored" }

// saveMagic starts every xl save image ("Xen saved domain, xl format\n \0 \r").
const saveMagic = "Xen saved domain, xl format\n \x00 \r"

func checkSaveImage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, len(saveMagic))
	if _, err := f.Read(buf); err != nil || string(buf) != saveMagic {
		return errors.New(path + " is not an xl save image (bad magic)")
	}
	return nil
}

// CoreDump implements toolstack.Toolstack with `xl dump-core`; Crash then
// destroys the domain and Reset re-creates it (Reset's rules). Live is
// xl's only mode: dump-core does not pause the domain.
func (b *Backend) CoreDump(ctx context.Context, id toolstack.Domid, path string, opts toolstack.DumpOptions) error {
	const op = "dump-core"
	if err := notDom0(op, id); err != nil {
		return err
	}
	if path == "" || !filepath.IsAbs(path) {
		return fail(toolstack.ErrInvalid, op, id, "core path %q must be absolute", path)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fail(toolstack.ErrNotFound, op, id, "directory %s does not exist", filepath.Dir(path))
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	b.ensureGuestUp(ctx, op, id)
	args := []string{"dump-core", did(id), path}
	res, err := b.xlT(ctx, b.opts.LongTimeout, op, id, args...)
	err = b.retryAfterRun(ctx, op, id, res, err, args)
	unlock()
	if err != nil {
		return err
	}
	switch {
	case opts.Crash:
		return b.Destroy(ctx, id)
	case opts.Reset:
		_, err := b.Reset(ctx, id)
		return err
	}
	return nil
}
