package xend

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// fakeNoDomains is a toolstack with no live domains at all: only
// ListDomains may be called; anything else panics (nil interface).
type fakeNoDomains struct{ toolstack.Toolstack }

func (fakeNoDomains) ListDomains(context.Context) ([]toolstack.DomainInfo, error) { return nil, nil }

// simService returns a Service on a fresh reference simulator.
func simService(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{DomainsPath: filepath.Join(dir, "domains")})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// create creates and unpauses a domain from SXP text.
func create(t *testing.T, svc *Service, cfg string) {
	t.Helper()
	v, err := sxp.ParseString(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := svc.Create(context.Background(), v)
	if err != nil {
		t.Fatalf("Create(%s) = %v", cfg, err)
	}
	if err := svc.Unpause(context.Background(), Name(rec.ChildText("name", ""))); err != nil {
		t.Fatal(err)
	}
}
