package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
	"github.com/xendshim/xendshim/toolstack/xl"
)

// xenCapabilitiesPath is read to detect a Xen control domain.
var xenCapabilitiesPath = "/proc/xen/capabilities"

// isControlDomain reports whether this host is a Xen dom0: the
// capabilities file lists control_d.
func isControlDomain(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte("control_d"))
}

// backend is the chosen toolstack and how to release it.
type backend struct {
	name  string // "sim" or "xl"
	ts    toolstack.Toolstack
	close func()
}

// openBackend builds the toolstack named by cfg.Backend; "auto" picks xl on
// a Xen control domain and the simulated host elsewhere, saying so loudly.
func openBackend(cfg *config.Config, log *slog.Logger) (*backend, error) {
	name := cfg.Backend
	if name == "auto" {
		if isControlDomain(xenCapabilitiesPath) {
			name = "xl"
			log.Info("Xen control domain detected; using the xl backend", "capabilities", xenCapabilitiesPath)
		} else {
			name = "sim"
			log.Warn("NO XEN HYPERVISOR FOUND: SERVING A SIMULATED HOST. Domains created here are not real; use --backend xl on a Xen dom0.",
				"capabilities", xenCapabilitiesPath)
		}
	}
	switch name {
	case "sim":
		var prof *sim.Profile
		if cfg.SimProfile != "" {
			p, err := sim.LoadProfile(cfg.SimProfile)
			if err != nil {
				return nil, err
			}
			prof = p
		}
		dir := filepath.Join(cfg.StateDir, "sim")
		s, err := sim.New(sim.Options{StateDir: dir, Profile: prof, Seed: uint64(cfg.Seed)})
		if err != nil {
			return nil, err
		}
		log.Info("simulated host ready", "state", dir, "profile", orDefault(cfg.SimProfile, "built-in"), "seed", cfg.Seed)
		return &backend{name: "sim", ts: s, close: func() {}}, nil
	case "xl":
		xlog := log.With("component", "xl")
		b, err := xl.New(xl.Options{
			ConfigDir: filepath.Join(cfg.StateDir, "xl"),
			Logf:      func(format string, args ...any) { xlog.Warn(fmt.Sprintf(format, args...)) },
		})
		if err != nil {
			return nil, err
		}
		return &backend{name: "xl", ts: b, close: func() { b.Close() }}, nil
	}
	return nil, fmt.Errorf("unknown backend %q: want auto, sim or xl", name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
