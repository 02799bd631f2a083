package xend

import (
	"context"

	"github.com/xendshim/xendshim/xmlrpc"
)

// listRecords is DomainsWithState(ctx, state, full) already encoded for the
// XML-RPC table: the same records, in the same order, as
// encodedRecords(DomainsWithState(...)) gives, with each record taken from
// the record cache when nothing it is rendered from changed (see cache.go).
// If a record cannot be encoded it falls back to the plain path, so the
// encoder answers with the fault it always did.
func (s *Service) listRecords(ctx context.Context, state string, full bool) (any, error) {
	s.mu.Lock()
	doms, err := s.filter(ctx, state)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	for i, d := range doms {
		// A record equal to the cached one need not be copied: the
		// cached copy is never modified and renders the same.
		if e := s.listCache.get(d.rec.UUID); e != nil && d.rec.UUID != dom0UUID && recordsEqual(d.rec, e.in.rec) {
			doms[i] = &domain{rec: e.in.rec, info: d.info, status: s.status(d), statusSet: true}
			continue
		}
		doms[i] = s.detach(d)
	}
	s.mu.Unlock()

	type slot struct {
		enc  *encodedRecord // the record, encoded (cached or fresh)
		skip bool           // the record failed to render: left out
		err  error          // the record cannot be encoded
	}
	slots := make([]slot, len(doms))
	renderAll(len(doms), func(i int) {
		d, sl := doms[i], &slots[i]
		cacheable := d.rec.UUID != dom0UUID
		var in recordInputs
		if cacheable {
			in, cacheable = s.gatherInputs(ctx, d, full)
			if e := s.listCache.get(d.rec.UUID); cacheable && e != nil && sameInputs(&e.in, &in) {
				sl.enc = &e.enc
				return
			}
		}
		v, err := s.sxpr(ctx, d, full, modeNormal)
		if err != nil {
			sl.skip = true // a record that failed to render is left out
			return
		}
		enc, err := encodeItems(v, d.active())
		if err != nil {
			sl.err = err
			return
		}
		sl.enc = &enc
		if cacheable {
			s.listCache.put(d.rec.UUID, &cachedRecord{in: in, enc: enc})
		}
	})

	var b xmlrpc.Builder
	b.Grow(len(doms) * 128) // the fresh bytes only: cached runs are referenced
	out := make([]any, 0, len(doms))
	seen := make(map[string]bool, len(doms))
	for i, sl := range slots {
		seen[doms[i].rec.UUID] = true
		switch {
		case sl.err != nil:
			recs, err := s.DomainsWithState(ctx, state, full)
			return records(recs), err
		case sl.skip:
			continue
		default:
			appendEncoded(&b, sl.enc, doms[i])
		}
		r, err := b.Take()
		if err != nil {
			recs, err := s.DomainsWithState(ctx, state, full)
			return records(recs), err
		}
		out = append(out, r)
	}
	// Forget domains that are gone; a filtered listing sees only some, so
	// it prunes only once the cache has clearly outgrown the host.
	if state == "all" || s.listCache.size() > 2*len(doms)+64 {
		if state != "all" {
			s.mu.Lock()
			for u := range s.recs {
				seen[u] = true
			}
			s.mu.Unlock()
		}
		s.listCache.prune(seen)
	}
	return out, nil
}
