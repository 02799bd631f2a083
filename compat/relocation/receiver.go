package relocation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/prepare"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// Backend is what migration needs from a toolstack.
type Backend interface {
	toolstack.Toolstack
	toolstack.Migrator
}

// Format names the stream format carried in DATA frames: the backend's own
// migration stream, after a CONFIG frame holding the domain config as
// `xl list -l` JSON.
const Format = "xendshim-config-json+backend-stream"

// Receiver takes domains in over XMP/1. Set the fields, then call Serve or
// ServeConn; call Recover at start-up. Safe for concurrent connections.
type Receiver struct {
	// TS is the local toolstack. Nil when only xl tunnels are served (a
	// backend that cannot stream domains): native HELLOs are then refused.
	TS Backend
	// Policy decides who may send what.
	Policy *policy.Policy
	// Endpoint authenticates senders.
	Endpoint *secure.Endpoint
	// Journal records receive-side migrations.
	Journal *journal.Journal
	// SpoolDir holds incoming streams until they are checked (default
	// os.TempDir()).
	SpoolDir string
	// Limits bound each migration.
	Limits Limits
	// Log gets one audit record per connection (nil: none).
	Log *slog.Logger
	// Prepared holds the registrations that peers with prepared = true in
	// the policy need (nil: such peers are refused everything).
	Prepared *prepare.Store
	// XL, if set, accepts TUNNEL requests from `xendshim migrate-connect`
	// (xl migrate -s) and runs xl migrate-receive for them.
	XL *XLTunnel
	// Hook, if set, is called at named points with the TLS connection so
	// tests can break it there: "config-ok" (CONFIG_OK sent), "ready"
	// (READY sent) and "committed" (COMMITTED journalled, REPORT not sent).
	Hook func(phase string, conn net.Conn)

	preAuth preAuthLimit

	mu     sync.Mutex
	active map[string]int  // per peer
	busy   map[string]bool // per UUID
	total  int
}

// Serve accepts connections on ln until ctx ends or ln fails, handling
// each in its own goroutine.
func (r *Receiver) Serve(ctx context.Context, ln net.Listener) error {
	go func() { <-ctx.Done(); ln.Close() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.ServeConn(ctx, c)
		}()
	}
}

// refusal is an error the receiver reports to the sender with a code.
type refusal struct {
	code string
	err  error
}

