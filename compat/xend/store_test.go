package xend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

func TestStoreCorruptEntrySkippedNotDeleted(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "11111111-2222-4333-8444-555555555555")
	os.MkdirAll(bad, 0o700)
	os.WriteFile(filepath.Join(bad, storeFile), []byte("(domain (name broken"), 0o600)
	var logs []string
	svc, err := New(nil, Options{DomainsPath: dir, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(svc.recs) != 0 {
		t.Errorf("corrupt entry loaded: %v", svc.recs)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], bad) {
		t.Errorf("logs = %q; want one report naming %s", logs, bad)
	}
	if _, err := os.Stat(filepath.Join(bad, storeFile)); err != nil {
		t.Errorf("corrupt entry was removed: %v", err)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	svc, err := New(fakeNoDomains{}, Options{DomainsPath: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sxp.ParseString(`(vm (name keep) (uuid 6a3e1b2c-9d41-4f0e-8a77-00000000beef) (memory 256) (vcpus 2) (cpus 1-2)
		(description 'a test') (image (linux (kernel /k) (root '/dev/xvda1 ro') (args quiet) (videoram 4)))
		(device (vbd (uname file:/img) (dev xvda1) (mode w))) (device (vif (bridge xenbr0) (mac 00:16:3e:00:00:01))))`)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.New(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	before, err := svc.Domain(ctx, Name("keep"), true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(fakeNoDomains{}, Options{DomainsPath: dir})
	if err != nil {
		t.Fatal(err)
	}
	after, err := again.Domain(ctx, Name("keep"), true)
	if err != nil {
		t.Fatal(err)
	}
	if sxp.Show(before) != sxp.Show(after) {
		t.Errorf("record after reload = %s\nwant %s", sxp.Show(after), sxp.Show(before))
	}
	want := `(domain (cpu_weight 256) (cpu_cap 0) (pool_name Pool-0) (bootloader '') (vcpus 2) (cpus ((1 2) (1 2))) (on_poweroff destroy) (description 'a test') (on_crash restart) (uuid 6a3e1b2c-9d41-4f0e-8a77-00000000beef) (bootloader_args '') (name keep) (on_reboot restart) (maxmem 256) (memory 256) (shadow_memory 0) (vcpu_avail '3') (features '') (on_xend_start ignore) (on_xend_stop ignore) (image (linux (kernel /k) (args 'root=/dev/xvda1 ro quiet') (superpages 0) (videoram 4) (nomigrate 0) (tsc_mode 0))) (status 0) (device (vif (bridge xenbr0) (mac 00:16:3e:00:00:01) (uuid `
	if !strings.HasPrefix(sxp.Show(after), want) {
		t.Errorf("inactive record = %s\nwant prefix %s", sxp.Show(after), want)
	}
	if err := again.Delete(ctx, Name("keep")); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("store after delete holds %v", ents)
	}
}
