package xend

import (
	"context"
	"sort"
)

// Autostart starts every inactive managed domain whose on_xend_start is
// "start", as xend did when it started. Failures are reported through
// Options.Logf and do not stop the others; the names started are returned.
func (s *Service) Autostart(ctx context.Context) []string {
	s.mu.Lock()
	snap, err := s.refresh(ctx)
	if err != nil {
		s.mu.Unlock()
		s.opts.Logf("xend: autostart: %v", err)
		return nil
	}
	var names []string
	for _, rec := range s.inactiveManaged(snap) {
		if rec.OnXendStart == "start" {
			names = append(names, rec.Name)
		}
	}
	s.mu.Unlock()
	sort.Strings(names)
	var started []string
	for _, n := range names {
		if err := s.Start(ctx, Name(n), false); err != nil {
			s.opts.Logf("xend: autostart of %s failed: %v", n, err)
			continue
		}
		started = append(started, n)
	}
	return started
}

// XendStop applies on_xend_stop to the running managed domains, as xend
// did when it stopped: "shutdown" asks the guest to power off, "suspend"
// suspends it to the store; "ignore" leaves it running. Failures are
// reported through Options.Logf.
func (s *Service) XendStop(ctx context.Context) {
	s.mu.Lock()
	snap, err := s.refresh(ctx)
	if err != nil {
		s.mu.Unlock()
		s.opts.Logf("xend: on_xend_stop: %v", err)
		return
	}
	type job struct{ name, action string }
	var jobs []job
	for _, d := range s.all(snap) {
		if d.active() && d.rec.Managed && d.rec.OnXendStop != "ignore" {
			jobs = append(jobs, job{d.rec.Name, d.rec.OnXendStop})
		}
	}
	s.mu.Unlock()
	for _, j := range jobs {
		var err error
		switch j.action {
		case "shutdown":
			err = s.Shutdown(ctx, Name(j.name), "poweroff")
		case "suspend":
			err = s.Suspend(ctx, Name(j.name))
		}
		if err != nil {
			s.opts.Logf("xend: on_xend_stop %s of %s failed: %v", j.action, j.name, err)
		}
	}
}
