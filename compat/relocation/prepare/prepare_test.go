package prepare

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

const (
	uuid = "11111111-2222-3333-4444-555555555555"
	peer = "xendshim://host/src"
)

func TestAddAndCheck(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(Entry{UUID: strings.ToUpper(uuid), Peer: peer, Expires: now.Add(time.Hour)}, now); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, uuid, peer string
		at               time.Time
		want             string
	}{
		{"prepared", uuid, peer, now, ""},
		{"upper-case uuid", strings.ToUpper(uuid), peer, now.Add(59 * time.Minute), ""},
		{"other peer", uuid, "xendshim://host/other", now, "was prepared for xendshim://host/src, not for xendshim://host/other"},
		{"expired", uuid, peer, now.Add(time.Hour), "expired at 2026-11-29T11:00:00Z"},
		{"not registered", "11111111-2222-3333-4444-000000000000", peer, now, "was not prepared on this host (xendshim migrate-prepare"},
		{"not a uuid", "../../etc/passwd", peer, now, "is not a UUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Check(tt.uuid, tt.peer, tt.at)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check = %v; want prepared", err)
				}
				return
			}
			if !errors.Is(err, ErrNotPrepared) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v; want ErrNotPrepared with %q", err, tt.want)
			}
		})
	}
	if err := s.Remove(uuid); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(uuid, peer, now); !errors.Is(err, ErrNotPrepared) {
		t.Errorf("Check after Remove = %v; want not prepared", err)
	}
	if err := s.Remove(uuid); err != nil {
		t.Errorf("second Remove = %v; want nil", err)
	}
}

func TestAddRefusals(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
	s, _ := Open(dir)
	for _, tc := range []struct {
		name string
		e    Entry
		want string
	}{
		{"bad uuid", Entry{UUID: "web1", Peer: peer, Expires: now.Add(time.Hour)}, "is not a UUID"},
		{"path in uuid", Entry{UUID: "../" + uuid, Peer: peer, Expires: now.Add(time.Hour)}, "is not a UUID"},
		{"no peer", Entry{UUID: uuid, Peer: " ", Expires: now.Add(time.Hour)}, "no sending peer"},
		{"past expiry", Entry{UUID: uuid, Peer: peer, Expires: now.Add(-time.Second)}, "not in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Add(tc.e, now); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Add(%+v) = %v; want %q", tc.e, err, tc.want)
			}
		})
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("refused registrations left files: %v", left)
	}
}

func TestListPrunesExpired(t *testing.T) {
	now := time.Now()
	s, _ := Open(t.TempDir())
	s.Add(Entry{UUID: uuid, Peer: peer, Expires: now.Add(time.Hour)}, now)
	s.Add(Entry{UUID: "22222222-2222-3333-4444-555555555555", Peer: peer, Expires: now.Add(time.Minute)}, now.Add(-time.Minute))
	got, err := s.List(now.Add(2 * time.Minute))
	if err != nil || len(got) != 1 || got[0].UUID != uuid {
		t.Fatalf("List = %+v, %v; want only %s", got, err, uuid)
	}
	if _, err := s.Get("22222222-2222-3333-4444-555555555555"); err == nil {
		t.Error("the expired registration is still there")
	}
}

// FuzzCheck: whatever a peer claims as UUID and identity, Check reads no
// file outside the store and lets nothing through without a registration.
func FuzzCheck(f *testing.F) {
	f.Add(uuid, peer)
	f.Add("../"+uuid, peer)
	f.Add(strings.ToUpper(uuid), "xendshim://host/other")
	dir := f.TempDir()
	s, _ := Open(dir)
	now := time.Now()
	s.Add(Entry{UUID: uuid, Peer: peer, Expires: now.Add(time.Hour)}, now)
	f.Fuzz(func(t *testing.T, u, p string) {
		err := s.Check(u, p, now)
		if err == nil && (strings.ToLower(u) != uuid || p != peer) {
			t.Fatalf("Check(%q, %q) passed without a registration", u, p)
		}
	})
}
