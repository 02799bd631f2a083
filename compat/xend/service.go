package xend

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// Options configure a Service. The zero value uses xend's defaults.
type Options struct {
	// DomainsPath is xend-domains-path, the managed-domain store
	// (default /var/lib/xend/domains): one <uuid>/config.sxp per domain.
	// Empty disables persistence only when NoStore is set.
	DomainsPath string
	// NoStore keeps managed domains in memory only (tests, dry runs).
	NoStore bool
	// LogPath is xend's log file, returned by xend.node.log
	// (default /var/log/xen/xend.log; a missing file reads as "").
	LogPath string
	// Dom0MinMem is dom0-min-mem in MiB (default 196): dom0's memory
	// target may not go below it.
	Dom0MinMem int
	// Now returns the current time (default time.Now); start_time uses it.
	Now func() time.Time
	// NewUUID returns a fresh UUID string (default: random, version 4).
	NewUUID func() string
	// Migrate sends a live domain to another host (xend.domain.migrate);
	// cmd/xendshim plugs in the relocation sender here. nil refuses
	// migration with a clear fault.
	Migrate func(ctx context.Context, m Migration) error
	// StrictXend leaves out what xendshim adds beyond xend 4.4.4 (the
	// console's tty and the vfb's VNC location), so replies are byte for
	// byte xend's; the golden replay uses it.
	StrictXend bool
	// Logf receives problems that do not fail a call, such as a corrupt
	// store entry that was skipped (default: discard).
	Logf func(format string, args ...any)
}

// Service is xend's domain and node logic on top of a toolstack. It is safe
// for concurrent use; operations are serialised as xend's domains lock did.
type Service struct {
	ts   toolstack.Toolstack
	opts Options

	mu sync.Mutex
	// recs holds xend's record of every domain it knows, by UUID: live
	// domains (adopted at first sight) and managed inactive ones.
	recs map[string]*vmRecord
	// checkpoints marks managed domains suspended to their store dir.
	checkpoints map[string]bool
	// saved remembers the record of each domain saved to a path, so a
	// restore from that path gets xend's record back.
	saved map[string]*vmRecord
	// hostCPUs caches the host's CPU count (0 until known).
	hostCPUs atomic.Int64
	// listCache holds the encoded records of the last listings (cache.go).
	listCache recordCache
}

