package xl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xl/pvscsi"
)

// TestVSCSIDispatch: the backend hands the vscsi class to the pvscsi
// controller: listing reads its controllers from xenstore, refusals come
// back classed, and a controller xendshim did not make is left alone.
// (The controller itself is tested with fake configfs and drivers in
// toolstack/xl/pvscsi.)
func TestVSCSIDispatch(t *testing.T) {
	b, _, xs := newTestBackend(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "config", "target", "core"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EnablePVSCSI(ctx, pvscsi.Options{ConfigFS: filepath.Join(dir, "config"), StateDir: filepath.Join(dir, "state")}); err != nil {
		t.Fatalf("EnablePVSCSI = %v", err)
	}
	const id = 7
	xs.Set("/local/domain/7/name", "g")
	xs.Set("/local/domain/7/vm", "/vm/7")
	be := "/local/domain/0/backend/vscsi/7/0"
	xs.Seed(map[string]string{
		be + "/frontend": "/local/domain/7/device/vscsi/0", be + "/frontend-id": "7", be + "/state": "4", be + "/feature-host": "0",
		be + "/vscsi-devs/dev-0/v-dev": "0:0:0:0", be + "/vscsi-devs/dev-0/p-dev": "naa.6001405ec5000001:0",
		be + "/vscsi-devs/dev-0/p-devname": "sdb", be + "/vscsi-devs/dev-0/state": "4",
		"/local/domain/7/device/vscsi/0/state": "4", "/local/domain/7/device/vscsi/0/backend": be,
	})
	devs, err := b.Devices(ctx, id, toolstack.ClassVSCSI)
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices(vscsi) = %+v, %v; want one controller", devs, err)
	}
	if v := devs[0].Config.VSCSI; v == nil || len(v.LUNs) != 1 || v.LUNs[0].VDev != "0:0:0:0" || v.LUNs[0].PDevname != "sdb" ||
		devs[0].BackendState != toolstack.XenbusConnected {
		t.Errorf("Devices(vscsi)[0] = %+v", devs[0])
	}
	tests := []struct {
		name  string
		call  func() error
		class error
	}{
		{"feature-host", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVSCSI,
				VSCSI: &toolstack.DeviceVSCSI{FeatureHost: true, LUNs: []toolstack.VSCSILUN{{PDev: "sdb", VDev: "0:0:0:1"}}}})
			return err
		}, toolstack.ErrUnsupported},
		{"no vscsi given", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVSCSI})
			return err
		}, toolstack.ErrInvalid},
		{"not made by xendshim", func() error {
			return b.RemoveDevice(ctx, id, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 0}, false)
		}, toolstack.ErrUnsupported},
		{"no such controller", func() error {
			return b.RemoveDevice(ctx, id, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 3}, false)
		}, toolstack.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.class) {
				t.Errorf("%s = %v; want class %v", tt.name, err, tt.class)
			}
		})
	}
	if v, _ := xs.Get(be + "/state"); v != "4" {
		t.Errorf("backend state after the refusals = %q; want 4 (untouched)", v)
	}
}
