package relocation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// resolve answers RESOLVE: "committed" if the migration committed here,
// otherwise it aborts atomically (destroying any copy) and says "aborted".
// An unknown id is recorded as ABORTED, so a late HELLO with it is a
// replay.
func (r *Receiver) resolve(ctx context.Context, c *xmp.Conn, peer string, m xmp.Resolve, a *audit) error {
	a.enter("resolve")
	a.id = m.MigrationID
	if !journal.ValidID(m.MigrationID) {
		return refuse(xmp.CodeProtocol, "migration id %q is malformed", m.MigrationID)
	}
	var unlock func()
	var err error
	// The connection that carried the migration may still be finishing.
	for i := 0; ; i++ {
		unlock, err = r.Journal.Lock(m.MigrationID)
		if err == nil || !errors.Is(err, journal.ErrLocked) || i >= 100 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return refuse(xmp.CodeBusy, "%v", err)
	}
	defer unlock()
	e, err := r.Journal.Get(m.MigrationID)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		e = journal.Entry{ID: m.MigrationID, Role: "receive", State: journal.Aborted, Peer: peer, Error: "unknown id resolved as aborted"}
		if err := r.Journal.Create(e); err != nil && !errors.Is(err, journal.ErrSeen) {
			return refuse(xmp.CodeBackend, "%v", err)
		}
	case err != nil:
		return refuse(xmp.CodeBackend, "%v", err)
	case e.Peer != peer:
		return refuse(xmp.CodePolicy, "migration %s belongs to another sender", m.MigrationID)
	case e.State == journal.Committed:
		a.outcome = stateText(journal.Committed)
		return c.Send(xmp.TypeResolved, xmp.Resolved{Outcome: xmp.OutcomeCommitted})
	default:
		if err := r.abortEntry(ctx, &e); err != nil {
			return refuse(xmp.CodeBackend, "%v", err)
		}
	}
	a.outcome = "aborted"
	return c.Send(xmp.TypeResolved, xmp.Resolved{Outcome: xmp.OutcomeAborted})
}

// abortEntry destroys the copy a non-terminal entry may have made and
// journals ABORTED. Caller holds the entry's lock.
func (r *Receiver) abortEntry(ctx context.Context, e *journal.Entry) error {
	if e.State == journal.Aborted {
		return nil
	}
	if e.State == journal.Committed {
		return fmt.Errorf("migration %s is committed", e.ID)
	}
	if r.TS == nil {
		return fmt.Errorf("migration %s: no backend to abort it with", e.ID)
	}
	if d, err := findUUID(ctx, r.TS, e.UUID); err != nil {
		return err
	} else if d != nil && e.Domid != 0 && d.Domid == toolstack.Domid(e.Domid) {
		if err := r.TS.Destroy(ctx, d.Domid); err != nil && !errors.Is(err, toolstack.ErrNotFound) {
			return err
		}
	}
	e.State = journal.Aborted
	return r.Journal.Put(*e)
}

// Recover aborts receive-side migrations left unfinished by a crash
// (presumed abort): any paused copy is destroyed and the entry journalled
// ABORTED. Entries locked by a live process are left alone. It also prunes
// entries older than journal.Retention. It returns how many it aborted.
func (r *Receiver) Recover(ctx context.Context) (int, error) {
	es, err := r.Journal.List()
	n := 0
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, e := range es {
		if e.State.Terminal() || e.Role != "receive" {
			continue
		}
		unlock, err := r.Journal.Lock(e.ID)
		if err != nil {
			continue
		}
		if err := r.abortEntry(ctx, &e); err != nil {
			errs = append(errs, fmt.Errorf("recover %s: %w", e.ID, err))
		} else {
			n++
		}
		unlock()
	}
	if err := r.Journal.Prune(time.Now().Add(-journal.Retention)); err != nil {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// String returns the state's text in lower case, as outcomes are logged.
func stateText(s journal.State) string { return strings.ToLower(string(s)) }
