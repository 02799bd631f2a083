package relocation_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/chaos"
	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/toolstack"
)

// scenario is one row of specs/migration.md §4.4.
type scenario struct {
	id, name string
	faults   []chaos.Fault
	setup    func(w *world)
	cfg      func() *toolstack.DomainConfig
	opts     relocation.Options
	// after runs once Migrate returned (e.g. heal and resolve).
	after func(w *world, res *relocation.Result) (*relocation.Result, error)
	// expectations
	where     string // "src" or "dst": where the one copy must be
	paused    bool   // the copy is paused
	untouched bool   // the source domain was never suspended (same domid)
	noCalls   bool   // the receiver's toolstack saw no domain call
	errHas    string // Migrate's error contains this ("" = success)
	outcome   string // final outcome (after "after")
}

// row is the printed result of a scenario.
type row struct {
	id, name, outcome, where string
	running, paused          int
	hashOK                   bool
	calls                    int64
	pass                     bool
}

func closeConn(c net.Conn) {
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
		if raw, ok := tc.NetConn().(*net.TCPConn); ok {
			raw.SetLinger(0)
		}
		tc.NetConn().Close()
		return
	}
	c.Close()
}

// hookAt breaks the connection at one named phase.
func hookAt(phase string) func(string, net.Conn) {
	return func(p string, c net.Conn) {
		if p == phase {
			closeConn(c)
		}
	}
}

func withCert(k func() secure.KeyPair) func(w *world) {
	return func(w *world) { w.send.Endpoint = endpoint(k()) }
}

// calibrate runs a clean migration and returns where, in the session's
// upstream bytes, CONFIG starts and where the session ends, so byte-offset
// faults can be placed at fractions of the CONFIG+stream part (the TLS
// handshake and HELLO come before it).
func calibrate(t *testing.T, nw network) (start, end int64) {
	var w *world
	w = newWorld(t, nw, func(w *world) {
		w.send.Hook = func(phase string, c net.Conn) {
			if phase == "config" {
				start, _ = w.proxy.Bytes(1)
			}
		}
	})
	id, _ := w.guest(guestConfig("web-cal"))
	if _, err := w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{}); err != nil {
		t.Fatalf("calibration migration: %v", err)
	}
	end, _ = w.proxy.Bytes(1)
	if start <= 0 || start >= end {
		t.Fatalf("calibration: CONFIG at %d of %d upstream bytes", start, end)
	}
	return start, end
}

