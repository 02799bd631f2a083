package xend

import (
	"context"

	"github.com/xendshim/xendshim/toolstack"
)

// Migration is one xend.domain.migrate request, resolved to a live domain.
type Migration struct {
	// Domid and Name identify the domain here.
	Domid toolstack.Domid
	Name  string
	// Host and Port are the destination; Port 0 means the default
	// relocation port (8002, or 8003 with SSL).
	Host string
	Port int
	// Live asks for a live migration; SSL for the TLS transport; Node is
	// the NUMA node hint (-1: none); ChangeHome is xm migrate -c.
	Live, SSL, ChangeHome bool
	Node                  int
}

// Migrate sends a domain to another host through Options.Migrate
// (xend.domain.migrate). dom0 and inactive domains are refused as xend
// refused them.
func (s *Service) Migrate(ctx context.Context, id Ident, m Migration) error {
	s.mu.Lock()
	d, err := s.lookup(ctx, id)
	if err == nil {
		err = privileged(d, "migrate", id)
	}
	if err == nil && !d.active() {
		err = xendError("Domain is not running")
	}
	if err != nil {
		s.mu.Unlock()
		return err
	}
	m.Domid, m.Name = d.info.Domid, d.rec.Name
	s.mu.Unlock()
	if m.Port == 0 {
		m.Port = 8002
		if m.SSL {
			m.Port = 8003
		}
	}
	if s.opts.Migrate == nil {
		return xendError("can't migrate %s to %s: no relocation sender is configured on this host", m.Name, m.Host)
	}
	if err := s.opts.Migrate(ctx, m); err != nil {
		return tsErr(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.refresh(ctx)
	return err
}
