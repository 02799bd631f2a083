package xend

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xmlrpc"
)

// The record cache keeps, per domain, the XML-RPC text of its last listed
// record together with everything that record was rendered from: xend's
// record (a detached copy), the power state, the hypervisor's facts about
// the domain, and what the toolstack said about its devices, console and
// display. A listing asks the toolstack exactly what rendering would ask;
// when every input is equal to the cached one, the cached text is used, with
// only cpu_time (which moves on every call on a running host) encoded anew.
// Any difference, however small, renders the record again. dom0's record is
// never cached: its vCPU affinity comes from live vCPU data.

// recordCache maps a domain's UUID to its cached record. The zero value is
// ready to use.
type recordCache struct {
	mu sync.Mutex
	m  map[string]*cachedRecord
}

// cachedRecord is one rendered record and the inputs it was rendered from.
// It is never modified once stored.
type cachedRecord struct {
	in recordInputs
	// enc is the encoded record: its top-level items (vcpu_avail already
	// dropped) as the run before cpu_time and the run after it.
	enc encodedRecord
}

// encodedRecord is a record's top-level items, encoded: runs of cached
// items with, between them, the slots whose value moves while a domain
// runs and is encoded fresh on every listing (cpu_time, and state with its
// running/blocked flags). runs has one more element than slots.
type encodedRecord struct {
	runs  []xmlrpc.Raw
	slots []dynamicItem
}

// dynamicItem names an item of a record encoded fresh from the domain info.
type dynamicItem int

const (
	itemCPUTime dynamicItem = iota // (cpu_time <seconds>)
	itemState                      // (state <flags>)
)

// recordInputs is everything sxpr reads for one record in modeNormal.
type recordInputs struct {
	rec    *vmRecord
	status int
	full   bool
	active bool
	// info is the domain's DomainInfo without what moves while it runs
	// (see infoKey).
	info    toolstack.DomainInfo
	devs    []toolstack.DeviceState
	devsOK  bool
	console toolstack.ConsoleInfo
	conOK   bool
	vnc     toolstack.VNCEndpoint
	vncOK   bool
}

func (c *recordCache) get(uuid string) *cachedRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[uuid]
}

func (c *recordCache) put(uuid string, e *cachedRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*cachedRecord{}
	}
	c.m[uuid] = e
}

// prune forgets every domain not in keep.
func (c *recordCache) prune(keep map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for u := range c.m {
		if !keep[u] {
			delete(c.m, u)
		}
	}
}

// size returns the number of cached records.
func (c *recordCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// infoKey returns info without the fields that change while a domain runs
// and that the cache encodes fresh (cpu_time, the state flags: the power
// state they give is keyed as status) or never reads from the cache (the
// per-vCPU data, used for dom0 only).
func infoKey(info *toolstack.DomainInfo) toolstack.DomainInfo {
	k := *info
	k.CPUTime = 0
	k.State = 0
	k.VCPUs = nil
	return k
}

// gatherInputs asks the toolstack what rendering d would ask it, under the
// same conditions. ok is false when the record cannot be cached this time
// (a toolstack error other than "no devices").
func (s *Service) gatherInputs(ctx context.Context, d *domain, full bool) (in recordInputs, ok bool) {
	in = recordInputs{rec: d.rec, status: d.status, full: full, active: d.active()}
	if !d.active() {
		return in, true
	}
	in.info = infoKey(d.info)
	if !full {
		return in, true
	}
	states, err := s.ts.Devices(ctx, d.info.Domid, "")
	switch {
	case err == nil:
		in.devs, in.devsOK = states, true
	case toolstack.ClassOf(err) != toolstack.ErrNotFound:
		return in, false
	}
	var hasConsole, hasVFB bool
	for _, dev := range d.rec.Devices {
		hasConsole = hasConsole || dev.Class == "console"
		hasVFB = hasVFB || dev.Class == "vfb"
	}
	if hasConsole {
		ci, err := s.ts.Console(ctx, d.info.Domid)
		in.console, in.conOK = ci, err == nil
	}
	if hasVFB && !s.opts.StrictXend {
		ep, err := s.ts.VNC(ctx, d.info.Domid)
		in.vnc, in.vncOK = ep, err == nil
	}
	return in, true
}

// sameInputs reports whether a and b render the same record.
func sameInputs(a, b *recordInputs) bool {
	return a.status == b.status && a.full == b.full && a.active == b.active &&
		a.devsOK == b.devsOK && a.conOK == b.conOK && a.vncOK == b.vncOK &&
		a.console == b.console && a.vnc == b.vnc &&
		infosEqual(&a.info, &b.info) && deviceStatesEqual(a.devs, b.devs) &&
		recordsEqual(a.rec, b.rec)
}

// encodeItems encodes the top-level items of a rendered record for the
// cache, dropping vcpu_avail as fixupSXPR does, and leaves slots for the
// items of an active domain that move: the first (cpu_time <float>), and
// (state <flags>) right after (status <int>), where sxpr puts them.
func encodeItems(v sxp.Value, active bool) (encodedRecord, error) {
	var b xmlrpc.Builder
	var enc encodedRecord
	prevStatus := false
	for _, e := range v.Items() {
		if isVCPUAvail(e) {
			continue
		}
		isPair := e.IsList() && e.Len() == 2 && e.Index(0).Kind() == sxp.KindAtom
		key := ""
		if isPair {
			key = e.Index(0).Text()
		}
		slot := dynamicItem(-1)
		switch {
		case !active:
		case key == "cpu_time" && e.Index(1).Kind() == sxp.KindFloat && !slices.Contains(enc.slots, itemCPUTime):
			slot = itemCPUTime
		case key == "state" && prevStatus && e.Index(1).Kind() == sxp.KindAtom:
			slot = itemState
		}
		prevStatus = key == "status" && e.Index(1).Kind() == sxp.KindInt
		if slot < 0 {
			appendRecord(&b, e)
			continue
		}
		run, err := b.Take()
		if err != nil {
			return encodedRecord{}, err
		}
		// Kept in the cache: hold the text only, not the Builder's slack.
		enc.runs = append(enc.runs, run.Compact())
		enc.slots = append(enc.slots, slot)
	}
	run, err := b.Take()
	if err != nil {
		return encodedRecord{}, err
	}
	enc.runs = append(enc.runs, run.Compact())
	return enc, nil
}

// appendEncoded appends an encoded record to b with d's current cpu_time
// and state, the exact text the encoder writes for the freshly rendered
// record.
func appendEncoded(b *xmlrpc.Builder, enc *encodedRecord, d *domain) {
	b.BeginArray()
	for i, run := range enc.runs {
		if run.Len() > 0 {
			b.Append(run)
		}
		if i == len(enc.slots) {
			break
		}
		b.BeginArray()
		switch enc.slots[i] {
		case itemCPUTime:
			b.String("cpu_time")
			b.Double(float64(d.info.CPUTime) / float64(time.Second))
		case itemState:
			b.String("state")
			b.String(d.info.State.String())
		}
		b.EndArray()
	}
	b.EndArray()
}
