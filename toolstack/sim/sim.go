// Package sim is an embedded simulated Xen host that implements
// toolstack.Toolstack (and toolstack.Migrator, HostFiles, MediaChanger and
// KernelNoteReader).
//
// It is a product feature, not only a test double: xendshim serves from it
// when no hypervisor is present, and people test their tooling against it.
// It loads a host profile (the format of reference-host.json; the
// reference host's facts are built in), keeps its state on disk under a
// state directory with atomic writes so a restart finds the same domains,
// hands out domids from 1 upward and never reuses them, accounts memory
// against the host's free memory, advances cpu_time on an injectable
// clock, moves devices through xenbus states, gives consoles ptys and
// displays VNC ports, writes save images with a header, the config and a
// checksum, and streams domains to and from a peer.
//
// With ReferenceProfile it follows the "behaviour" rules of
// reference-host.json, so compat/xend's replays of the golden captures see
// the same host xend saw.
package sim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// Compile-time checks that Sim is a full toolstack.
var (
	_ toolstack.Toolstack        = (*Sim)(nil)
	_ toolstack.Migrator         = (*Sim)(nil)
	_ toolstack.HostFiles        = (*Sim)(nil)
	_ toolstack.MediaChanger     = (*Sim)(nil)
	_ toolstack.KernelNoteReader = (*Sim)(nil)
)

// Options configure New.
type Options struct {
	// StateDir holds the simulator's state; required. A simulator started
	// again on the same directory finds the same domains.
	StateDir string
	// Profile is the simulated host; nil means DefaultProfile(). A profile
	// applies when the state directory is new; later starts keep the
	// host's counters and console ring but take hardware facts from it.
	Profile *Profile
	// HostRoot is the directory standing for the simulated host's "/":
	// save images, dumps and the profile's files live under it. Default
	// StateDir/root, where the profile's files are created (empty) and its
	// save directory made on first start. A HostRoot given here is used as
	// it is, without creating anything: set "/" to use the real filesystem.
	HostRoot string
	// Clock is the time source; nil means the wall clock.
	Clock Clock
	// Seed, when non-zero, makes generated UUIDs and MACs deterministic:
	// the same sequence of operations gives the same values.
	Seed uint64
	// NoSync skips fsync (for benchmarks and tests on slow disks). Writes
	// stay atomic (temp file and rename) but may be lost on power failure.
	NoSync bool
}

// Sim is the simulated host. Create it with New. All methods are safe for
// concurrent use.
type Sim struct {
	opts     Options
	prof     *Profile
	clock    Clock
	stateDir string
	root     string
	hwCaps   [8]uint32

	mu     sync.Mutex
	host   hostState
	doms   map[toolstack.Domid]*domain
	faults map[string][]error
}

// hostState is the persistent host-wide state (host.json).
type hostState struct {
	NextDomid uint32 `json:"next_domid"`
	Dmesg     string `json:"dmesg"`
	NextPty   int    `json:"next_pty"`
	// Draws counts generated UUIDs and MACs (deterministic mode).
	Draws uint64 `json:"draws"`
}

// New starts a simulator on opts.StateDir, creating the state if needed.
func New(opts Options) (*Sim, error) {
	if opts.StateDir == "" {
		return nil, fmt.Errorf("sim: Options.StateDir is empty; want a directory for the simulator's state")
	}
	prof := opts.Profile
	if prof == nil {
		prof = DefaultProfile()
	} else if err := prof.validate(); err != nil {
		return nil, fmt.Errorf("sim: host profile: %w", err)
	}
	caps, err := parseHWCaps(prof.Physinfo.HWCaps)
	if err != nil {
		return nil, fmt.Errorf("sim: host profile: %w", err)
	}
	s := &Sim{
		opts:     opts,
		prof:     prof,
		clock:    opts.Clock,
		stateDir: opts.StateDir,
		root:     opts.HostRoot,
		hwCaps:   caps,
		doms:     make(map[toolstack.Domid]*domain),
		faults:   make(map[string][]error),
	}
	if s.clock == nil {
		s.clock = wallClock{}
	}
	if s.root == "" {
		s.root = filepath.Join(opts.StateDir, "root")
	}
	if err := os.MkdirAll(filepath.Join(s.stateDir, "domains"), 0o755); err != nil {
		return nil, fmt.Errorf("sim: state directory: %w", err)
	}
	found, err := s.load()
	if err != nil {
		return nil, fmt.Errorf("sim: loading state from %s: %w (fix or remove that file, or move the state directory aside to start a fresh host)", s.stateDir, err)
	}
	if !found {
		if err := s.initState(); err != nil {
			return nil, fmt.Errorf("sim: creating state in %s: %w", s.stateDir, err)
		}
	}
	return s, nil
}

