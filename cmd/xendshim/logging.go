package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/xendshim/xendshim/config"
)

// logSink is where the log goes: standard error, or a file that SIGHUP
// reopens (for logrotate). Never standard output, which may be a protocol
// stream.
type logSink struct {
	mu     sync.Mutex
	stderr io.Writer
	path   string
	f      *os.File
}

// Write implements io.Writer.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return s.f.Write(p)
	}
	return s.stderr.Write(p)
}

// open switches the sink to path ("" = standard error), closing the old
// file. On error the sink is unchanged.
func (s *logSink) open(path string) error {
	var f *os.File
	if path != "" {
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return fmt.Errorf("log file: %w", err)
		}
	}
	s.mu.Lock()
	old := s.f
	s.f, s.path = f, path
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// close closes the log file, if any.
func (s *logSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// logging is the daemon's logger and the knobs SIGHUP may change.
type logging struct {
	sink  *logSink
	level *slog.LevelVar
	log   *slog.Logger
}

// newLogging builds a text logger on stderr or on cfg.LogFile.
func newLogging(cfg *config.Config, stderr io.Writer) (*logging, error) {
	l := &logging{sink: &logSink{stderr: stderr}, level: new(slog.LevelVar)}
	if err := l.apply(cfg); err != nil {
		return nil, err
	}
	l.log = slog.New(slog.NewTextHandler(l.sink, &slog.HandlerOptions{Level: l.level}))
	return l, nil
}

// apply sets the level and (re)opens the log file from cfg.
func (l *logging) apply(cfg *config.Config) error {
	lvl, err := config.ParseLogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	if err := l.sink.open(cfg.LogFile); err != nil {
		return err
	}
	l.level.Set(lvl)
	return nil
}