func (e *refusal) Error() string { return e.code + ": " + e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

func refuse(code string, format string, args ...any) error {
	return &refusal{code: code, err: fmt.Errorf(format, args...)}
}

// ServeConn handles one connection (an XMP/1 migration or a RESOLVE) and
// closes it. It returns the error that ended it, already audited.
func (r *Receiver) ServeConn(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	lim := r.Limits.withDefaults()
	a := newAudit(r.Log, "receive", conn.RemoteAddr().String())
	defer a.emit()
	if ap, err := netip.ParseAddrPort(conn.RemoteAddr().String()); err == nil && !r.Policy.AllowedAddr(ap.Addr()) {
		a.outcome, a.decision, a.rule = "rejected", "deny", "allow_from"
		a.err = fmt.Errorf("connection from %s is outside allow_from", ap.Addr())
		return a.err
	}
	a.enter("handshake")
	conn.SetDeadline(time.Now().Add(lim.Handshake))
	tc, id, err := r.Endpoint.Server(ctx, conn)
	if err != nil {
		a.outcome, a.err = "rejected", err
		ok, n := r.preAuth.allow(time.Now())
		a.quiet, a.suppressed = !ok, n
		return err
	}
	defer tc.Close()
	a.peer = string(id)
	c := xmp.NewConn(tc)
	c.WriteTimeout = lim.Idle
	f, err := c.Read()
	if err != nil {
		a.outcome, a.err = "failed", fmt.Errorf("reading HELLO: %w", err)
		return a.err
	}
	switch f.Type {
	case xmp.TypeResolve:
		var m xmp.Resolve
		if err = f.Decode(&m); err == nil {
			err = r.resolve(ctx, c, string(id), m, a)
		}
	case xmp.TypeTunnel:
		var m xmp.Tunnel
		if err = f.Decode(&m); err == nil {
			err = r.tunnel(ctx, tc, c, string(id), m, a)
		}
	case xmp.TypeHello:
		var h xmp.Hello
		if err = f.Decode(&h); err == nil {
			err = r.receive(ctx, tc, c, string(id), h, a)
		}
	default:
		err = refuse(xmp.CodeProtocol, "first frame is %s; want HELLO or RESOLVE", f.Type)
	}
	if err != nil {
		var rf *refusal
		if errors.As(err, &rf) {
			t := xmp.TypeReject
			if a.phase == "stream" || a.phase == "restore" || a.phase == "ready" {
				t = xmp.TypeAbort
			}
			tc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			c.Send(t, xmp.Refusal{Code: rf.code, Reason: strings.ReplaceAll(rf.err.Error(), "'", "")})
			if a.decision == "" {
				a.decision = "deny"
			}
		} else if errors.Is(err, xmp.ErrFrame) {
			c.Send(xmp.TypeAbort, xmp.Refusal{Code: xmp.CodeProtocol, Reason: err.Error()})
		}
		if a.outcome == "" {
			a.outcome = "aborted"
		}
		a.err = err
	}
	return err
}

func (r *Receiver) receive(ctx context.Context, tc net.Conn, c *xmp.Conn, peer string, h xmp.Hello, a *audit) error {
	lim := r.Limits.withDefaults()
	a.enter("hello")
	a.id, a.uuid, a.name = h.MigrationID, h.Domain.UUID, h.Domain.Name
	if r.TS == nil {
		return refuse(xmp.CodeBackend, "this receiver cannot take native migrations (its backend cannot stream domains); use xl migrate -s \"xendshim migrate-connect\"")
	}
	if h.Proto != xmp.Proto || h.Format != Format {
		return refuse(xmp.CodeProtocol, "protocol %d format %q; this receiver speaks %d %q", h.Proto, h.Format, xmp.Proto, Format)
	}
	if !journal.ValidID(h.MigrationID) {
		return refuse(xmp.CodeProtocol, "migration id %q is not 32 lower-case hex digits", h.MigrationID)
	}
	req := policy.Request{Name: h.Domain.Name, UUID: h.Domain.UUID, MemKB: h.MemKB, VCPUs: h.VCPUs, Persist: h.Flags.Persist}
	grant, err := r.Policy.Authorize(peer, req, r.activeFor(peer))
	if err != nil {
		return r.denied(err, a)
	}
	_, rule := r.Policy.Peer(peer)
	a.rule = "peer " + rule
	if err := checkPrepared(r.Prepared, grant, a, h.Domain.UUID, peer); err != nil {
		return r.denied(err, a)
	}
	maxPeer := grant.Quota.MaxConcurrent
	if maxPeer == 0 {
		maxPeer = 1
	}
	release, err := r.claim(peer, h.Domain.UUID, r.Policy.MaxConcurrent, maxPeer)
	if err != nil {
		return err
	}
	defer release()
	if _, err := r.Journal.Get(h.MigrationID); err == nil {
		return refuse(xmp.CodeReplay, "migration id %s was used before", h.MigrationID)
	}
	// A domain with this UUID already here is refused, unless this host is
	// sending it to itself (a localhost migration, as `xl migrate dom
	// localhost`): the sender parks it before any page moves, and the check
	// is made again, for every sender, just before the restore.
	fromSelf := r.Endpoint != nil && peer != "" && peer == string(r.Endpoint.SelfIdentity())
	if d, err := findUUID(ctx, r.TS, h.Domain.UUID); err != nil {
		return refuse(xmp.CodeBackend, "listing domains: %v", err)
	} else if d != nil && !fromSelf {
		return refuse(xmp.CodeUUIDExists, "domain %s (%s) already exists here as domid %d", h.Domain.UUID, d.Name, d.Domid)
	}
	entry := journal.Entry{ID: h.MigrationID, Role: "receive", State: journal.Accepted, Peer: peer,
		UUID: h.Domain.UUID, Name: h.Domain.Name, Paused: h.Flags.Paused}
	if err := r.Journal.Create(entry); err != nil {
		if errors.Is(err, journal.ErrSeen) {
			return refuse(xmp.CodeReplay, "migration id %s was used before", h.MigrationID)
		}
		return refuse(xmp.CodeBackend, "%v", err)
	}
	unlock, err := r.Journal.Lock(h.MigrationID)
	if err != nil {
		return refuse(xmp.CodeBusy, "%v", err)
	}
	defer unlock()
	// From here every failure leaves a terminal ABORTED entry.
	domid := toolstack.Domid(0)
	created := false
	committed := false
	defer func() {
		if committed {
			return
		}
		if created {
			r.TS.Destroy(context.WithoutCancel(ctx), domid)
		}
		entry.State = journal.Aborted
		r.Journal.Put(entry)
	}()

	deadline := time.Now().Add(lim.deadline(h.MemKB))
	maxBytes := lim.maxBytes(h.MemKB)
	nonce := make([]byte, 16)
	rand.Read(nonce)
	a.enter("accept")
	if err := c.Send(xmp.TypeAccept, xmp.Accept{ReceiverNonce: hex.EncodeToString(nonce),
		Limits: xmp.Limits{MaxBytes: maxBytes, DeadlineS: int(time.Until(deadline) / time.Second)}}); err != nil {
		return err
	}
	// The wall deadline bounds the transfer (HELLO to STREAM_END); after
	// that the wait for GO is bounded by the idle limit alone, and the
	// restore in between is this host's own work.
	transferring := true
	next := func() (xmp.Frame, error) {
		f, err := c.ReadActive(func() {
			d := time.Now().Add(lim.Idle)
			if transferring && d.After(deadline) {
				d = deadline
			}
			tc.SetReadDeadline(d)
		})
		if err != nil && transferring && time.Now().After(deadline) {
			return f, refuse(xmp.CodeLimit, "the migration passed its %s deadline", lim.deadline(h.MemKB))
		}
		return f, err
	}

	// CONFIG: confine before any guest memory moves.
	a.enter("config")
	f, err := next()
	if err != nil {
		return err
	}
	var cfg toolstack.DomainConfig
	if err := f.As(xmp.TypeConfig, &cfg); err != nil {
		var pe *xmp.PeerError
		if errors.As(err, &pe) {
			return err
		}
		return refuse(xmp.CodeProtocol, "CONFIG: %v", err)
	}
	checked, err := r.Policy.Confine(grant, a.rule, &cfg, req)
	a.checked = checked
	if err != nil {
		return r.denied(err, a)
	}
	a.decision = "allow"
	if err := c.Send(xmp.TypeConfigOK, xmp.ConfigOK{Checked: checked}); err != nil {
		return err
	}
	r.hook("config-ok", tc)

	// DATA ... STREAM_END into a spool file, with the byte cap.
	a.enter("stream")
	spool, err := os.CreateTemp(r.SpoolDir, "xendshim-incoming-*")
	if err != nil {
		return refuse(xmp.CodeBackend, "spool: %v", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	sum := sha256.New()
	var total uint64
	for {
		f, err := next()
		if err != nil {
			return err
		}
		if f.Type == xmp.TypeStreamEnd {
			var end xmp.StreamEnd
			if err := f.Decode(&end); err != nil {
				return refuse(xmp.CodeProtocol, "STREAM_END: %v", err)
			}
			if end.TotalBytes != total || end.SHA256 != hex.EncodeToString(sum.Sum(nil)) {
				return refuse(xmp.CodeStream, "stream of %d bytes does not match STREAM_END (%d bytes, sha256 %.16s...)", total, end.TotalBytes, end.SHA256)
			}
			transferring = false
			break
		}
		if f.Type != xmp.TypeData {
			if err := f.As(xmp.TypeData, nil); err != nil {
				return err
			}
		}
		total += uint64(len(f.Payload))
		a.bytes = total
		if total > maxBytes {
			return refuse(xmp.CodeLimit, "stream exceeds %d bytes", maxBytes)
		}
		sum.Write(f.Payload)
		if _, err := spool.Write(f.Payload); err != nil {
			return refuse(xmp.CodeBackend, "spool: %v", err)
		}
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return refuse(xmp.CodeBackend, "spool: %v", err)
	}

	a.enter("restore")
	if d, err := findUUID(ctx, r.TS, h.Domain.UUID); err != nil {
		return refuse(xmp.CodeBackend, "listing domains: %v", err)
	} else if d != nil {
		return refuse(xmp.CodeUUIDExists, "domain %s (%s) is running here as domid %d; not restoring a second copy", h.Domain.UUID, d.Name, d.Domid)
	}
	// Create it paused; every path the stream names must be one CONFIG had.
	allowed := map[string]bool{}
	for _, p := range checked {
		if _, v, ok := strings.Cut(p, "="); ok {
			allowed[v] = true
		}
	}
	// Restoring can take long on a real host: keep the sender's idle timer
	// from firing meanwhile.
	stopKeepalive := c.Keepalive(lim.Idle / 4)
	domid, err = r.TS.MigrateReceive(ctx, spool, toolstack.ReceiveOptions{Paused: true, Policy: func(p string) error {
		if !allowed[p] {
			return fmt.Errorf("%s was not in the confined CONFIG", p)
		}
		return nil
	}})
	stopKeepalive()
	if err != nil {
		return refuse(xmp.CodeBackend, "restoring the stream: %v", err)
	}
	created = true
	// Defence in depth: confine what the backend actually built.
	got, err := r.TS.DomainConfig(ctx, domid)
	if err != nil {
		return refuse(xmp.CodeBackend, "reading the received config: %v", err)
	}
	if _, err := r.Policy.Confine(grant, a.rule, got, req); err != nil {
		return r.denied(fmt.Errorf("the stream's own config: %w", err), a)
	}
	entry.State, entry.Domid = journal.Ready, uint32(domid)
	if err := r.Journal.Put(entry); err != nil {
		return refuse(xmp.CodeBackend, "%v", err)
	}
	a.enter("ready")
	if err := c.Send(xmp.TypeReady, xmp.Ready{Domid: uint32(domid)}); err != nil {
		return err
	}
	r.hook("ready", tc)
	f, err = next()
	if err != nil {
		return err
	}
	if err := f.As(xmp.TypeGo, nil); err != nil {
		return err
	}
	// Commit point: journal first, then unpause.
	a.enter("commit")
	entry.State = journal.Committed
	if err := r.Journal.Put(entry); err != nil {
		return refuse(xmp.CodeBackend, "journal: %v", err)
	}
	committed = true
	a.outcome = "committed"
	usePrepared(r.Prepared, grant, a, h.Domain.UUID)
	rep := xmp.Report{Status: "ok"}
	if !h.Flags.Paused {
		if err := r.TS.Unpause(ctx, domid); err != nil {
			// Committed: the domain is ours even if it stays paused; the
			// sender must not resume its copy.
			rep.Error = "committed, but unpause failed: " + err.Error()
			a.err = errors.New(rep.Error)
		}
	}
	r.hook("committed", tc)
	tc.SetWriteDeadline(time.Now().Add(lim.Idle))
	c.Send(xmp.TypeReport, rep)
	return nil
}
