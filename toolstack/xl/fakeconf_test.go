package xl

import (
	"path/filepath"
	"testing"

	"github.com/xendshim/xendshim/toolstack/toolstacktest"
)

// TestConformanceFakeXL runs the whole conformance suite against the
// backend driving the fake xl and the fake xenstored, under -race: it
// proves command construction, error mapping and locking on every machine.
// The fake only models what it must (it answers as xl 4.17 does, including
// taking numeric ids on trust and counting pauses); TestConformanceRealHost
// runs the same suite on real Xen in xenlab.
func TestConformanceFakeXL(t *testing.T) {
	toolstacktest.Run(t, func(t *testing.T) *toolstacktest.Env {
		b, _, _ := newTestBackend(t)
		dir := t.TempDir()
		return &toolstacktest.Env{TS: b, NewConfig: tinyConfig, TempPath: func(n string) string { return filepath.Join(dir, n) }}
	})
}
