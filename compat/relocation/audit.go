package relocation

import (
	"context"
	"log/slog"
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
	outcome  string
	err      error
}

func newAudit(log *slog.Logger, role, addr string) *audit {
	return &audit{log: log, start: time.Now(), role: role, peerAddr: addr, phase: "connect"}
}

func (a *audit) emit() {
	if a.log == nil {
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
		slog.String("error", errText))
}
