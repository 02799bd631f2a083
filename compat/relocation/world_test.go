package relocation_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/chaos"
	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// network abstracts where sockets are made: loopback in one namespace, or
// three network namespaces joined by veth pairs (netns_test.go).
type network interface {
	// listen opens a listener for role "dst" (the receiver) or "mid"
	// (the proxy).
	listen(role string) (net.Listener, error)
	// dial connects from role "src" or "mid" to addr.
	dial(role, addr string) (net.Conn, error)
}

type loopback struct{}

func (loopback) listen(string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
func (loopback) dial(_, addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 5*time.Second)
}

// counting wraps the receiver's toolstack and counts calls that touch
// domains, to prove authentication and policy failures reach none.
type counting struct {
	relocation.Backend
	calls atomic.Int64
}

func (c *counting) MigrateReceive(ctx context.Context, r io.Reader, o toolstack.ReceiveOptions) (toolstack.Domid, error) {
	c.calls.Add(1)
	return c.Backend.MigrateReceive(ctx, r, o)
}
func (c *counting) Create(ctx context.Context, cfg *toolstack.DomainConfig) (toolstack.Domid, error) {
	c.calls.Add(1)
	return c.Backend.Create(ctx, cfg)
}

// testPKI is made once per test binary (key generation is the slow part).
type testPKI struct {
	ca, rogue                                 secure.KeyPair
	src, dst, other, expired, noEKU, rogueSrc secure.KeyPair
	revoked                                   secure.KeyPair
	revokedSerial                             string
}

var (
	pkiOnce sync.Once
	thePKI  *testPKI
)

func must(k secure.KeyPair, err error) secure.KeyPair {
	if err != nil {
		panic(err)
	}
	return k
}

func getPKI() *testPKI {
	pkiOnce.Do(func() {
		p := &testPKI{}
		p.ca = must(secure.NewCA("test migration CA", secure.CertOptions{}))
		p.rogue = must(secure.NewCA("rogue CA", secure.CertOptions{}))
		p.src = must(secure.Issue(&p.ca, "src", secure.CertOptions{}))
		p.dst = must(secure.Issue(&p.ca, "dst", secure.CertOptions{}))
		p.other = must(secure.Issue(&p.ca, "other", secure.CertOptions{}))
		p.expired = must(secure.Issue(&p.ca, "src", secure.CertOptions{NotBefore: time.Now().Add(-72 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}))
		p.noEKU = must(secure.Issue(&p.ca, "src", secure.CertOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}))
		p.rogueSrc = must(secure.Issue(&p.rogue, "src", secure.CertOptions{}))
		p.revoked = must(secure.Issue(&p.ca, "src", secure.CertOptions{}))
		c, _ := p.revoked.Cert()
		p.revokedSerial = fmt.Sprintf("%x", c.SerialNumber.Bytes())
		thePKI = p
	})
	return thePKI
}

func endpoint(k secure.KeyPair) *secure.Endpoint {
	c, err := k.TLS()
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(getPKI().ca.CertPEM)
	return &secure.Endpoint{Mode: secure.ModeCA, Cert: &c, Roots: pool}
}

const policyText = `
kernels = ["/var/lib/xen/boot/vmlinuz-guest", "/var/lib/xen/boot/initrd-guest"]

[storage.guests]
root = "/var/lib/xen/images"

[peer."xendshim://host/src"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4, max_concurrent = 2 }
storage = ["guests"]
networks = ["xenbr0"]
scripts = ["vif-bridge"]

[peer."psk:src"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4, max_concurrent = 2 }
`

