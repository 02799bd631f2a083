package xend

import (
	"context"
	"path/filepath"
	"strconv"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xmlrpc"
)

// New defines an inactive managed domain from xm's SXP config
// (xend.domain.new) and writes it to the store.
func (s *Service) New(ctx context.Context, cfg sxp.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := parseVMConfig(cfg, s.opts.NewUUID)
	if err != nil {
		return err
	}
	snap, err := s.refresh(ctx)
	if err != nil {
		return err
	}
	if other, err := s.find(snap, Name(rec.Name)); err == nil && other.rec.UUID != rec.UUID {
		if other.active() {
			return xendError("VM name '%s' already exists as domain %d", rec.Name, other.info.Domid)
		}
		return xendError("VM name '%s' already exists", rec.Name)
	}
	if old := s.recs[rec.UUID]; old != nil {
		for i := range snap.live {
			if snap.live[i].UUID == rec.UUID {
				return xendError("Domain is already running")
			}
		}
	}
	rec.Managed = true
	// xend read a defined config back through its store, as a long.
	rec.VCPUAvailLong = true
	if err := s.storeSave(rec); err != nil {
		return err
	}
	s.recs[rec.UUID] = rec
	return nil
}

// Start starts an inactive managed domain (xend.domain.start), waits for
// its devices and unpauses it unless paused.
func (s *Service) Start(ctx context.Context, id Ident, paused bool) error {
	s.mu.Lock()
	d, err := s.lookup(ctx, id)
	if err == nil && d.active() {
		err = xendError("Domain is already running")
	}
	var nd *domain
	if err == nil {
		nd, err = s.build(ctx, d.rec)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// Hotplug can take long on a real host: wait without the lock.
	if err := s.ts.WaitForDevices(ctx, nd.info.Domid); err != nil {
		_ = s.ts.Destroy(ctx, nd.info.Domid)
		return xendError("Device could not be connected. Hotplug scripts not working.")
	}
	if !paused {
		if err := s.ts.Unpause(ctx, nd.info.Domid); err != nil {
			return tsErr(err)
		}
	}
	return nil
}

// Delete removes an inactive managed domain and its store entry
// (xend.domain.delete). xend re-wrapped every error as XendError(str(e)),
// so an unknown domain is fault 2 "<Fault 3: 'x'>".
func (s *Service) Delete(ctx context.Context, id Ident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return xendError("%s", FaultOf(err).Error())
	}
	if d.active() || !d.rec.Managed {
		return xendError("Domain is not halted.")
	}
	if err := s.storeDelete(d.rec); err != nil {
		return err
	}
	delete(s.recs, d.rec.UUID)
	delete(s.checkpoints, d.rec.UUID)
	return nil
}

// checkpointPath is where a managed domain is suspended to: xend's
// <domains>/<uuid>/checkpoint.chk, or, when the toolstack's host
// filesystem is not ours (toolstack.HostFiles, the simulator), a file in
// the host's save directory.
func (s *Service) checkpointPath(ctx context.Context, rec *vmRecord) string {
	if _, remote := s.ts.(toolstack.HostFiles); remote {
		dir := "/var/lib/xen/save"
		if hi, err := s.ts.HostInfo(ctx); err == nil && hi.SaveDirectory != "" {
			dir = hi.SaveDirectory
		}
		return filepath.Join(dir, rec.UUID+".chk")
	}
	return filepath.Join(s.opts.DomainsPath, rec.UUID, "checkpoint.chk")
}

// Suspend saves a running managed domain to its store directory
// (xend.domain.suspend).
func (s *Service) Suspend(ctx context.Context, id Ident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "suspend", id); err != nil {
		return err
	}
	if !d.rec.Managed {
		return xendError("Domain is not managed by Xend lifecycle support.")
	}
	if !d.active() {
		return xendError("Domain is not running")
	}
	if err := s.ts.Save(ctx, d.info.Domid, s.checkpointPath(ctx, d.rec), false); err != nil {
		return tsErr(err)
	}
	s.checkpoints[d.rec.UUID] = true
	_, err = s.refresh(ctx)
	return err
}

