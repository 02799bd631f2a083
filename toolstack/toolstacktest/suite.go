// Package toolstacktest is the conformance suite every toolstack.Toolstack
// must pass. An implementation's test calls Run with a factory:
//
//	func TestConformance(t *testing.T) {
//		toolstacktest.Run(t, func(t *testing.T) *toolstacktest.Env {
//			ts := newMyToolstack(t)
//			return &toolstacktest.Env{TS: ts, NewConfig: smallPVGuest, TempPath: ...}
//		})
//	}
//
// The suite asserts only what holds on every Xen host: it does not rely on
// guests obeying shutdown requests, on exact free memory, or on timing.
// Each subtest gets a fresh Env and destroys the domains it made.
package toolstacktest

import (
	"context"
	"errors"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

// Env is one toolstack under test and what the suite needs to know about
// its host.
type Env struct {
	// TS is the toolstack under test.
	TS toolstack.Toolstack
	// NewConfig returns the config of a small guest called name that this
	// host can build (kernel present, at most 128 MiB, 2 vCPUs, no
	// devices). The suite adds devices itself.
	NewConfig func(name string) *toolstack.DomainConfig
	// TempPath returns a fresh host path (in an existing directory) for a
	// save image or core file called name.
	TempPath func(name string) string
	// DiskPath is a host file usable as a vbd backing image.
	DiskPath string
	// Peer, if set, is the receiving toolstack for migration; nil means
	// TS receives its own stream.
	Peer toolstack.Toolstack
}

// Factory makes a fresh Env for one subtest.
type Factory func(t *testing.T) *Env

// Run runs every conformance test as a named subtest.
func Run(t *testing.T, factory Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *Env)
	}{
		{"HostInfo", testHostInfo},
		{"Dmesg", testDmesg},
		{"ListHasDom0", testListHasDom0},
		{"CreateLeavesPaused", testCreateLeavesPaused},
		{"CreateErrors", testCreateErrors},
		{"UnknownDomain", testUnknownDomain},
		{"Dom0Refusals", testDom0Refusals},
		{"PauseUnpause", testPauseUnpause},
		{"Memory", testMemory},
		{"VCPUs", testVCPUs},
		{"Sched", testSched},
		{"DiskDevices", testDiskDevices},
		{"NetworkDevices", testNetworkDevices},
		{"Shutdown", testShutdown},
		{"Rename", testRename},
		{"SysrqTrigger", testSysrqTrigger},
		{"Console", testConsole},
		{"Reset", testReset},
		{"Destroy", testDestroy},
		{"SaveRestore", testSaveRestore},
		{"RestoreErrors", testRestoreErrors},
		{"CoreDump", testCoreDump},
		{"Migrate", testMigrate},
		{"Lookup", testLookup},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := factory(t)
			tc.fn(t, e)
		})
	}
}

// create builds a domain from e.NewConfig(name) and destroys it when the
// test ends (if it still exists).
func create(t *testing.T, e *Env, name string) toolstack.Domid {
	t.Helper()
	return createCfg(t, e, e.NewConfig(name))
}

func createCfg(t *testing.T, e *Env, cfg *toolstack.DomainConfig) toolstack.Domid {
	t.Helper()
	ctx := context.Background()
	id, err := e.TS.Create(ctx, cfg)
	if err != nil {
		t.Fatalf("Create(%s) = %v; want success", cfg.CInfo.Name, err)
	}
	cleanupName(t, e.TS, cfg.CInfo.Name)
	return id
}

// cleanupName destroys whatever domain has name when the test ends.
func cleanupName(t *testing.T, ts toolstack.Toolstack, name string) {
	t.Cleanup(func() {
		ctx := context.Background()
		if d, err := toolstack.FindByName(ctx, ts, name); err == nil {
			ts.Destroy(ctx, d.Domid)
		}
	})
}

// wantClass fails unless err wraps class.
func wantClass(t *testing.T, call string, err, class error) {
	t.Helper()
	if class == nil {
		if err != nil {
			t.Errorf("%s = %v; want success", call, err)
		}
		return
	}
	if !errors.Is(err, class) {
		t.Errorf("%s = %v; want an error of class %q", call, err, class)
	}
}

func domain(t *testing.T, e *Env, id toolstack.Domid) *toolstack.DomainInfo {
	t.Helper()
	d, err := e.TS.Domain(context.Background(), id)
	if err != nil {
		t.Fatalf("Domain(%d) = %v", id, err)
	}
	return d
}

func intp(n int) *int { return &n }
