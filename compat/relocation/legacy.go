package relocation

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/xendshim/xendshim/compat/convert"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/prepare"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// xend's relocation framing (specs/migration.md §1.3–1.4).
const (
	// LegacySignature starts a xend image.
	LegacySignature = "LinuxGuestRecord"
	// MaxLegacyConfig caps the SXP config of a xend image.
	MaxLegacyConfig = 1 << 20
	// maxCommandLine caps one command line on the relocation port.
	maxCommandLine = 4096
	// xendErrorType is the type xend names in its (err ...) replies.
	xendErrorType = "<class 'xen.xend.XendError.XendError'>"
)

// LegacyRestorer is implemented by backends that can restore xend's
// legacy (pre-4.6) PV migration stream from r into a domain built from cfg,
// left paused. The real host would run libxl's convert-legacy-stream; no
// backend in this tree implements it yet.
type LegacyRestorer interface {
	RestoreLegacy(ctx context.Context, cfg *toolstack.DomainConfig, r io.Reader) (toolstack.Domid, error)
}

// SimulatedLegacyRestore is a LegacyRestorer for simulated hosts only: it
// creates the domain paused from cfg and reads the page stream to EOF,
// counting and hashing it, without restoring any page (a simulated host has
// none). Never use it on a real host: the guest would boot afresh.
type SimulatedLegacyRestore struct {
	TS toolstack.Toolstack
	// MaxBytes caps the stream (default 8 GiB).
	MaxBytes int64

	mu   sync.Mutex
	last string
}

// RestoreLegacy implements LegacyRestorer.
func (s *SimulatedLegacyRestore) RestoreLegacy(ctx context.Context, cfg *toolstack.DomainConfig, r io.Reader) (toolstack.Domid, error) {
	max := s.MaxBytes
	if max == 0 {
		max = 8 << 30
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, max+1))
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, fmt.Errorf("legacy stream exceeds %d bytes", max)
	}
	s.mu.Lock()
	s.last = hex.EncodeToString(h.Sum(nil))
	s.mu.Unlock()
	return s.TS.Create(ctx, cfg)
}

// LastHash returns the SHA-256 of the last stream read.
func (s *SimulatedLegacyRestore) LastHash() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// LegacyReceiver answers xend's relocation protocol (port 8002) so an old
// xend can migrate PV domains to this host. It has no authentication (xend
// had none): the sender is identified as "addr:<ip>" and must match a
// "cidr:" peer of the policy, which also confines the config exactly as
// for native migrations, before any page is read. Off unless configured.
type LegacyReceiver struct {
	// TS is the local toolstack.
	TS toolstack.Toolstack
	// Restorer turns xend's legacy page stream into a domain.
	Restorer LegacyRestorer
	// Policy admits senders by their "cidr:" peer entries and confines
	// the domain config.
	Policy *policy.Policy
	// Prepared holds the registrations peers with prepared = true need.
	Prepared *prepare.Store
	// Log gets one audit record per connection (nil: none).
	Log *slog.Logger
	// Limits bound each connection.
	Limits Limits
}

// Serve accepts relocation connections until ctx ends.
func (l *LegacyReceiver) Serve(ctx context.Context, ln net.Listener) error {
	go func() { <-ctx.Done(); ln.Close() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); l.ServeConn(ctx, c) }()
	}
}

