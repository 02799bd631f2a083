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
	"os"
	"path/filepath"
	"time"

	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// Sender sends domains over XMP/1.
type Sender struct {
	// TS is the local toolstack.
	TS Backend
	// Endpoint authenticates this host and the receivers.
	Endpoint *secure.Endpoint
	// Journal records send-side migrations; SpoolDir holds parked images
	// (both must survive a crash: put them on persistent storage).
	Journal  *journal.Journal
	SpoolDir string
	// Self is this host's name, sent in HELLO for the receiver's logs.
	Self string
	// Dial opens the transport (default: TCP with a 10 s timeout). Tests
	// put a fault-injecting proxy or an in-memory pipe here.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Limits bound the waits on the receiver.
	Limits Limits
	// Log gets one audit record per migration (nil: none).
	Log *slog.Logger
	// ResolveAttempts and ResolveBackoff govern RESOLVE retries after a
	// lost REPORT (defaults 5 and 1 s, doubling).
	ResolveAttempts int
	ResolveBackoff  time.Duration
	// NoSync skips fsync of spool images (tests only).
	NoSync bool
	// Hook, if set, is called at named points of the protocol with the
	// TLS connection, so tests can break it there: "hello", "config",
	// "stream" (half way), "ready", "before-go" (GO_SENT journalled, GO not
	// written) and "after-go".
	Hook func(phase string, conn net.Conn)
}

func (s *Sender) hook(phase string, c net.Conn) {
	if s.Hook != nil {
		s.Hook(phase, c)
	}
}

// Options are the migration flags.
type Options struct {
	// Live is passed on (the simulated backend has no live pre-copy).
	Live bool
	// Paused leaves the domain paused on the receiver.
	Paused bool
	// Persist asks the receiver to keep the domain as managed (xend's
	// change_home_server); it needs a may_persist grant.
	Persist bool
}

// Outcomes of a migration.
const (
	OutcomeCommitted  = "committed"  // the receiver runs the domain; gone here
	OutcomeResumed    = "resumed"    // the domain runs here again
	OutcomeUnresolved = "unresolved" // parked here until Resolve learns the outcome
)

// Result is what Migrate or Resolve achieved.
type Result struct {
	MigrationID string
	Outcome     string
	// Domid is the domain's id on the receiver (committed) or here
	// (resumed).
	Domid toolstack.Domid
	// Bytes and SHA256 describe the stream sent.
	Bytes  uint64
	SHA256 string
}

// ErrUnresolved means GO was sent and the receiver could not be asked for
// the outcome: the domain stays parked (not running anywhere it was not
// committed to) until Resolve succeeds or an operator forces a resume.
var ErrUnresolved = errors.New("relocation: migration outcome unknown; the domain stays parked here until resolved (xendshim migrate-resolve)")

