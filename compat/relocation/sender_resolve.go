package relocation

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// resume brings the parked domain back here and journals RESUMED.
func (s *Sender) resume(ctx context.Context, e *journal.Entry) (*Result, error) {
	// A crash while parking can leave the domain here still (the backend
	// destroys it only once the image is written).
	if d, err := findUUID(ctx, s.TS, e.UUID); err == nil && d != nil {
		if !e.Paused {
			s.TS.Unpause(ctx, d.Domid)
		}
		e.State, e.Domid = journal.Resumed, uint32(d.Domid)
		if err := s.Journal.Put(*e); err != nil {
			return nil, err
		}
		os.Remove(e.Spool)
		return &Result{MigrationID: e.ID, Outcome: OutcomeResumed, Domid: d.Domid}, nil
	}
	f, err := os.Open(e.Spool)
	if err != nil {
		return nil, fmt.Errorf("opening the parked image %s: %w", e.Spool, err)
	}
	defer f.Close()
	id, err := s.TS.MigrateReceive(ctx, f, toolstack.ReceiveOptions{Paused: e.Paused})
	if err != nil {
		return nil, fmt.Errorf("resuming from %s: %w", e.Spool, err)
	}
	e.State, e.Domid = journal.Resumed, uint32(id)
	if err := s.Journal.Put(*e); err != nil {
		return nil, err
	}
	os.Remove(e.Spool)
	return &Result{MigrationID: e.ID, Outcome: OutcomeResumed, Domid: id}, nil
}

// finish records that the receiver committed and drops the parked image.
func (s *Sender) finish(e *journal.Entry) {
	e.State = journal.Done
	s.Journal.Put(*e)
	os.Remove(e.Spool)
}

func (s *Sender) resolveLoop(ctx context.Context, e *journal.Entry) (*Result, error) {
	attempts, backoff := s.ResolveAttempts, s.ResolveBackoff
	if attempts == 0 {
		attempts = 5
	}
	if backoff == 0 {
		backoff = time.Second
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		r, err := s.resolveOnce(ctx, e)
		if err == nil {
			return r, nil
		}
		last = err
	}
	return nil, last
}

func (s *Sender) resolveOnce(ctx context.Context, e *journal.Entry) (*Result, error) {
	tc, c, peer, err := s.dial(ctx, e.Addr, e.Dest)
	if err != nil {
		return nil, err
	}
	defer tc.Close()
	if peer != e.Peer {
		return nil, fmt.Errorf("receiver at %s is %s now, not %s", e.Addr, peer, e.Peer)
	}
	if err := c.Send(xmp.TypeResolve, xmp.Resolve{MigrationID: e.ID}); err != nil {
		return nil, err
	}
	tc.SetReadDeadline(time.Now().Add(s.Limits.withDefaults().Idle))
	var m xmp.Resolved
	if err := c.Expect(xmp.TypeResolved, &m); err != nil {
		return nil, err
	}
	switch m.Outcome {
	case xmp.OutcomeCommitted:
		s.finish(e)
		return &Result{MigrationID: e.ID, Outcome: OutcomeCommitted}, nil
	case xmp.OutcomeAborted:
		return s.resume(context.WithoutCancel(ctx), e)
	}
	return nil, fmt.Errorf("receiver answered RESOLVE with %q", m.Outcome)
}

// Resolve finishes a send-side migration left unfinished: one that never
// reached GO is resumed here; one past GO asks the receiver (RESOLVE) and
// then destroys the parked copy or resumes it. With forceResume the
// domain is resumed without asking — only safe when the operator knows the
// receiver did not commit.
func (s *Sender) Resolve(ctx context.Context, id string, forceResume bool) (*Result, error) {
	unlock, err := s.Journal.Lock(id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	e, err := s.Journal.Get(id)
	if err != nil {
		return nil, err
	}
	if e.Role != "send" {
		return nil, fmt.Errorf("relocation: migration %s was received here, not sent; receive-side entries resolve themselves", id)
	}
	switch {
	case e.State == journal.Done:
		return &Result{MigrationID: id, Outcome: OutcomeCommitted}, nil
	case e.State == journal.Resumed:
		return &Result{MigrationID: id, Outcome: OutcomeResumed, Domid: toolstack.Domid(e.Domid)}, nil
	case e.State == journal.Sending || forceResume:
		return s.resume(ctx, &e)
	}
	return s.resolveLoop(ctx, &e)
}

// Pending lists send-side migrations that are not finished.
func (s *Sender) Pending() ([]journal.Entry, error) {
	es, err := s.Journal.List()
	var out []journal.Entry
	for _, e := range es {
		if e.Role == "send" && !e.State.Terminal() {
			out = append(out, e)
		}
	}
	return out, err
}