// New returns a Service on ts. It loads the managed-domain store (a corrupt
// entry is reported through Options.Logf and skipped, never deleted) and
// returns an error only if the store directory cannot be created or read.
func New(ts toolstack.Toolstack, opts Options) (*Service, error) {
	if opts.DomainsPath == "" {
		opts.DomainsPath = "/var/lib/xend/domains"
	}
	if opts.LogPath == "" {
		opts.LogPath = "/var/log/xen/xend.log"
	}
	if opts.Dom0MinMem == 0 {
		opts.Dom0MinMem = 196
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewUUID == nil {
		opts.NewUUID = randomUUID
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Service{ts: ts, opts: opts, recs: map[string]*vmRecord{}, checkpoints: map[string]bool{}, saved: map[string]*vmRecord{}}
	if !opts.NoStore {
		if err := s.loadStore(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Toolstack returns the toolstack the service drives.
func (s *Service) Toolstack() toolstack.Toolstack { return s.ts }

func randomUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("xend: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Ident is a domain identifier as a client gave it: a name, a domid or a
// UUID (xmlrpc.md §4).
type Ident struct {
	// Text is the identifier; for an integer, its decimal form.
	Text string
	// IsInt is set when the client sent an integer: it never matches a
	// name, only a domid.
	IsInt bool
}

// Name returns the Ident of a string identifier (name, numeric string or
// UUID).
func Name(s string) Ident { return Ident{Text: s} }

// ID returns the Ident of an integer domid.
func ID(domid int) Ident { return Ident{Text: strconv.Itoa(domid), IsInt: true} }

// String returns the identifier as given.
func (id Ident) String() string { return id.Text }

// domain is one resolved domain: xend's record and, when active, what the
// hypervisor says now.
type domain struct {
	rec  *vmRecord
	info *toolstack.DomainInfo // nil when inactive
	// status, when statusSet, is the power state computed under the
	// service lock, for rendering outside it.
	status    int
	statusSet bool
}

func (d *domain) active() bool { return d.info != nil }

func (d *domain) domid() toolstack.Domid {
	if d.info == nil {
		return toolstack.InvalidDomid
	}
	return d.info.Domid
}

// snapshot is one refresh of the hypervisor's domain list.
type snapshot struct {
	live []toolstack.DomainInfo
}

// refresh lists live domains and makes sure each has a record. Caller
// holds s.mu.
func (s *Service) refresh(ctx context.Context) (*snapshot, error) {
	live, err := s.ts.ListDomains(ctx)
	if err != nil {
		return nil, xendError("%s", tsText(err))
	}
	for i := range live {
		info := &live[i]
		rec := s.recs[info.UUID]
		if rec == nil {
			rec = s.adopt(ctx, info)
			s.recs[info.UUID] = rec
		}
		if !rec.Refreshed {
			rec.Refreshed = true
			s.addConsole(rec)
		}
		if info.Domid == 0 {
			rec.Name = info.Name
		}
	}
	// Unmanaged records of domains that are gone are forgotten.
	alive := make(map[string]bool, len(live))
	for i := range live {
		alive[live[i].UUID] = true
	}
	for u, rec := range s.recs {
		if !alive[u] && !rec.Managed {
			delete(s.recs, u)
		}
		if !alive[u] && rec.Managed {
			rec.Built, rec.Refreshed, rec.StartTime = false, false, 0
		}
	}
	return &snapshot{live: live}, nil
}

// addConsole gives a live domain the console device xend added at its
// first refresh.
func (s *Service) addConsole(rec *vmRecord) {
	if rec.UUID == dom0UUID || rec.hasClass("console") {
		return
	}
	rec.Devices = append(rec.Devices, &devRecord{Class: "console", UUID: s.opts.NewUUID(), Devid: 0,
		Cfg: []field{{"protocol", sxp.Atom("vt100")}}})
}

const dom0UUID = "00000000-0000-0000-0000-000000000000"

// lookup resolves an identifier in xend's order: name of a live domain,
// name of a managed inactive one, domid, UUID of a live domain, UUID of a
// managed one. Caller holds s.mu.
func (s *Service) lookup(ctx context.Context, id Ident) (*domain, error) {
	snap, err := s.refresh(ctx)
	if err != nil {
		return nil, err
	}
	return s.find(snap, id)
}

func (s *Service) find(snap *snapshot, id Ident) (*domain, error) {
	if !id.IsInt {
		for i := range snap.live {
			if snap.live[i].Name == id.Text {
				return s.liveDomain(&snap.live[i]), nil
			}
		}
		for _, rec := range s.inactiveManaged(snap) {
			if rec.Name == id.Text {
				return &domain{rec: rec}, nil
			}
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(id.Text), 10, 64); err == nil {
		for i := range snap.live {
			if int64(snap.live[i].Domid) == n {
				return s.liveDomain(&snap.live[i]), nil
			}
		}
	}
	if !id.IsInt {
		for i := range snap.live {
			if strings.EqualFold(snap.live[i].UUID, id.Text) {
				return s.liveDomain(&snap.live[i]), nil
			}
		}
		for _, rec := range s.inactiveManaged(snap) {
			if strings.EqualFold(rec.UUID, id.Text) {
				return &domain{rec: rec}, nil
			}
		}
	}
	return nil, invalidDomain(id.Text)
}

func (s *Service) liveDomain(info *toolstack.DomainInfo) *domain {
	return &domain{rec: s.recs[info.UUID], info: info}
}

// inactiveManaged returns managed records with no live domain, sorted by
// name.
func (s *Service) inactiveManaged(snap *snapshot) []*vmRecord {
	alive := make(map[string]bool, len(snap.live))
	for i := range snap.live {
		alive[snap.live[i].UUID] = true
	}
	var out []*vmRecord
	for u, rec := range s.recs {
		if rec.Managed && !alive[u] {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// all returns every domain, live and inactive managed, sorted bytewise by
// name as domains_with_state sorts them.
func (s *Service) all(snap *snapshot) []*domain {
	var out []*domain
	for i := range snap.live {
		out = append(out, s.liveDomain(&snap.live[i]))
	}
	for _, rec := range s.inactiveManaged(snap) {
		out = append(out, &domain{rec: rec})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rec.Name < out[j].rec.Name })
	return out
}

// ensureDir makes the store directory.
func ensureDir(path string) error { return os.MkdirAll(path, 0o700) }