// xendErr formats xend's error reply. The value is Python's repr of the
// message: single quotes unless it contains one.
func xendErr(msg string) string {
	v := "'" + strings.ReplaceAll(msg, `\`, `\\`) + "'"
	if strings.Contains(msg, "'") {
		v = `"` + strings.ReplaceAll(strings.ReplaceAll(msg, `\`, `\\`), `"`, `\"`) + `"`
	}
	return `(err (type "` + xendErrorType + `") (value ` + v + "))\n"
}

// ServeConn handles one relocation connection.
func (l *LegacyReceiver) ServeConn(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	lim := l.Limits.withDefaults()
	a := newAudit(l.Log, "receive-legacy", conn.RemoteAddr().String())
	defer a.emit()
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	id := "addr:" + host
	a.peer = id
	if p, _ := l.Policy.Peer(id); p == nil {
		// xend closed without a word (web/tcp.py); so do we.
		a.phase, a.outcome, a.decision, a.rule = "connect", "rejected", "deny", "no cidr peer"
		a.err = fmt.Errorf("rejected connection from %s", host)
		return a.err
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	for {
		conn.SetReadDeadline(time.Now().Add(lim.Idle))
		a.enter("command")
		line, err := br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF && len(line) == 0 {
				a.outcome = "closed"
				return nil
			}
			a.err = fmt.Errorf("reading a command: %w", err)
			return a.err
		}
		if len(line) > maxCommandLine {
			a.err = errors.New("command line too long")
			return a.err
		}
		vals, err := sxp.ParseAll(line)
		if err != nil {
			conn.Write([]byte(xendErr("Invalid operation: unparsable command")))
			continue
		}
		for _, v := range vals {
			name := v.Text()
			if v.IsList() && v.Len() > 0 {
				name = v.Index(0).Text()
			}
			switch name {
			case "help":
				conn.Write([]byte("(ok (help quit receive sslreceive))\n"))
			case "quit":
				a.outcome = "closed"
				return nil
			case "receive", "sslreceive":
				// sslreceive is what xend sends on its SSL port (8003,
				// served here by a TLS listener); the image follows the
				// same way (§1.3).
				conn.Write([]byte("(ready " + name + ")\n"))
				// The image is read through the same buffered reader:
				// a sender that pipelined it after the command loses
				// nothing (§1.3).
				err := l.receive(ctx, conn, br, id, a)
				if err != nil {
					a.err = err
					if a.outcome == "" {
						a.outcome = "aborted"
					}
					conn.Write([]byte(xendErr(strings.ReplaceAll(err.Error(), "'", ""))))
				}
				return err
			default:
				conn.Write([]byte(xendErr("Invalid operation: " + name)))
			}
		}
	}
}

func (l *LegacyReceiver) receive(ctx context.Context, conn net.Conn, br *bufio.Reader, id string, a *audit) error {
	lim := l.Limits.withDefaults()
	a.enter("header")
	conn.SetReadDeadline(time.Now().Add(lim.Idle))
	body, err := ReadLegacyHeader(br)
	if err != nil {
		return err
	}
	a.enter("config")
	res := convert.Bytes("relocation", body, convert.Options{})
	if res.Err != nil || res.Config == nil {
		return fmt.Errorf("cannot read the domain config: %v", res.Err)
	}
	cfg := res.Config
	a.uuid, a.name = cfg.CInfo.UUID, cfg.CInfo.Name
	if cfg.Type() != toolstack.TypePV {
		return fmt.Errorf("only PV domains can be received from xend (this one is %s)", cfg.Type())
	}
	req := policy.Request{Name: cfg.CInfo.Name, UUID: cfg.CInfo.UUID, MemKB: cfg.BInfo.MaxMemKB, VCPUs: cfg.BInfo.MaxVCPUs}
	grant, err := l.Policy.Authorize(id, req, 0)
	if err == nil {
		_, rule := l.Policy.Peer(id)
		a.rule = "peer " + rule
		err = checkPrepared(l.Prepared, grant, a, cfg.CInfo.UUID, id)
	}
	if err == nil {
		a.checked, err = l.Policy.Confine(grant, a.rule, cfg, req)
	}
	if err != nil {
		a.decision = "deny"
		if d, ok := policy.AsDenial(err); ok {
			a.rule = d.Rule
		}
		return err
	}
	a.decision = "allow"
	if d, err := findUUID(ctx, l.TS, cfg.CInfo.UUID); err != nil || d != nil {
		return fmt.Errorf("domain %s already exists here", cfg.CInfo.UUID)
	}
	if l.Restorer == nil {
		return fmt.Errorf("this host cannot restore xend legacy streams; upgrade the source or use xendshim migrate")
	}
	a.enter("stream")
	conn.SetReadDeadline(time.Now().Add(lim.deadline(req.MemKB)))
	domid, err := l.Restorer.RestoreLegacy(ctx, cfg, br)
	if err != nil {
		return fmt.Errorf("restore failed: %v", err)
	}
	// xend's sender destroyed its copy after the last byte without
	// waiting for us: from here the domain is ours.
	if err := l.TS.Unpause(ctx, domid); err != nil {
		return fmt.Errorf("unpause failed: %v", err)
	}
	a.outcome = "committed"
	usePrepared(l.Prepared, grant, a, cfg.CInfo.UUID)
	conn.Write([]byte("(ok)\n"))
	return nil
}

// ReadLegacyHeader reads the start of a xend image: the 16-byte signature
// "LinuxGuestRecord", a big-endian signed 32-bit length, and that many
// bytes of SXP config (1..MaxLegacyConfig), which it returns. The page
// stream that follows is left unread.
func ReadLegacyHeader(r io.Reader) ([]byte, error) {
	var hdr [len(LegacySignature) + 4]byte
	n, err := io.ReadFull(r, hdr[:])
	if n < len(LegacySignature) || string(hdr[:len(LegacySignature)]) != LegacySignature {
		return nil, fmt.Errorf("not a valid guest state file: found %q", hdr[:min(n, len(LegacySignature))])
	}
	if err != nil {
		return nil, fmt.Errorf("truncated image header")
	}
	size := int32(binary.BigEndian.Uint32(hdr[len(LegacySignature):]))
	if size <= 0 || size > MaxLegacyConfig {
		return nil, fmt.Errorf("config length %d outside 1..%d", size, MaxLegacyConfig)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("truncated config (%d bytes announced)", size)
	}
	return body, nil
}