// Resume restores a suspended managed domain (xend.domain.resume).
func (s *Service) Resume(ctx context.Context, id Ident, paused bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if !d.rec.Managed {
		return xendError("Domain is not managed by Xend lifecycle support.")
	}
	if d.active() {
		return xendError("Domain is already running")
	}
	if !s.checkpoints[d.rec.UUID] {
		return xendError("Domain is not suspended")
	}
	if _, err := s.ts.Restore(ctx, s.checkpointPath(ctx, d.rec), paused); err != nil {
		return tsErr(err)
	}
	delete(s.checkpoints, d.rec.UUID)
	d.rec.Built, d.rec.Refreshed = true, false
	d.rec.Devices = dropClass(d.rec.Devices, "console")
	_, err = s.refresh(ctx)
	return err
}

// Save saves a running domain's state to dst on the host
// (xend.domain.save); unless checkpoint the domain is destroyed after.
func (s *Service) Save(ctx context.Context, id Ident, dst string, checkpoint bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if err := privileged(d, "save", id); err != nil {
		return err
	}
	if !d.active() {
		return xendError("Domain is not running")
	}
	saved := *d.rec
	// The console device is kept: xend's saved config carries it, uuid
	// and all (golden 155-restore).
	saved.Devices = append([]*devRecord(nil), d.rec.Devices...)
	// The save image carries the config as xend printed it: start_time
	// comes back with the 12 digits of Python's str().
	if f, err := strconv.ParseFloat(sxp.Float(saved.StartTime).Text(), 64); err == nil {
		saved.StartTime = f
	}
	if err := s.ts.Save(ctx, d.info.Domid, dst, checkpoint); err != nil {
		return tsErr(err)
	}
	s.saved[dst] = &saved
	_, err = s.refresh(ctx)
	return err
}

// Restore creates a domain from a save image on the host
// (xend.domain.restore) and returns its full record; it is unpaused unless
// paused.
func (s *Service) Restore(ctx context.Context, src string, paused bool) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, err := s.refresh(ctx)
	if err != nil {
		return sxp.Value{}, err
	}
	rec := s.saved[src]
	if rec != nil {
		for i := range snap.live {
			if snap.live[i].Name == rec.Name {
				return sxp.Value{}, xendError("Domain '%s' already exists with ID '%d'", rec.Name, snap.live[i].Domid)
			}
		}
	}
	domid, err := s.ts.Restore(ctx, src, paused)
	if err != nil {
		return sxp.Value{}, s.restoreError(ctx, src, err)
	}
	info, err := s.ts.Domain(ctx, domid)
	if err != nil {
		return sxp.Value{}, tsErr(err)
	}
	if rec == nil {
		rec = s.adopt(ctx, info)
	} else {
		cp := *rec
		rec = &cp
		keys := make([]string, len(rec.Image.Notes))
		vals := map[string]sxp.Value{}
		for i, n := range rec.Image.Notes {
			keys[i] = n.key
			vals[n.key] = n.val
		}
		rec.Image.Restored = true
		rec.VCPUAvailLong = true
		// The notes come back through a dict.
		rec.Image.Notes = nil
		for _, k := range pyDictOrder(keys) {
			rec.Image.Notes = append(rec.Image.Notes, field{k, vals[k]})
		}
	}
	if old := s.recs[info.UUID]; old != nil && old.Managed {
		rec.Managed = true
	}
	rec.Built, rec.Refreshed = true, true
	s.recs[info.UUID] = rec
	s.addConsole(rec)
	return s.sxpr(ctx, &domain{rec: rec, info: info}, true, modeRestored)
}

// restoreError gives xend's texts for a failed restore (§3.4).
func (s *Service) restoreError(ctx context.Context, src string, err error) error {
	switch toolstack.ClassOf(err) {
	case toolstack.ErrNotFound:
		return xendError("can't read guest state file %s: No such file or directory", src)
	case toolstack.ErrInvalid:
		if hf, ok := s.ts.(toolstack.HostFiles); ok {
			if head, herr := hf.ReadHostFile(ctx, src, 16); herr == nil {
				return xendError("not a valid guest state file: found %s", pyStrRepr(string(head)))
			}
		}
		return xendError("Restore failed")
	}
	return tsErr(err)
}

// pyStrRepr is Python's repr of a str.
func pyStrRepr(s string) string {
	q := "'"
	r := xmlrpc.ReprStr(s)
	if len(s) > 0 && containsByte(s, '\'') && !containsByte(s, '"') {
		q = "\""
	}
	return q + r + q
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
