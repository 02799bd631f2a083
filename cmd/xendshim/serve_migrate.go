package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// protoMigrate is the native migration receiver served by serve
// (--migrate-listen); its systemd socket name is "migrate".
const protoMigrate = "migrate"

func init() {
	protocolFactories[protoRelocation] = newLegacyRelocationServer
	protocolFactories[protoMigrate] = newMigrateReceiverServer
}

// serveTransport is the migration transport the serve settings describe,
// with the same meaning as the flags of `xendshim migrate`.
func serveTransport(cfg *config.Config) *migTransport {
	return &migTransport{mode: cfg.MigrateMode, cert: cfg.MigrateCert, key: cfg.MigrateKey, ca: cfg.MigrateCA,
		pins: cfg.MigratePins, pskID: cfg.MigratePSKID, pskFile: cfg.MigratePSKFile, dir: cfg.MigrationDir}
}

// xendMigrate returns what xend.Options.Migrate calls: the configured
// peers reached through a relocation.Sender. It returns nil when no peer
// is configured (xend.domain.migrate then refuses as before).
func xendMigrate(cfg *config.Config, log *slog.Logger, ts toolstack.Toolstack) (func(context.Context, xend.Migration) error, error) {
	if len(cfg.MigratePeers) == 0 {
		return nil, nil
	}
	mb, ok := ts.(relocation.Backend)
	if !ok {
		log.Warn("migration peers are configured but the backend cannot stream domains; xend.domain.migrate is refused", "peers", len(cfg.MigratePeers))
		return nil, nil
	}
	tr := serveTransport(cfg)
	ep, err := tr.endpoint()
	if err != nil {
		return nil, err
	}
	j, dir, err := tr.journal(cfg, "out")
	if err != nil {
		return nil, err
	}
	self, _ := os.Hostname()
	m := &relocation.XendMigrator{
		Sender: &relocation.Sender{TS: mb, Endpoint: ep, Journal: j, SpoolDir: filepath.Join(dir, "out"), Self: self,
			Log: log.With("component", protoMigrate)},
		Peers: map[string]relocation.Peer{},
	}
	for _, p := range cfg.MigratePeers {
		peer := relocation.Peer{Name: p.Name, Addr: p.Addr}
		m.Peers[p.Name] = peer
		if h, _, err := net.SplitHostPort(p.Addr); err == nil {
			if _, taken := m.Peers[h]; !taken {
				m.Peers[h] = peer
			}
		}
	}
	return func(ctx context.Context, x xend.Migration) error {
		return m.Migrate(ctx, x.Domid, x.Host, x.Port, x.Live, x.ChangeHome)
	}, nil
}

// migrationSettingsChanged reports whether a reloaded configuration
// changes settings serve reads only at start (the sender, the receivers,
// strict-xend).
func migrationSettingsChanged(a, b *config.Config) bool {
	key := func(c *config.Config) string {
		return fmt.Sprint(c.MigratePeers, c.MigrateListen, c.MigratePolicy, c.MigrateMode, c.MigrateCert, c.MigrateKey, c.MigrateCA,
			c.MigratePins, c.MigratePSKID, c.MigratePSKFile, c.MigrationDir, c.RelocationLegacy, c.StrictXend)
	}
	return key(a) != key(b)
}

// newMigrateReceiverServer serves native migrations (XMP/1) into the same
// backend the xend APIs use, when --migrate-listen is set.
func newMigrateReceiverServer(d serveDeps) (protocolServer, error) {
	if d.cfg.MigrateListen == "" {
		return nil, nil
	}
	mb, ok := d.ts.(relocation.Backend)
	if !ok {
		d.log.Warn("--migrate-listen is set but the backend cannot stream domains; the migration receiver is off")
		return nil, nil
	}
	log := d.log.With("component", protoMigrate)
	r, err := migReceiverOn(context.Background(), d.cfg, serveTransport(d.cfg), d.cfg.MigratePolicy, log, mb)
	if err != nil {
		return nil, err
	}
	return newCtxServer(r.Serve), nil
}

// newLegacyRelocationServer serves xend's relocation protocol on
// --relocation-addr/--relocation-tls-addr, only when opted in with
// --relocation-legacy (it is unauthenticated; the policy's "cidr:" peers
// confine it). Without the opt-in a configured address is only warned
// about.
func newLegacyRelocationServer(d serveDeps) (protocolServer, error) {
	if !d.cfg.RelocationLegacy {
		if d.cfg.RelocationAddr != "" || d.cfg.RelocationTLSAddr != "" {
			d.log.Warn("xend relocation receiver not started: it is unauthenticated and off unless opted in; "+
				"set relocation-legacy: true (--relocation-legacy) with a --migrate-policy whose \"cidr:\" peers may send, "+
				"or use the secure transport (--migrate-listen)",
				"relocation_addr", d.cfg.RelocationAddr, "relocation_tls_addr", d.cfg.RelocationTLSAddr)
		}
		return nil, nil
	}
	pol, err := policy.Load(d.cfg.MigratePolicy)
	if err != nil {
		return nil, err
	}
	log := d.log.With("component", protoRelocation)
	store, err := migPreparedStore(d.cfg, serveTransport(d.cfg))
	if err != nil {
		return nil, err
	}
	lr := &relocation.LegacyReceiver{TS: d.ts, Policy: pol, Prepared: store, Log: log}
	if s, ok := d.ts.(*sim.Sim); ok {
		// The simulated host has no pages to restore.
		lr.Restorer = &relocation.SimulatedLegacyRestore{TS: s}
	}
	log.Warn("xend relocation receiver enabled (unauthenticated; confined by the policy's cidr peers)", "policy", d.cfg.MigratePolicy)
	return newCtxServer(lr.Serve), nil
}

// ctxServer adapts a Serve(ctx, ln) receiver to protocolServer. Shutdown
// closes the listeners and waits for the connections in flight until its
// ctx ends, then cancels them and closes their connections (a receiver
// blocked reading an idle peer would otherwise hold the shutdown).
type ctxServer struct {
	serve  func(context.Context, net.Listener) error
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	lns    []net.Listener
	conns  map[*trackedConn]bool
	wg     sync.WaitGroup
}

// trackedListener registers every accepted connection with its server.
type trackedListener struct {
	net.Listener
	s *ctxServer
}

// Accept implements net.Listener.
func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, s: l.s}
	l.s.mu.Lock()
	l.s.conns[tc] = true
	l.s.mu.Unlock()
	return tc, nil
}

// trackedConn forgets itself when closed.
type trackedConn struct {
	net.Conn
	s *ctxServer
}

// Close implements net.Conn.
func (c *trackedConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

func newCtxServer(serve func(context.Context, net.Listener) error) *ctxServer {
	ctx, cancel := context.WithCancel(context.Background())
	return &ctxServer{serve: serve, ctx: ctx, cancel: cancel, conns: map[*trackedConn]bool{}}
}

// Serve serves ln until it is closed or the server shuts down.
func (s *ctxServer) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	s.lns = append(s.lns, ln)
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	return s.serve(s.ctx, trackedListener{ln, s})
}

// Shutdown stops accepting and waits for connections in flight until ctx
// ends; then it cancels them and returns ctx's error.
func (s *ctxServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		s.mu.Lock()
		for c := range s.conns {
			c.Conn.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}
