package xend

import (
	"context"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// errWrongScheduler is what xend passed on when a scheduler call named a
// scheduler the hypervisor does not run: the hypervisor's EINVAL, as xc
// raised it.
var errWrongScheduler = &Error{Code: CodeGeneric, Value: "(22, 'Invalid argument')"}

// hostScheduler returns the name of the host's scheduler.
func (s *Service) hostScheduler(ctx context.Context) (string, error) {
	hi, err := s.ts.HostInfo(ctx)
	if err != nil {
		return "", tsErr(err)
	}
	return hi.Sched.Name, nil
}

// SchedCredit2 returns a domain's credit2 weight
// (xend.domain.sched_credit2_get); the host must run credit2.
func (s *Service) SchedCredit2(ctx context.Context, id Ident) (int, error) {
	if name, err := s.hostScheduler(ctx); err != nil || name != "credit2" {
		if err != nil {
			return 0, err
		}
		if _, err := s.Domain(ctx, id, false); err != nil {
			return 0, err
		}
		return 0, errWrongScheduler
	}
	w, _, err := s.SchedCredit(ctx, id)
	return w, err
}

// SetSchedCredit2 sets a domain's credit2 weight
// (xend.domain.sched_credit2_set).
func (s *Service) SetSchedCredit2(ctx context.Context, id Ident, weight *int) error {
	if name, err := s.hostScheduler(ctx); err != nil || name != "credit2" {
		if err != nil {
			return err
		}
		if _, err := s.Domain(ctx, id, false); err != nil {
			return err
		}
		return errWrongScheduler
	}
	return s.SetSchedCredit(ctx, id, weight, nil)
}

// SchedSEDF returns a domain's sedf parameters as xend's cpu_sedf_get
// list: ['sedf', ['domid', n], ['period', ns], ['slice', ns],
// ['latency', ns], ['extratime', n], ['weight', n]].
func (s *Service) SchedSEDF(ctx context.Context, id Ident) (sxp.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return sxp.Value{}, err
	}
	if name, err := s.hostScheduler(ctx); err != nil || name != "sedf" || !d.active() {
		if err != nil {
			return sxp.Value{}, err
		}
		return sxp.Value{}, errWrongScheduler
	}
	p, err := s.ts.SchedParams(ctx, d.info.Domid)
	if err != nil {
		return sxp.Value{}, tsErr(err)
	}
	val := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	return sxp.List(sxp.Atom("sedf"), num("domid", int(d.info.Domid)), num("period", val(p.Period)),
		num("slice", val(p.Slice)), num("latency", val(p.Latency)), num("extratime", val(p.Extratime)),
		num("weight", val(p.Weight))), nil
}

// SetSchedSEDF sets a domain's sedf parameters (xend.domain.cpu_sedf_set).
func (s *Service) SetSchedSEDF(ctx context.Context, id Ident, period, slice, latency, extratime, weight int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if name, err := s.hostScheduler(ctx); err != nil || name != "sedf" || !d.active() {
		if err != nil {
			return err
		}
		return errWrongScheduler
	}
	return tsErr(s.ts.SetSchedParams(ctx, d.info.Domid, toolstack.SchedParams{Sched: "sedf",
		Period: &period, Slice: &slice, Latency: &latency, Extratime: &extratime, Weight: &weight}))
}
