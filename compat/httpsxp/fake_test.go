package httpsxp

import (
	"fmt"
	"sort"
	"sync"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// fakeService is a tiny in-memory Service for the framing and dispatch
// tests; the golden replay uses the real service on the simulator.
type fakeService struct {
	mu    sync.Mutex
	doms  map[string]*fakeDom
	calls []string
}

type fakeDom struct {
	ref    DomainRef
	paused bool
}

func newFakeService(n int) *fakeService {
	f := &fakeService{doms: map[string]*fakeDom{}}
	f.doms["Domain-0"] = &fakeDom{ref: DomainRef{Name: "Domain-0", UUID: "00000000-0000-0000-0000-000000000000", Domid: 0, Active: true}}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("guest%03d", i)
		f.doms[name] = &fakeDom{ref: DomainRef{Name: name, UUID: fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i), Domid: i, Active: true}}
	}
	return f
}

func (f *fakeService) record(d DomainRef) sxp.Value {
	return sxp.List(sxp.Atom("domain"),
		sxp.List(sxp.Atom("domid"), sxp.Int(int64(d.Domid))),
		sxp.List(sxp.Atom("name"), sxp.Atom(d.Name)),
		sxp.List(sxp.Atom("uuid"), sxp.Atom(d.UUID)),
		sxp.List(sxp.Atom("memory"), sxp.Int(512)),
		sxp.List(sxp.Atom("state"), sxp.Atom("-b----")))
}

func (f *fakeService) NodeSXP() (sxp.Value, error) {
	return sxp.List(sxp.Atom("node"), sxp.List(sxp.Atom("nr_cpus"), sxp.Int(4)), sxp.List(sxp.Atom("xend_config_format"), sxp.Int(4))), nil
}
func (f *fakeService) Dmesg() (string, error)   { return "(XEN) hello\n", nil }
func (f *fakeService) DmesgClear() error        { return nil }
func (f *fakeService) XendLog() (string, error) { return "log line\n", nil }

func (f *fakeService) sorted() []*fakeDom {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*fakeDom, 0, len(f.doms))
	for _, d := range f.doms {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ref.Name < out[j].ref.Name })
	return out
}

func (f *fakeService) ListNames(state string) ([]string, error) {
	var out []string
	for _, d := range f.sorted() {
		if state == "all" || (state == "paused") == d.paused {
			out = append(out, d.ref.Name)
		}
	}
	return out, nil
}

func (f *fakeService) ListRecords() ([]sxp.Value, error) {
	var out []sxp.Value
	for _, d := range f.sorted() {
		out = append(out, f.record(d.ref))
	}
	return out, nil
}

func (f *fakeService) Lookup(ref string) (DomainRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.doms[ref]; ok {
		return d.ref, nil
	}
	return DomainRef{}, fmt.Errorf("lookup %s: %w", ref, toolstack.ErrNotFound)
}

func (f *fakeService) Record(d DomainRef) (sxp.Value, error) { return f.record(d), nil }

func (f *fakeService) Create(config sxp.Value) (DomainRef, sxp.Value, error) {
	name := config.ChildText("name", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.doms[name]; ok {
		return DomainRef{}, sxp.Value{}, fmt.Errorf("Domain '%s' already exists with ID '%d'", name, d.ref.Domid)
	}
	d := &fakeDom{ref: DomainRef{Name: name, Domid: 100 + len(f.doms), Active: true}, paused: true}
	f.doms[name] = d
	return d.ref, f.record(d.ref), nil
}

func (f *fakeService) New(config sxp.Value) error { return nil }

func (f *fakeService) Restore(file string) (DomainRef, error) {
	return DomainRef{}, fmt.Errorf("can't read guest state file %s: No such file or directory", file)
}

func (f *fakeService) DomainOp(d DomainRef, op Op) (sxp.Value, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("%s %s %v", d.Name, op.Name, op.Args))
	f.mu.Unlock()
	switch op.Name {
	case "pause":
		if d.Domid == 0 {
			return sxp.Value{}, fmt.Errorf("Cannot pause privileged domain 0")
		}
	case "pincpu", "maxmem_set":
		return sxp.Int(0), nil
	case "shutdown":
		if op.Str("reason") != "poweroff" && op.Str("reason") != "reboot" {
			return sxp.Value{}, fmt.Errorf("Invalid reason: %s", op.Str("reason"))
		}
	}
	return sxp.Value{}, nil
}

func (f *fakeService) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}
