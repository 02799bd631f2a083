package relocation

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// audit is the one record logged per connection (specs/migration.md §3.8).
// It never holds guest data, keys or passwords.
type audit struct {
	log      *slog.Logger
	start    time.Time
	role     string
	id       string
	peerAddr string
	peer     string
	uuid     string
	name     string
	decision string
	rule     string
	checked  []string
	bytes    uint64
	phase    string
	// phaseStart is when phase began; phases holds "name=duration" of
	// the phases already left, for the record's "phases" field (where a
	// migration's time, and the guest's downtime, went).
	phaseStart time.Time
	phases     []string
	outcome    string
	err        error
	// quiet drops the record (rate-limited pre-authentication noise).
	quiet bool
	// suppressed counts earlier records dropped by the rate limit.
	suppressed int64
}

func newAudit(log *slog.Logger, role, addr string) *audit {
	now := time.Now()
	return &audit{log: log, start: now, role: role, peerAddr: addr, phase: "connect", phaseStart: now}
}

// enter moves the record to phase, noting how long the last one took.
func (a *audit) enter(phase string) {
	now := time.Now()
	a.phases = append(a.phases, a.phase+"="+now.Sub(a.phaseStart).Round(time.Millisecond).String())
	a.phase, a.phaseStart = phase, now
}

func (a *audit) emit() {
	if a.log == nil || a.quiet {
		return
	}
	errText := ""
	if a.err != nil {
		errText = a.err.Error()
	}
	level := slog.LevelInfo
	if a.err != nil {
		level = slog.LevelWarn
	}
	a.log.LogAttrs(context.Background(), level, "migration",
		slog.String("migration_id", a.id), slog.String("role", a.role),
		slog.String("peer_addr", a.peerAddr), slog.String("peer_identity", a.peer),
		slog.String("uuid", a.uuid), slog.String("name", a.name),
		slog.String("decision", a.decision), slog.String("rule", a.rule),
		slog.Any("checked", a.checked), slog.Uint64("bytes", a.bytes),
		slog.Duration("duration", time.Since(a.start)),
		slog.String("phase_reached", a.phase), slog.String("outcome", a.outcome),
		slog.String("error", errText), slog.Int64("suppressed_before", a.suppressed),
		slog.String("phases", strings.Join(append(a.phases, a.phase+"="+time.Since(a.phaseStart).Round(time.Millisecond).String()), " ")))
}

// preAuthLimit is a token bucket for audit records of connections that
// failed before authentication, so a flood of unauthenticated connections
// cannot fill the disk (specs/migration.md §3.8). Rate per second, burst.
type preAuthLimit struct {
	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int64
}

const (
	preAuthRate  = 5.0
	preAuthBurst = 20.0
)

// allow takes a token; when none is left it counts the record as
// suppressed. It returns how many were suppressed before this one.
func (l *preAuthLimit) allow(now time.Time) (bool, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last.IsZero() {
		l.tokens = preAuthBurst
	} else {
		l.tokens = min(preAuthBurst, l.tokens+now.Sub(l.last).Seconds()*preAuthRate)
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	n := l.suppressed
	l.suppressed = 0
	return true, n
}