// world is one source host, one receiving host, and a chaos proxy.
type world struct {
	t        *testing.T
	net      network
	src, dst *sim.Sim
	dstTS    *counting
	recv     *relocation.Receiver
	send     *relocation.Sender
	proxy    *chaos.Proxy
	addr     string // the proxy's address, where the sender dials
	recvAddr string
	log      *strings.Builder
	logMu    *sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newSim(t *testing.T, seed uint64) *sim.Sim {
	s, err := sim.New(sim.Options{StateDir: t.TempDir(), NoSync: true, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newWorld(t *testing.T, nw network, setup func(*world), faults ...chaos.Fault) *world {
	t.Helper()
	w := &world{t: t, net: nw, log: &strings.Builder{}, logMu: &sync.Mutex{}}
	w.src = newSim(t, 1)
	w.dst = newSim(t, 2)
	w.dstTS = &counting{Backend: w.dst}
	pol, err := policy.Parse([]byte(policyText), false)
	if err != nil {
		t.Fatal(err)
	}
	pol.HostRoot = t.TempDir()
	logger := slog.New(slog.NewJSONHandler(lockedWriter{w.logMu, w.log}, nil))
	rj, _ := journal.Open(filepath.Join(t.TempDir(), "in"), true)
	sj, _ := journal.Open(filepath.Join(t.TempDir(), "out"), true)
	quick := relocation.Limits{Handshake: 3 * time.Second, Idle: 2 * time.Second}
	w.recv = &relocation.Receiver{TS: w.dstTS, Policy: pol, Endpoint: endpoint(getPKI().dst), Journal: rj,
		SpoolDir: t.TempDir(), Limits: quick, Log: logger.With("host", "dst")}
	w.send = &relocation.Sender{TS: w.src, Endpoint: endpoint(getPKI().src), Journal: sj, Self: "src",
		Limits: quick, Log: logger.With("host", "src"), ResolveAttempts: 3, ResolveBackoff: 50 * time.Millisecond, NoSync: true}
	rl, err := nw.listen("dst")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := nw.listen("mid")
	if err != nil {
		t.Fatal(err)
	}
	w.recvAddr, w.addr = rl.Addr().String(), pl.Addr().String()
	w.proxy = &chaos.Proxy{Target: w.recvAddr, Faults: faults, Dial: func(a string) (net.Conn, error) { return nw.dial("mid", a) }}
	w.send.Dial = func(ctx context.Context, a string) (net.Conn, error) { return nw.dial("src", a) }
	if setup != nil {
		setup(w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); w.recv.Serve(ctx, rl) }()
		go func() { defer wg.Done(); w.proxy.Serve(ctx, pl) }()
		wg.Wait()
	}()
	t.Cleanup(w.close)
	return w
}

func (w *world) close() {
	w.cancel()
	<-w.done
}

func (w *world) audit() string {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	return w.log.String()
}

func guestConfig(name string) *toolstack.DomainConfig {
	return &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
		BInfo: toolstack.BuildInfo{
			MaxVCPUs: 2, MaxMemKB: 131072, TargetMemKB: 131072,
			Kernel:  "/var/lib/xen/boot/vmlinuz-guest",
			Ramdisk: "/var/lib/xen/boot/initrd-guest",
			Cmdline: "root=/dev/xvda1 ro",
			PV:      &toolstack.BuildInfoPV{},
		},
	}
}

// guest creates and starts a domain on the source.
func (w *world) guest(cfg *toolstack.DomainConfig) (toolstack.Domid, string) {
	w.t.Helper()
	ctx := context.Background()
	id, err := w.src.Create(ctx, cfg)
	if err != nil {
		w.t.Fatalf("Create(%s) = %v", cfg.CInfo.Name, err)
	}
	if err := w.src.Unpause(ctx, id); err != nil {
		w.t.Fatal(err)
	}
	info, _ := w.src.Domain(ctx, id)
	return id, info.UUID
}

// copies reports where a UUID exists: running and paused counts over both
// hosts, and the fingerprint of the (last) copy found.
type copies struct {
	running, paused int
	where           string
	domid           toolstack.Domid
	fp              string
}

func (w *world) find(uuid string) copies {
	var c copies
	ctx := context.Background()
	for _, h := range []struct {
		name string
		ts   toolstack.Toolstack
	}{{"src", w.src}, {"dst", w.dst}} {
		ds, _ := h.ts.ListDomains(ctx)
		for _, d := range ds {
			if !strings.EqualFold(d.UUID, uuid) {
				continue
			}
			if d.State&toolstack.StatePaused != 0 {
				c.paused++
			} else {
				c.running++
			}
			c.where, c.domid = h.name, d.Domid
			c.fp, _ = relocation.Fingerprint(ctx, h.ts, d.Domid)
		}
	}
	return c
}

func (w *world) String() string { return fmt.Sprintf("world(%s -> %s)", w.addr, w.recvAddr) }

var _ = os.Getpid
var _ = tls.VersionTLS13
