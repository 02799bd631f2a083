package xend

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// DomainsWithState returns the records (non-full, or full with devices) of
// every domain whose power state matches state, sorted bytewise by name
// (xend.domains_with_state, §5.1). state is "all", a power-state name
// (halted paused running suspended crashed unknown, any case) or its number
// "0".."6"; an unknown state gives an empty list. "all", "halted" and
// "suspended" include inactive managed domains. A domain whose record fails
// to render is left out, as xend did.
func (s *Service) DomainsWithState(ctx context.Context, state string, full bool) ([]sxp.Value, error) {
	s.mu.Lock()
	doms, err := s.filter(ctx, state)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	// Render outside the lock, from copies: the toolstack calls for
	// devices dominate, and concurrent listings need not wait.
	for i, d := range doms {
		doms[i] = s.detach(d)
	}
	s.mu.Unlock()
	recs := make([]sxp.Value, len(doms))
	renderAll(len(doms), func(i int) {
		if v, err := s.sxpr(ctx, doms[i], full, modeNormal); err == nil {
			recs[i] = v
		}
	})
	out := recs[:0]
	for _, v := range recs {
		if v.IsValid() { // a record that failed to render is left out
			out = append(out, v)
		}
	}
	return out, nil
}

// renderParallelMin is the list size from which records render on all
// CPUs; below it a goroutine costs more than it saves.
const renderParallelMin = 32

// renderAll runs render(i) for i in [0, n), on up to GOMAXPROCS goroutines
// for long lists.
func renderAll(n int, render func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < renderParallelMin || workers < 2 {
		for i := 0; i < n; i++ {
			render(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				render(i)
			}
		}()
	}
	wg.Wait()
}

// DomainNamesWithState is DomainsWithState without detail: the names only.
func (s *Service) DomainNamesWithState(ctx context.Context, state string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doms, err := s.filter(ctx, state)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(doms))
	for i, d := range doms {
		out[i] = d.rec.Name
	}
	return out, nil
}

// filter returns the domains in a power state. Caller holds s.mu.
func (s *Service) filter(ctx context.Context, state string) ([]*domain, error) {
	snap, err := s.refresh(ctx)
	if err != nil {
		return nil, err
	}
	want := -1
	if state != "all" {
		if n, err := strconv.Atoi(state); err == nil {
			want = n
		} else if n, ok := statusNames[strings.ToLower(state)]; ok {
			want = n
		} else {
			return nil, nil
		}
	}
	var out []*domain
	for _, d := range s.all(snap) {
		if want < 0 || s.status(d) == want {
			out = append(out, d)
		}
	}
	return out, nil
}

// Domain returns the record of one domain (xend.domain, §5.1); full adds
// the device entries. Fault 3 if the identifier matches nothing.
func (s *Service) Domain(ctx context.Context, id Ident, full bool) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return sxp.Value{}, err
	}
	return s.sxpr(ctx, d, full, modeNormal)
}

// Create builds and starts a domain from xm's SXP config (['vm', ...]) and
// returns its full record. The domain is left paused, as xend left it; the
// record is the one xend built before its first refresh (§6.3).
func (s *Service) Create(ctx context.Context, cfg sxp.Value) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := parseVMConfig(cfg, s.opts.NewUUID)
	if err != nil {
		return sxp.Value{}, err
	}
	snap, err := s.refresh(ctx)
	if err != nil {
		return sxp.Value{}, err
	}
	for i := range snap.live {
		if snap.live[i].Name == rec.Name {
			return sxp.Value{}, xendError("Domain '%s' already exists with ID '%d'", rec.Name, snap.live[i].Domid)
		}
	}
	for i := range snap.live {
		if strings.EqualFold(snap.live[i].UUID, rec.UUID) {
			return sxp.Value{}, xendError("VM with UUID %s already exists as domain %s", rec.UUID, snap.live[i].Name)
		}
	}
	if other := s.recs[rec.UUID]; other != nil && other.Managed {
		rec.Managed = true
	}
	d, err := s.build(ctx, rec)
	if err != nil {
		return sxp.Value{}, err
	}
	return s.sxpr(ctx, d, true, modeCreated)
}

// build creates rec's domain on the toolstack, paused, and records it.
// Caller holds s.mu.
func (s *Service) build(ctx context.Context, rec *vmRecord) (*domain, error) {
	assignDevids(rec)
	cfg := toolstackConfig(rec)
	// xend's record rides along in the toolstack's config, so a later
	// xendshim (after a restart) adopts the domain with it.
	cfg.Xend.Other = append(cfg.Xend.Other, toolstack.KeyValue{Key: recordKey, Value: sxp.Show(storeSXP(rec))})
	domid, err := s.ts.Create(ctx, cfg)
	if err != nil {
		return nil, s.createError(rec, err)
	}
	// A PV guest without a kernel boots through the bootloader, which
	// reads the first disk; xend failed here after the domain existed.
	if rec.Image.Type != "hvm" && rec.Image.Kernel == "" {
		if err := s.checkBootDisk(ctx, rec); err != nil {
			_ = s.ts.Destroy(ctx, domid)
			return nil, err
		}
	}
	info, err := s.ts.Domain(ctx, domid)
	if err != nil {
		return nil, xendError("%s", tsText(err))
	}
	if cfg, err := s.ts.DomainConfig(ctx, domid); err == nil {
		learnMACs(rec, cfg)
	}
	rec.UUID = info.UUID
	rec.Built = true
	rec.Refreshed = false
	rec.StartTime = float64(s.opts.Now().UnixMicro()) / 1e6
	if !info.StartTime.IsZero() {
		rec.StartTime = float64(info.StartTime.UnixMicro()) / 1e6
	}
	rec.Image.Notes = s.kernelNotes(ctx, rec)
	rec.Devices = dropClass(rec.Devices, "console")
	s.recs[rec.UUID] = rec
	if rec.Managed {
		if err := s.storeSave(rec); err != nil {
			return nil, err
		}
	}
	return &domain{rec: rec, info: info}, nil
}

