// Package journal keeps the durable record of migrations that makes a
// domain run exactly once (specs/migration.md §3.4): one JSON file per
// migration id, replaced atomically (temp file, fsync, rename, fsync of the
// directory), plus a lock file so two processes never drive the same
// migration. Ids are single use: Create fails for an id seen before, and
// entries are kept for Retention to block replays.
package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Retention is how long finished entries are kept to block replays.
const Retention = 7 * 24 * time.Hour

// State is where a migration stands.
type State string

// Receiver states.
const (
	Accepted  State = "ACCEPTED"  // HELLO accepted, nothing created yet
	Ready     State = "READY"     // domain created paused, READY sent
	Committed State = "COMMITTED" // GO received: the domain is ours
	Aborted   State = "ABORTED"   // presumed abort: any copy destroyed
)

// Sender states.
const (
	Sending State = "SENDING" // the domain is parked in the spool image
	GoSent  State = "GO_SENT" // GO may have reached the receiver: only RESOLVE decides
	Done    State = "DONE"    // the receiver committed; the parked copy is gone
	Resumed State = "RESUMED" // the domain runs here again
)

// Terminal reports whether no further step is needed.
func (s State) Terminal() bool {
	return s == Committed || s == Aborted || s == Done || s == Resumed
}

// Entry is one migration's record.
type Entry struct {
	ID      string    `json:"id"`
	Role    string    `json:"role"` // "send" or "receive"
	State   State     `json:"state"`
	Peer    string    `json:"peer"` // identity of the other side
	Addr    string    `json:"addr,omitempty"`
	Dest    string    `json:"dest,omitempty"` // sender: the receiver's name
	UUID    string    `json:"uuid"`
	Name    string    `json:"name"`
	Domid   uint32    `json:"domid,omitempty"`
	Paused  bool      `json:"paused,omitempty"`
	Spool   string    `json:"spool,omitempty"` // sender: the parked image
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Error   string    `json:"error,omitempty"`
}

// Journal is a directory of entries.
type Journal struct {
	dir    string
	noSync bool
}

// ErrSeen: the migration id was used before.
var ErrSeen = errors.New("journal: migration id already used")

// ErrNotFound: no entry for the id.
var ErrNotFound = errors.New("journal: no such migration")

// ErrLocked: another process or goroutine drives this migration.
var ErrLocked = errors.New("journal: migration is in progress elsewhere")

var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidID reports whether id has the form of a migration id (128 bits in
// lower-case hex).
func ValidID(id string) bool { return idRE.MatchString(id) }

// Open opens (creating) the journal directory. noSync skips fsync (tests).
func Open(dir string, noSync bool) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{dir: dir, noSync: noSync}, nil
}

// Dir returns the journal directory.
func (j *Journal) Dir() string { return j.dir }

func (j *Journal) path(id string) string { return filepath.Join(j.dir, id+".json") }

func (j *Journal) write(e *Entry) (string, error) {
	if !ValidID(e.ID) {
		return "", fmt.Errorf("journal: malformed migration id %q", e.ID)
	}
	e.Updated = time.Now().UTC()
	if e.Created.IsZero() {
		e.Created = e.Updated
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(j.dir, ".tmp-"+e.ID+"-*")
	if err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err == nil && !j.noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("journal: writing %s: %w", e.ID, err)
	}
	return f.Name(), nil
}

func (j *Journal) syncDir() error {
	if j.noSync {
		return nil
	}
	d, err := os.Open(j.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Create records a new migration; ErrSeen if the id has an entry already
// (atomic: the entry is linked into place, which fails if it exists).
func (j *Journal) Create(e Entry) error {
	tmp, err := j.write(&e)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, j.path(e.ID)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", ErrSeen, e.ID)
		}
		return fmt.Errorf("journal: %w", err)
	}
	return j.syncDir()
}

// Put replaces the entry for e.ID atomically.
func (j *Journal) Put(e Entry) error {
	tmp, err := j.write(&e)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, j.path(e.ID)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal: %w", err)
	}
	return j.syncDir()
}

// Get returns the entry for id.
func (j *Journal) Get(id string) (Entry, error) {
	var e Entry
	if !ValidID(id) {
		return e, fmt.Errorf("%w: malformed id %q", ErrNotFound, id)
	}
	b, err := os.ReadFile(j.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return e, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return e, fmt.Errorf("journal: %w", err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("journal: %s is corrupt: %w", j.path(id), err)
	}
	return e, nil
}

// List returns every entry (corrupt files are reported as errors after
// the good entries).
func (j *Journal) List() ([]Entry, error) {
	names, err := filepath.Glob(filepath.Join(j.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	var errs []error
	for _, n := range names {
		id := strings.TrimSuffix(filepath.Base(n), ".json")
		e, err := j.Get(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// Lock takes the exclusive lock of a migration id without waiting; the
// returned function releases it. The lock is an flock, so it is released
// if the process dies, and it works across processes (inetd mode runs one
// process per connection).
func (j *Journal) Lock(id string) (func(), error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("journal: malformed migration id %q", id)
	}
	f, err := os.OpenFile(filepath.Join(j.dir, id+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, id)
		}
		return nil, fmt.Errorf("journal: lock %s: %w", id, err)
	}
	return func() { f.Close() }, nil
}

// Prune removes terminal entries last updated before cutoff (and their
// lock files).
func (j *Journal) Prune(cutoff time.Time) error {
	es, err := j.List()
	for _, e := range es {
		if e.State.Terminal() && e.Updated.Before(cutoff) {
			os.Remove(j.path(e.ID))
			os.Remove(filepath.Join(j.dir, e.ID+".lock"))
		}
	}
	return err
}
