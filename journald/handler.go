package journald

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	// Identifier is sent as SYSLOG_IDENTIFIER; empty sends none.
	Identifier string
	// Level is the minimum level handled; nil means slog.LevelInfo.
	Level slog.Leveler
}

// Handler is a slog.Handler that sends each record to journald: the
// message as MESSAGE, the level as PRIORITY, the options' identifier as
// SYSLOG_IDENTIFIER, and each attribute as a field named by FieldName
// (groups joined with '_': group "peer", key "addr" gives PEER_ADDR). An
// attribute whose name would be MESSAGE, PRIORITY or SYSLOG_IDENTIFIER is
// sent as ATTR_MESSAGE and so on, so it cannot replace the record's own.
type Handler struct {
	conn   *Conn
	opts   HandlerOptions
	prefix string  // joined open groups, with a trailing '_', or ""
	attrs  []Field // from WithAttrs, already named
}

// NewHandler returns a Handler sending to c. opts may be nil.
func NewHandler(c *Conn, opts *HandlerOptions) *Handler {
	h := &Handler{conn: c}
	if opts != nil {
		h.opts = *opts
	}
	return h
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	floor := slog.LevelInfo
	if h.opts.Level != nil {
		floor = h.opts.Level.Level()
	}
	return l >= floor
}

// Handle implements slog.Handler. A send error is returned (slog drops
// it; the record is lost, as with syslog).
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	fields := make([]Field, 0, 3+len(h.attrs)+r.NumAttrs())
	fields = append(fields, Field{"MESSAGE", r.Message}, Field{"PRIORITY", strconv.Itoa(Priority(r.Level))})
	if h.opts.Identifier != "" {
		fields = append(fields, Field{"SYSLOG_IDENTIFIER", h.opts.Identifier})
	}
	fields = append(fields, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		fields = appendAttr(fields, h.prefix, a)
		return true
	})
	return h.conn.Send(fields)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]Field(nil), h.attrs...)
	for _, a := range as {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "_"
	return &h2
}

// Priority maps a slog level to a syslog priority: below Info is debug
// (7), below Warn info (6), below Error warning (4), otherwise err (3).
func Priority(l slog.Level) int {
	switch {
	case l < slog.LevelInfo:
		return 7
	case l < slog.LevelWarn:
		return 6
	case l < slog.LevelError:
		return 4
	}
	return 3
}

// appendAttr adds a's fields under prefix; groups recurse.
func appendAttr(fields []Field, prefix string, a slog.Attr) []Field {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "_"
		}
		for _, g := range v.Group() {
			fields = appendAttr(fields, p, g)
		}
		return fields
	}
	if a.Equal(slog.Attr{}) {
		return fields
	}
	name := FieldName(prefix + a.Key)
	switch name {
	case "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER":
		name = "ATTR_" + name
	}
	return append(fields, Field{name, valueText(v)})
}

// valueText formats a resolved, non-group value.
func valueText(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return x.Error()
		case fmt.Stringer:
			return x.String()
		case encoding.TextMarshaler:
			if b, err := x.MarshalText(); err == nil {
				return string(b)
			}
		}
		if b, err := json.Marshal(v.Any()); err == nil {
			return string(b)
		}
		return fmt.Sprint(v.Any())
	}
	return v.String()
}