func (s *Sender) dial(ctx context.Context, addr, dest string) (net.Conn, *xmp.Conn, string, error) {
	dial := s.Dial
	if dial == nil {
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 10 * time.Second}
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	raw, err := dial(ctx, addr)
	if err != nil {
		return nil, nil, "", fmt.Errorf("relocation: connecting to %s: %w", addr, err)
	}
	tc, id, err := s.Endpoint.Client(ctx, raw, dest)
	if err != nil {
		raw.Close()
		return nil, nil, "", fmt.Errorf("relocation: %s: %w", addr, err)
	}
	c := xmp.NewConn(tc)
	c.WriteTimeout = s.Limits.withDefaults().Idle
	return tc, c, string(id), nil
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Migrate sends domain id to the receiver dest (its name, as in its
// certificate, pin or PSK table) at addr. On any failure before GO the
// domain is resumed here; after GO, only the receiver's answer decides.
func (s *Sender) Migrate(ctx context.Context, id toolstack.Domid, dest, addr string, opts Options) (*Result, error) {
	lim := s.Limits.withDefaults()
	a := newAudit(s.Log, "send", addr)
	defer a.emit()
	info, err := s.TS.Domain(ctx, id)
	if err != nil {
		a.err = err
		return nil, err
	}
	cfg, err := s.TS.DomainConfig(ctx, id)
	if err != nil {
		a.err = err
		return nil, err
	}
	if id == 0 {
		a.err = fmt.Errorf("relocation: cannot migrate Domain-0")
		return nil, a.err
	}
	res := &Result{MigrationID: newID()}
	a.id, a.uuid, a.name = res.MigrationID, info.UUID, info.Name
	a.enter("handshake")
	tc, c, peer, err := s.dial(ctx, addr, dest)
	if err != nil {
		a.err, a.outcome = err, "failed"
		return nil, err
	}
	defer tc.Close()
	a.peer = peer
	read := func(want xmp.Type, v any) error {
		f, err := c.ReadActive(func() { tc.SetReadDeadline(time.Now().Add(lim.Idle)) })
		if err != nil {
			return err
		}
		return f.As(want, v)
	}
	fail := func(err error) (*Result, error) {
		a.err, a.outcome = err, "failed"
		return nil, fmt.Errorf("relocation: migration of %s to %s: %w", info.Name, dest, err)
	}
	a.enter("hello")
	s.hook("hello", tc)
	h := xmp.Hello{Proto: xmp.Proto, Sender: s.Self, MigrationID: res.MigrationID,
		Domain: xmp.DomainRef{Name: info.Name, UUID: info.UUID},
		Flags:  xmp.Flags{Live: opts.Live, Paused: opts.Paused, Persist: opts.Persist},
		Format: Format, MemKB: max(info.MaxMemKB, cfg.BInfo.MaxMemKB), VCPUs: max(info.MaxVCPUs, cfg.BInfo.MaxVCPUs)}
	if err := c.Send(xmp.TypeHello, h); err != nil {
		return fail(err)
	}
	if err := read(xmp.TypeAccept, &xmp.Accept{}); err != nil {
		return fail(err)
	}
	a.enter("config")
	s.hook("config", tc)
	if err := c.Send(xmp.TypeConfig, cfg); err != nil {
		return fail(err)
	}
	var ok xmp.ConfigOK
	if err := read(xmp.TypeConfigOK, &ok); err != nil {
		return fail(err)
	}
	a.checked = ok.Checked

	// Park the domain: pause it and write its image to the spool. From
	// here the domain exists only as the parked image until resumed or
	// committed.
	a.enter("suspend")
	wasPaused := info.State&toolstack.StatePaused != 0
	entry := journal.Entry{ID: res.MigrationID, Role: "send", State: journal.Sending, Peer: peer, Addr: addr, Dest: dest,
		UUID: info.UUID, Name: info.Name, Domid: uint32(id), Paused: wasPaused,
		Spool: filepath.Join(s.spoolDir(), res.MigrationID+".img")}
	if err := s.Journal.Create(entry); err != nil {
		return fail(err)
	}
	unlock, err := s.Journal.Lock(res.MigrationID)
	if err != nil {
		return fail(err)
	}
	defer unlock()
	// Parking can take long (a real host writes the whole memory image):
	// keep the receiver's idle timer from firing meanwhile.
	stopKeepalive := c.Keepalive(lim.Idle / 4)
	sum, n, err := s.park(ctx, id, entry.Spool)
	stopKeepalive() // a receiver gone meanwhile fails the stream below
	if errors.Is(err, errParkedUnchecked) {
		// The image was written (the domain is gone from the backend)
		// but could not be hashed or synced: bring the domain back from
		// it here.
		c.Send(xmp.TypeAbort, xmp.Refusal{Code: xmp.CodeSender, Reason: "the sender could not park the domain"})
		r, rerr := s.resume(context.WithoutCancel(ctx), &entry)
		a.err, a.outcome = err, OutcomeResumed
		if rerr != nil {
			return nil, fmt.Errorf("relocation: parking %s failed (%v) and resuming it from %s failed too: %w", info.Name, err, entry.Spool, rerr)
		}
		return r, fmt.Errorf("relocation: parking %s failed, domain resumed here as domid %d: %w", info.Name, r.Domid, err)
	}
	if err != nil {
		// The domain was not sent: it is still here (paused by park).
		if !wasPaused {
			s.TS.Unpause(context.WithoutCancel(ctx), id)
		}
		entry.State, entry.Error = journal.Resumed, err.Error()
		s.Journal.Put(entry)
		c.Send(xmp.TypeAbort, xmp.Refusal{Code: xmp.CodeSender, Reason: "the sender could not suspend the domain"})
		return fail(err)
	}
	res.SHA256, res.Bytes = sum, n
	a.bytes = n
	resumeErr := func(cause error) (*Result, error) {
		c.Send(xmp.TypeAbort, xmp.Refusal{Code: xmp.CodeSender, Reason: "the sender gives up: " + cause.Error()})
		r, err := s.resume(context.WithoutCancel(ctx), &entry)
		a.err, a.outcome = cause, OutcomeResumed
		if err != nil {
			return nil, fmt.Errorf("relocation: migration of %s failed (%v) and resuming it here failed too: %w", info.Name, cause, err)
		}
		r.Bytes, r.SHA256 = res.Bytes, res.SHA256
		return r, fmt.Errorf("relocation: migration of %s to %s failed, domain resumed here as domid %d: %w", info.Name, dest, r.Domid, cause)
	}
	a.enter("stream")
	if err := s.stream(tc, c, entry.Spool, sum, n, func() { s.hook("stream", tc) }); err != nil {
		return resumeErr(err)
	}
	a.enter("ready")
	var rd xmp.Ready
	if err := read(xmp.TypeReady, &rd); err != nil {
		return resumeErr(err)
	}
	s.hook("ready", tc)
	// GO: after this only the receiver knows.
	entry.State = journal.GoSent
	if err := s.Journal.Put(entry); err != nil {
		return resumeErr(err)
	}
	a.enter("go")
	s.hook("before-go", tc)
	var rep xmp.Report
	err = c.Send(xmp.TypeGo, xmp.Go{})
	if err == nil {
		s.hook("after-go", tc)
		err = read(xmp.TypeReport, &rep)
	}
	switch {
	case err == nil && rep.Status == "ok":
		s.finish(&entry)
		res.Outcome, res.Domid = OutcomeCommitted, toolstack.Domid(rd.Domid)
		a.outcome = OutcomeCommitted
		if rep.Error != "" {
			a.err = errors.New(rep.Error)
		}
		return res, nil
	case err == nil:
		return resumeErr(fmt.Errorf("receiver reported %s: %s", rep.Status, rep.Error))
	}
	tc.Close()
	a.enter("resolve")
	r, rerr := s.resolveLoop(ctx, &entry)
	if rerr != nil {
		a.err, a.outcome = rerr, OutcomeUnresolved
		return &Result{MigrationID: res.MigrationID, Outcome: OutcomeUnresolved}, fmt.Errorf("%w (migration %s; lost REPORT: %v; last RESOLVE: %v)", ErrUnresolved, res.MigrationID, err, rerr)
	}
	a.outcome = r.Outcome
	r.Bytes, r.SHA256 = res.Bytes, res.SHA256
	if r.Outcome == OutcomeResumed {
		return r, fmt.Errorf("relocation: receiver aborted migration %s after GO; domain resumed here as domid %d", res.MigrationID, r.Domid)
	}
	r.Domid = toolstack.Domid(rd.Domid)
	return r, nil
}

func (s *Sender) spoolDir() string {
	if s.SpoolDir != "" {
		return s.SpoolDir
	}
	return s.Journal.Dir()
}

// park pauses the domain and writes its migration image to path (fsync),
// returning the image's SHA-256 and size. The backend destroys the domain
// once the image is written. A backend that can write the image into the
// file itself (toolstack.FileMigrator) does so, sparing a copy of the
// guest's memory while it is suspended.
func (s *Sender) park(ctx context.Context, id toolstack.Domid, path string) (string, uint64, error) {
	if err := s.TS.Pause(ctx, id); err != nil {
		return "", 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	var n uint64
	fm, direct := s.TS.(toolstack.FileMigrator)
	if direct {
		err = fm.MigrateSendFile(ctx, id, path, toolstack.MigrateOptions{})
	} else {
		cw := &countWriter{w: io.MultiWriter(f, h)}
		err = s.TS.MigrateSend(ctx, id, cw, toolstack.MigrateOptions{})
		n = cw.n
	}
	if err != nil {
		// Not sent: the domain is still here.
		f.Close()
		os.Remove(path)
		return "", 0, err
	}
	// From here the image is the domain's only copy: never remove it.
	if direct {
		var k int64
		k, err = io.Copy(h, f)
		n = uint64(k)
	}
	if err == nil && !s.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("%w: %v", errParkedUnchecked, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// errParkedUnchecked: the backend wrote the image (the domain is gone
// from it) but the image could not be read back, hashed or synced.
var errParkedUnchecked = errors.New("the parked image could not be checked")

type countWriter struct {
	w io.Writer
	n uint64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}

func (s *Sender) stream(tc net.Conn, c *xmp.Conn, path, sum string, n uint64, half func()) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, xmp.MaxData)
	lim := s.Limits.withDefaults()
	var sent uint64
	halfDone := false
	for {
		k, err := f.Read(buf[:min(len(buf), max(1, int(n/4)))])
		if k > 0 {
			if !halfDone && sent >= n/2 {
				halfDone = true
				half()
			}
			sent += uint64(k)
			tc.SetWriteDeadline(time.Now().Add(lim.Idle))
			if werr := c.SendData(buf[:k]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return c.Send(xmp.TypeStreamEnd, xmp.StreamEnd{TotalBytes: n, SHA256: sum})
}
