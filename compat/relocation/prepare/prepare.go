// Package prepare keeps a migration receiver's pre-registrations for its
// prepared mode (specs/migration.md §3.5, like libvirt's Prepare phase):
// a peer whose policy entry says prepared = true may send a domain only
// after an operator or orchestrator on the receiver registered that
// domain's UUID for that peer, with an expiry. A registration is used up
// by the migration that commits it.
//
// Registrations are small JSON files, one per UUID, written atomically
// (temporary file, fsync, rename) in a root-only directory, so the
// registering command and the receiver need not be the same process.
package prepare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Entry is one registration.
type Entry struct {
	// UUID is the domain's UUID (lower case).
	UUID string `json:"uuid"`
	// Peer is the identity that may send it, as the receiver's policy
	// names peers ("xendshim://host/NAME", "spki:...", "psk:ID").
	Peer string `json:"peer"`
	// Created and Expires bound the registration.
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// ErrNotPrepared is wrapped by every refusal of Check.
var ErrNotPrepared = errors.New("prepare: not prepared")

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Store is a directory of registrations.
type Store struct{ dir string }

// Open returns the store in dir, creating it (mode 0700) if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(uuid string) string { return filepath.Join(s.dir, uuid+".json") }

// Add registers e, replacing an earlier registration of the same UUID.
// The UUID must be a UUID, the peer non-empty and the expiry in the
// future.
func (s *Store) Add(e Entry, now time.Time) error {
	e.UUID = strings.ToLower(e.UUID)
	switch {
	case !uuidRE.MatchString(e.UUID):
		return fmt.Errorf("prepare: %q is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", e.UUID)
	case strings.TrimSpace(e.Peer) == "":
		return errors.New("prepare: no sending peer given (its identity as the policy names it, e.g. xendshim://host/NAME)")
	case !e.Expires.After(now):
		return fmt.Errorf("prepare: expiry %s is not in the future", e.Expires.Format(time.RFC3339))
	}
	if e.Created.IsZero() {
		e.Created = now
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".prepare-*")
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(e.UUID))
	}
	if err != nil {
		return fmt.Errorf("prepare: writing the registration of %s: %w", e.UUID, err)
	}
	return nil
}

// Get returns the registration of uuid; fs.ErrNotExist if there is none.
func (s *Store) Get(uuid string) (Entry, error) {
	var e Entry
	b, err := os.ReadFile(s.path(strings.ToLower(uuid)))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("prepare: registration of %s: %w", uuid, err)
	}
	return e, nil
}

// Check reports whether peer may send uuid now: a registration must exist
// for this UUID and this peer and must not have expired. Refusals wrap
// ErrNotPrepared and say which of these failed.
func (s *Store) Check(uuid, peer string, now time.Time) error {
	if !uuidRE.MatchString(strings.ToLower(uuid)) {
		return fmt.Errorf("%w: %q is not a UUID", ErrNotPrepared, uuid)
	}
	e, err := s.Get(uuid)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: domain %s was not prepared on this host (xendshim migrate-prepare %s --from %s)", ErrNotPrepared, uuid, uuid, peer)
	case err != nil:
		return fmt.Errorf("%w: %v", ErrNotPrepared, err)
	case e.Peer != peer:
		return fmt.Errorf("%w: domain %s was prepared for %s, not for %s", ErrNotPrepared, uuid, e.Peer, peer)
	case !now.Before(e.Expires):
		return fmt.Errorf("%w: the registration of domain %s expired at %s", ErrNotPrepared, uuid, e.Expires.Format(time.RFC3339))
	}
	return nil
}

// Remove deletes the registration of uuid (no error if there is none).
func (s *Store) Remove(uuid string) error {
	err := os.Remove(s.path(strings.ToLower(uuid)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

// List returns every registration, oldest first, and removes those that
// expired before now.
func (s *Store) List(now time.Time) ([]Entry, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, n := range names {
		e, err := s.Get(strings.TrimSuffix(filepath.Base(n), ".json"))
		if err != nil {
			return nil, err
		}
		if !now.Before(e.Expires) {
			s.Remove(e.UUID)
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}