func scenarios(start, end int64) []scenario {
	pct := func(p int64) int64 { return start + (end-start)*p/100 }
	resolveAfterHeal := func(w *world, res *relocation.Result) (*relocation.Result, error) {
		w.proxy.SetFaults(nil) // heal the network
		return w.send.Resolve(context.Background(), res.MigrationID, false)
	}
	s := []scenario{
		{id: "N1", name: "no fault", where: "dst", outcome: "committed"},
		{id: "N1-paused", name: "no fault, -p", opts: relocation.Options{Paused: true}, where: "dst", paused: true, outcome: "committed"},
		{id: "N1-live", name: "no fault, live", opts: relocation.Options{Live: true}, where: "dst", outcome: "committed"},
		{id: "N1-psk", name: "no fault, PSK mode", setup: func(w *world) {
			key := []byte("0123456789abcdef0123456789abcdef")
			w.send.Endpoint = &secure.Endpoint{Mode: secure.ModePSK, PSKID: "src", PSKs: map[string][]byte{"dst": key}}
			w.recv.Endpoint = &secure.Endpoint{Mode: secure.ModePSK, PSKID: "dst", PSKs: map[string][]byte{"src": key}}
		}, where: "dst", outcome: "committed"},
		{id: "N1-disk", name: "no fault, disk in the receiver's pool", setup: func(w *world) {
			root := w.recv.Policy.HostRoot
			os.MkdirAll(filepath.Join(root, "var/lib/xen/images"), 0o755)
			os.WriteFile(filepath.Join(root, "var/lib/xen/images/pv1.img"), []byte("disk"), 0o644)
		}, cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.Disks = []toolstack.DeviceDisk{{PdevPath: "/var/lib/xen/images/pv1.img", Vdev: "xvda", Readwrite: 1}}
			return c
		}, where: "dst", outcome: "committed"},
		{id: "F1", name: "cut during TLS handshake", faults: []chaos.Fault{{Conn: 1, Dir: chaos.Down, After: 200, Kind: chaos.Cut}},
			where: "src", untouched: true, noCalls: true, errHas: "handshake", outcome: "failed"},
		{id: "F1-drop", name: "accept then close", faults: []chaos.Fault{{Conn: 1, Kind: chaos.Drop}},
			where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
		{id: "F2", name: "cut mid-CONFIG", setup: func(w *world) { w.send.Hook = hookAt("config") },
			where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
	}
	for _, p := range []int64{1, 50, 99} {
		for _, k := range []struct {
			name string
			kind chaos.Kind
		}{{"fin", chaos.Cut}, {"rst", chaos.Reset}} {
			s = append(s, scenario{id: "F3", name: fmt.Sprintf("cut at %d%% of CONFIG+stream (%s)", p, k.name),
				faults:  []chaos.Fault{{Conn: 1, Dir: chaos.Up, After: pct(p), Kind: k.kind}},
				outcome: "any"})
		}
	}
	s = append(s, []scenario{
		{id: "F3-hook", name: "cut half way through the stream", setup: func(w *world) { w.send.Hook = hookAt("stream") },
			where: "src", errHas: "resumed here", outcome: "resumed"},
		{id: "F4", name: "stall mid-stream (black hole)", faults: []chaos.Fault{{Conn: 1, Dir: chaos.Up, After: pct(60), Kind: chaos.Stall}},
			where: "src", errHas: "relocation", outcome: "any-pre-go"},
		{id: "F5", name: "cut after READY, before GO", setup: func(w *world) { w.send.Hook = hookAt("ready") },
			where: "src", errHas: "resumed here", outcome: "resumed"},
		{id: "F6-go-lost", name: "GO lost (cut after GO_SENT)", setup: func(w *world) { w.send.Hook = hookAt("before-go") },
			where: "src", errHas: "aborted", outcome: "resumed"},
		{id: "F6-report-lost", name: "REPORT lost (cut after COMMITTED)", setup: func(w *world) { w.recv.Hook = hookAt("committed") },
			where: "dst", outcome: "committed"},
		{id: "F6-partition", name: "GO lost, receiver unreachable, healed, RESOLVE", setup: func(w *world) {
			w.send.Hook = func(p string, c net.Conn) {
				if p == "before-go" {
					w.proxy.SetFaults([]chaos.Fault{{Conn: 0, Kind: chaos.Drop}})
					closeConn(c)
				}
			}
		}, errHas: "outcome unknown", after: resolveAfterHeal, where: "src", outcome: "resumed"},
		{id: "F6-partition-committed", name: "REPORT lost, receiver unreachable, healed, RESOLVE", setup: func(w *world) {
			w.recv.Hook = func(p string, c net.Conn) {
				if p == "committed" {
					w.proxy.SetFaults([]chaos.Fault{{Conn: 0, Kind: chaos.Drop}})
					closeConn(c)
				}
			}
		}, errHas: "outcome unknown", after: resolveAfterHeal, where: "dst", outcome: "committed"},
		{id: "F8-rogue", name: "client cert from a rogue CA", setup: withCert(func() secure.KeyPair { return getPKI().rogueSrc }),
			where: "src", untouched: true, noCalls: true, errHas: "tls", outcome: "failed"},
		{id: "F8-expired", name: "client cert expired", setup: withCert(func() secure.KeyPair { return getPKI().expired }),
			where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
		{id: "F8-eku", name: "client cert without clientAuth", setup: withCert(func() secure.KeyPair { return getPKI().noEKU }),
			where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
		{id: "F8-revoked", name: "client cert serial revoked", setup: func(w *world) {
			w.send.Endpoint = endpoint(getPKI().revoked)
			w.recv.Endpoint.DenySerials = map[string]bool{getPKI().revokedSerial: true}
		}, where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
		{id: "F8-unknown-peer", name: "valid cert, no [peer] entry", setup: withCert(func() secure.KeyPair { return getPKI().other }),
			where: "src", untouched: true, noCalls: true, errHas: "policy", outcome: "failed"},
		{id: "F9", name: "receiver cert for another host", setup: func(w *world) { w.recv.Endpoint = endpoint(getPKI().other) },
			where: "src", untouched: true, noCalls: true, errHas: "authentication", outcome: "failed"},
		{id: "F10-psk", name: "PSK with the wrong key", setup: func(w *world) {
			w.send.Endpoint = &secure.Endpoint{Mode: secure.ModePSK, PSKID: "src", PSKs: map[string][]byte{"dst": []byte("wrong-key-wrong-key-wrong-key-00")}}
			w.recv.Endpoint = &secure.Endpoint{Mode: secure.ModePSK, PSKID: "dst", PSKs: map[string][]byte{"src": []byte("0123456789abcdef0123456789abcdef")}}
		}, where: "src", untouched: true, noCalls: true, errHas: "authentication", outcome: "failed"},
		{id: "F11-flip", name: "byte flipped in a TLS record mid-stream", faults: []chaos.Fault{{Conn: 1, Dir: chaos.Up, After: pct(70), Kind: chaos.Flip}},
			where: "src", errHas: "relocation", outcome: "any-pre-go"},
		{id: "F12-bootloader", name: "config: bootloader=/bin/sh", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.BInfo.Bootloader = "/bin/sh"
			c.Disks = []toolstack.DeviceDisk{{PdevPath: "/var/lib/xen/images/pv1.img", Vdev: "xvda", Readwrite: 1}}
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "b_info.bootloader", outcome: "failed"},
		{id: "F12-disk", name: "config: disk /etc/shadow", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.Disks = []toolstack.DeviceDisk{{PdevPath: "/etc/shadow", Vdev: "xvda", Readwrite: 1}}
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "disks[0].pdev_path", outcome: "failed"},
		{id: "F12-symlink", name: "config: disk via a symlink out of the pool", setup: func(w *world) {
			root := w.recv.Policy.HostRoot
			os.MkdirAll(filepath.Join(root, "var/lib/xen/images"), 0o755)
			os.Symlink("/etc/passwd", filepath.Join(root, "var/lib/xen/images/pv1.img"))
		}, cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.Disks = []toolstack.DeviceDisk{{PdevPath: "/var/lib/xen/images/pv1.img", Vdev: "xvda", Readwrite: 1}}
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "disks[0].pdev_path", outcome: "failed"},
		{id: "F12-kernel", name: "config: kernel=/etc/shadow", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.BInfo.Kernel = "/etc/shadow"
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "b_info.kernel", outcome: "failed"},
		{id: "F12-dm", name: "config: device_model override", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.BInfo.DeviceModel = "/tmp/evil-qemu"
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "b_info.device_model", outcome: "failed"},
		{id: "F12-script", name: "config: vif script=/tmp/x", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.NICs = []toolstack.DeviceNIC{{Bridge: "xenbr0", Script: "/tmp/x"}}
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "nics[0].script", outcome: "failed"},
		{id: "F14-cidr", name: "sender address outside allow_from", setup: func(w *world) {
			p, _ := policy.Parse([]byte("allow_from = [\"192.0.2.0/24\"]\n"+policyText), false)
			p.HostRoot = w.recv.Policy.HostRoot
			w.recv.Policy = p
		}, where: "src", untouched: true, noCalls: true, errHas: "relocation", outcome: "failed"},
		{id: "F14-name", name: "peer not allowed this domain", cfg: func() *toolstack.DomainConfig { return guestConfig("db1") },
			where: "src", untouched: true, noCalls: true, errHas: "may_send", outcome: "failed"},
		{id: "F14-quota", name: "over the peer's memory quota", cfg: func() *toolstack.DomainConfig {
			c := guestConfig("web1")
			c.BInfo.MaxMemKB, c.BInfo.TargetMemKB = 2<<20, 2<<20
			return c
		}, where: "src", untouched: true, noCalls: true, errHas: "quota", outcome: "failed"},
	}...)
	return s
}

func runScenario(t *testing.T, nw network, sc scenario) row {
	w := newWorld(t, nw, sc.setup, sc.faults...)
	cfg := guestConfig("web1")
	if sc.cfg != nil {
		cfg = sc.cfg()
	}
	id, uuid := w.guest(cfg)
	before := w.find(uuid)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := w.send.Migrate(ctx, id, "dst", w.addr, sc.opts)
	switch {
	case sc.outcome == "any":
	case sc.errHas == "" && err != nil:
		t.Errorf("Migrate = %v; want success", err)
	case sc.errHas != "" && err == nil:
		t.Errorf("Migrate succeeded; want an error containing %q", sc.errHas)
	case sc.errHas != "" && !strings.Contains(err.Error(), sc.errHas):
		t.Errorf("Migrate error = %v; want it to contain %q", err, sc.errHas)
	}
	outcome := "failed"
	if res != nil {
		outcome = res.Outcome
	}
	if sc.after != nil && res != nil {
		res, err = sc.after(w, res)
		if err != nil {
			t.Errorf("after: %v", err)
		}
		if res != nil {
			outcome = res.Outcome
		}
	}
	w.settle(t)
	got := w.find(uuid)
	r := row{id: sc.id, name: sc.name, outcome: outcome, where: got.where, running: got.running, paused: got.paused,
		hashOK: got.fp == before.fp, calls: w.dstTS.calls.Load()}
	wantOutcome := sc.outcome
	if wantOutcome == "any-pre-go" {
		// Depending on where the cut lands the source was never suspended
		// (failed) or was suspended and resumed.
		if outcome == "failed" || outcome == "resumed" {
			wantOutcome = outcome
		}
	}
	if wantOutcome == "any" {
		// A cut can land before the source suspends, after it, or after
		// GO went through; the invariants below must hold in each case.
		wantOutcome = outcome
		sc.where = "src"
		if outcome == "committed" {
			sc.where = "dst"
		}
	}
	if outcome != wantOutcome {
		t.Errorf("outcome = %s; want %s", outcome, sc.outcome)
	}
	if got.running+got.paused != 1 {
		t.Errorf("copies of %s: %d running, %d paused; want exactly one", uuid, got.running, got.paused)
	}
	if got.where != sc.where || (got.paused == 1) != sc.paused {
		t.Errorf("copy on %s (paused=%v); want on %s (paused=%v)", got.where, got.paused == 1, sc.where, sc.paused)
	}
	if !r.hashOK {
		t.Errorf("fingerprint after = %.12s; before = %.12s (state lost)", got.fp, before.fp)
	}
	if sc.untouched && got.domid != before.domid {
		t.Errorf("source domid %d -> %d; want untouched (never suspended)", before.domid, got.domid)
	}
	if sc.noCalls && r.calls != 0 {
		t.Errorf("receiver toolstack calls = %d; want 0", r.calls)
	}
	w.checkJournals(t)
	w.checkAudit(t)
	r.pass = !t.Failed()
	return r
}

// settle waits until the receiver has no unfinished journal entry (its
// connection handler may still be timing out).
func (w *world) settle(t *testing.T) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		es, _ := w.recv.Journal.List()
		busy := false
		for _, e := range es {
			if !e.State.Terminal() {
				busy = true
			}
		}
		if !busy {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("receiver journal still has unfinished entries after 10 s")
}

// checkJournals: the sender's DONE matches the receiver's COMMITTED and a
// RESUMED sender never faces a COMMITTED receiver.
func (w *world) checkJournals(t *testing.T) {
	out, _ := w.send.Journal.List()
	for _, s := range out {
		r, err := w.recv.Journal.Get(s.ID)
		switch {
		case s.State == journal.Done && (err != nil || r.State != journal.Committed):
			t.Errorf("sender %s DONE but receiver %v %v", s.ID, r.State, err)
		case s.State == journal.Resumed && err == nil && r.State == journal.Committed:
			t.Errorf("sender %s RESUMED but receiver COMMITTED: two copies", s.ID)
		case !s.State.Terminal():
			t.Errorf("sender %s left in %s", s.ID, s.State)
		}
	}
}

func (w *world) checkAudit(t *testing.T) {
	a := w.audit()
	for _, secret := range []string{"PRIVATE KEY", "0123456789abcdef0123456789abcdef"} {
		if strings.Contains(a, secret) {
			t.Errorf("audit log contains a secret (%q)", secret)
		}
	}
	if !strings.Contains(a, `"msg":"migration"`) {
		t.Errorf("no audit record")
	}
}

func printTable(t *testing.T, title string, rows []row) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n%-24s %-52s %-10s %-4s %-8s %-6s %-6s %s\n", title, "ID", "fault", "outcome", "copy", "run/pau", "hash=", "dstTS", "result")
	for _, r := range rows {
		res := "PASS"
		if !r.pass {
			res = "FAIL"
		}
		fmt.Fprintf(&b, "%-24s %-52s %-10s %-4s %d/%-6d %-6v %-6d %s\n", r.id, r.name, r.outcome, r.where, r.running, r.paused, r.hashOK, r.calls, res)
	}
	t.Log(b.String())
}

func runMatrix(t *testing.T, nw network, title string) {
	start, end := calibrate(t, nw)
	t.Logf("calibration: CONFIG starts at upstream byte %d of %d", start, end)
	var rows []row
	var mu sync.Mutex
	for _, sc := range scenarios(start, end) {
		t.Run(sc.id+"/"+sc.name, func(t *testing.T) {
			r := runScenario(t, nw, sc)
			mu.Lock()
			rows = append(rows, r)
			mu.Unlock()
		})
	}
	printTable(t, title, rows)
}

// TestMatrixLoopback runs the §4.4 scenario matrix in-process over
// loopback TCP, through the chaos proxy.
func TestMatrixLoopback(t *testing.T) {
	runMatrix(t, loopback{}, "scenario matrix, loopback")
}

var _ = errors.Is
