package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// ParseLogLevel reads a log level: debug, info, warn (or warning), error,
// and xend's CRITICAL (treated as error); case does not matter.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "critical":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("config: log level %q: want debug, info, warn or error", s)
}