// initState creates a fresh host: dom0, the console ring, the profile's
// files and the save directory.
func (s *Sim) initState() error {
	p := s.prof
	s.host = hostState{NextDomid: p.Guest.FirstDomid, Dmesg: p.Dmesg, NextPty: p.Sim.FirstPty}
	files := p.Files
	if s.opts.HostRoot != "" {
		files = nil
	}
	for _, f := range append(append([]string(nil), files...), filepath.Join(p.SaveDirectory, ".keep")) {
		if f == "" || !filepath.IsAbs(f) || (s.opts.HostRoot != "" && filepath.Base(f) == ".keep") {
			continue
		}
		hp := s.hostPath(f)
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			return err
		}
		if filepath.Base(f) == ".keep" {
			continue
		}
		if _, err := os.Stat(hp); os.IsNotExist(err) {
			if err := os.WriteFile(hp, nil, 0o644); err != nil {
				return err
			}
		}
	}
	d0 := s.newDom0()
	s.doms[0] = d0
	if err := s.saveHost(); err != nil {
		return err
	}
	return s.saveDomain(d0)
}

func (s *Sim) newDom0() *domain {
	p := s.prof
	cfg := &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: p.Dom0.Name, UUID: p.Dom0.UUID},
		BInfo: toolstack.BuildInfo{
			MaxVCPUs:    p.Dom0.VCPUs,
			MaxMemKB:    p.Dom0.MaxMemKB,
			TargetMemKB: p.Dom0.MemKB,
			PV:          &toolstack.BuildInfoPV{},
		},
	}
	d := &domain{
		Domid:       0,
		Config:      cfg,
		CurMemKB:    p.Dom0.MemKB,
		TargetMemKB: p.Dom0.MemKB,
		MaxMemKB:    p.Dom0.MaxMemKB,
		OnlineVCPUs: p.Dom0.VCPUs,
		CPUTime:     p.Dom0.CPUTime,
		VCPUTime:    make([]int64, p.Dom0.VCPUs),
		Affinity:    make([]toolstack.Bitmap, p.Dom0.VCPUs),
		Weight:      p.Scheduler.Weight,
		Cap:         p.Scheduler.Cap,
		LastAccrue:  s.clock.Now(),
	}
	copy(d.VCPUTime, p.Dom0.VCPUCPUTime)
	return d
}

// InjectError makes the next call of operation op (a Toolstack method
// name, e.g. "Create" or "AddDevice") fail with err before changing
// anything. Calls queue up: inject twice to fail twice.
func (s *Sim) InjectError(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], err)
}

// fault returns an injected error for op, if any. Caller holds s.mu.
func (s *Sim) fault(op string) error {
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	s.faults[op] = q[1:]
	return q[0]
}

// begin locks the simulator and checks for an injected fault and a done
// context. On a nil return the caller holds s.mu and must unlock it.
func (s *Sim) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if err := s.fault(op); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

// lookup returns the live domain id. Caller holds s.mu.
func (s *Sim) lookup(op string, id toolstack.Domid) (*domain, error) {
	d, ok := s.doms[id]
	if !ok {
		return nil, toolstack.Errorf(toolstack.ErrNotFound, op, id, "no domain with id %d", id)
	}
	return d, nil
}

// Profile returns the simulator's host profile (do not modify it).
func (s *Sim) Profile() *Profile { return s.prof }

// HostPath maps a path on the simulated host to the real file that holds
// it, under the host root.
func (s *Sim) HostPath(p string) string { return s.hostPath(p) }

func (s *Sim) hostPath(p string) string {
	return filepath.Join(s.root, filepath.Clean("/"+p))
}

// usedMemKB is the memory held by all domains. Caller holds s.mu.
func (s *Sim) usedMemKB() uint64 {
	var n uint64
	for _, d := range s.doms {
		n += d.CurMemKB
	}
	return n
}

// freeMemKB is physinfo's free memory. Caller holds s.mu.
func (s *Sim) freeMemKB() uint64 {
	used := s.usedMemKB() + s.prof.XenReservedKB
	if used >= s.prof.Physinfo.TotalMemory {
		return 0
	}
	return s.prof.Physinfo.TotalMemory - used
}

// draw returns 16 fresh bytes: random, or derived from the seed and a
// persisted counter so a restarted simulator does not repeat itself.
// Caller holds s.mu.
func (s *Sim) draw() [16]byte {
	var out [16]byte
	if s.opts.Seed == 0 {
		if _, err := rand.Read(out[:]); err != nil {
			panic("sim: crypto/rand: " + err.Error())
		}
		return out
	}
	var in [16]byte
	binary.BigEndian.PutUint64(in[:8], s.opts.Seed)
	binary.BigEndian.PutUint64(in[8:], s.host.Draws)
	s.host.Draws++
	sum := sha256.Sum256(in[:])
	copy(out[:], sum[:16])
	return out
}

func (s *Sim) newUUID() string {
	b := s.draw()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newMAC returns a MAC in Xen's 00:16:3e OUI, as xend made them (the
// fourth byte below 0x80).
func (s *Sim) newMAC() string {
	b := s.draw()
	return fmt.Sprintf("00:16:3e:%02x:%02x:%02x", b[0]&0x7f, b[1], b[2])
}

// sortedDomids returns the live domids in order. Caller holds s.mu.
func (s *Sim) sortedDomids() []toolstack.Domid {
	ids := make([]toolstack.Domid, 0, len(s.doms))
	for id := range s.doms {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (s *Sim) now() time.Time { return s.clock.Now() }