// createError turns a toolstack create failure into xend's message.
func (s *Service) createError(rec *vmRecord, err error) error {
	switch toolstack.ClassOf(err) {
	case toolstack.ErrExists:
		return xendError("Domain '%s' already exists", rec.Name)
	case toolstack.ErrNoMemory:
		return xendError("I need %d KiB, but dom0_min_mem is %d and shrinking to %d KiB would leave only %d KiB free.", rec.MaxMem*1024, s.opts.Dom0MinMem*1024, s.opts.Dom0MinMem*1024, 0)
	}
	if rec.Image.Type != "hvm" && rec.Image.Kernel == "" && rec.Bootloader == "" {
		return xendError("Disk isn't accessible")
	}
	return xendError("%s", tsText(err))
}

// checkBootDisk checks the bootloader could read the first disk.
func (s *Service) checkBootDisk(ctx context.Context, rec *vmRecord) error {
	for _, d := range rec.Devices {
		if !isDiskClass(d.Class) {
			continue
		}
		uname := d.text("uname")
		path := uname[strings.IndexByte(uname, ':')+1:]
		if hf, ok := s.ts.(toolstack.HostFiles); ok {
			if _, err := hf.StatHostFile(ctx, path); err != nil {
				return xendError("Disk isn't accessible")
			}
			return nil
		}
		break
	}
	if rec.Bootloader == "" {
		return xendError("Disk isn't accessible")
	}
	return nil
}

// kernelNotes are the image section's ELF notes (§6.4): SUSPEND_CANCEL
// for HVM guests, and for PV guests the kernel's own notes when the
// toolstack can read them (toolstack.KernelNoteReader); none otherwise.
func (s *Service) kernelNotes(ctx context.Context, rec *vmRecord) []field {
	if rec.Image.Type == "hvm" {
		return []field{{"SUSPEND_CANCEL", sxp.Atom("1")}}
	}
	nr, ok := s.ts.(toolstack.KernelNoteReader)
	if !ok || rec.Image.Kernel == "" {
		return nil
	}
	kvs, err := nr.KernelNotes(ctx, rec.Image.Kernel)
	if err != nil {
		return nil
	}
	out := make([]field, len(kvs))
	for i, n := range kvs {
		out[i] = field{n.Key, sxp.Atom(n.Value)}
	}
	return out
}

// assignDevids numbers devices as xend did: vbds by device number, the
// other classes from 0 in order.
func assignDevids(rec *vmRecord) {
	next := map[string]int{}
	for _, d := range rec.Devices {
		if d.Devid >= 0 {
			if d.Devid >= next[d.Class] {
				next[d.Class] = d.Devid + 1
			}
		}
	}
	for _, d := range rec.Devices {
		if d.Devid >= 0 {
			continue
		}
		if isDiskClass(d.Class) {
			d.Devid = vbdDevid(d.text("dev"))
			continue
		}
		d.Devid = next[d.Class]
		next[d.Class]++
	}
}

// learnMACs copies MACs the toolstack generated into the record.
func learnMACs(rec *vmRecord, cfg *toolstack.DomainConfig) {
	i := 0
	for _, d := range rec.Devices {
		if d.Class != "vif" {
			continue
		}
		if i < len(cfg.NICs) && d.text("mac") == "" && cfg.NICs[i].MAC != "" {
			d.set("mac", sxp.Atom(cfg.NICs[i].MAC))
		}
		i++
	}
}

func dropClass(devs []*devRecord, class string) []*devRecord {
	out := devs[:0:0]
	for _, d := range devs {
		if d.Class != class {
			out = append(out, d)
		}
	}
	return out
}

// activeDomain resolves id and insists the domain is live; msg is the
// fault 2 text when it is not.
func (s *Service) activeDomain(ctx context.Context, id Ident, msg string) (*domain, error) {
	d, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !d.active() {
		return nil, xendError("%s", msg)
	}
	return d, nil
}

// tsErr maps a toolstack error from an operation on d to xend's text.
func tsErr(err error) error {
	if err == nil {
		return nil
	}
	var xe *Error
	if errors.As(err, &xe) {
		return err
	}
	return xendError("%s", tsText(err))
}
