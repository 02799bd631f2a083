package xl_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/toolstacktest"
	"github.com/xendshim/xendshim/toolstack/xl"
)

// The conformance suite against the real backend needs a Xen control
// domain with xl and xenstored, and a small PV guest kernel. xenlab's dom0
// has both (scripts/xenlab/lane.sh runs this test binary there); anywhere
// else the test skips. Override the guest with XL_TEST_KERNEL,
// XL_TEST_RAMDISK and the scratch directory with XL_TEST_DIR.
func realHost(t *testing.T) (kernel, ramdisk, dir string) {
	b, err := os.ReadFile("/proc/xen/capabilities")
	if err != nil || !bytes.Contains(b, []byte("control_d")) {
		t.Skip("not a Xen control domain (/proc/xen/capabilities lacks control_d); run make xenlab-test")
	}
	kernel = envOr("XL_TEST_KERNEL", "/boot/vmlinuz")
	ramdisk = envOr("XL_TEST_RAMDISK", "/var/lib/xenlab/guest-initrd.gz")
	dir = envOr("XL_TEST_DIR", "/var/tmp")
	if _, err := os.Stat(kernel); err != nil {
		t.Skipf("no guest kernel %s (set XL_TEST_KERNEL)", kernel)
	}
	return kernel, ramdisk, dir
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var tempCount atomic.Int64

func TestConformanceRealHost(t *testing.T) {
	kernel, ramdisk, dir := realHost(t)
	disk := filepath.Join(dir, "xl-conformance-disk.img")
	if err := os.WriteFile(disk, make([]byte, 16<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(disk)
	toolstacktest.Run(t, func(t *testing.T) *toolstacktest.Env {
		b, err := xl.New(xl.Options{ConfigDir: t.TempDir(), Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return &toolstacktest.Env{
			TS: b,
			NewConfig: func(name string) *toolstack.DomainConfig {
				return &toolstack.DomainConfig{
					CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
					BInfo: toolstack.BuildInfo{
						MaxVCPUs: 2, AvailVCPUs: toolstack.Bitmap{0}, MaxMemKB: 131072, TargetMemKB: 131072,
						Kernel: kernel, Ramdisk: ramdisk, Cmdline: "console=hvc0 loglevel=4", PV: &toolstack.BuildInfoPV{},
					},
					OnCrash: toolstack.ActionPreserve,
				}
			},
			TempPath: func(name string) string {
				p := filepath.Join(dir, fmt.Sprintf("xl-conf-%d-%d-%s", os.Getpid(), tempCount.Add(1), name))
				t.Cleanup(func() { os.Remove(p) })
				return p
			},
			DiskPath: disk,
		}
	})
}
