package xend

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// TestAdoptAfterRestart starts a second Service on the same host, as
// xendshim restarted: it adopts the running domain with xend's record
// (description, device uuids, platform keys, pins) and, as xend did for
// re-adopted domains, without store_mfn, console_mfn or notes.
func TestAdoptAfterRestart(t *testing.T) {
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	first, err := New(sm, Options{NoStore: true, StrictXend: true})
	if err != nil {
		t.Fatal(err)
	}
	create(t, first, `(vm (name keep) (description 'kept across restarts') (memory 128) (vcpus 2)
		(image (linux (kernel /var/lib/xen/boot/vmlinuz-guest) (videoram 4) (args quiet)))
		(device (vbd (uname file:/var/lib/xen/images/pv1.img) (dev xvda1) (mode w))) (device (vif (bridge xenbr0))))`)
	ctx := context.Background()
	if err := first.PinVCPU(ctx, Name("keep"), "1", "2"); err != nil {
		t.Fatal(err)
	}
	before, err := first.Domain(ctx, Name("keep"), true)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(sm, Options{NoStore: true, StrictXend: true})
	if err != nil {
		t.Fatal(err)
	}
	after, err := second.Domain(ctx, Name("keep"), true)
	if err != nil {
		t.Fatal(err)
	}
	// What xend lost on re-adoption: the build-time facts, and the console
	// device's uuid (it was added at the first refresh, not configured).
	strip := regexp.MustCompile(` \((store_mfn|console_mfn) \d+\)| \(pci \(\)\)| \(notes( \([A-Z0-9_]+ [^()]*\))*\)| \(device \(console [^)]*\)[^)]*\)[^)]*\)\)`)
	want := strip.ReplaceAllString(sxp.Show(before), "")
	got := strip.ReplaceAllString(sxp.Show(after), "")
	if got != want {
		t.Errorf("record after restart =\n%s\nwant\n%s", got, want)
	}
	if !regexp.MustCompile(`\(device \(console \(protocol vt100\) \(location \d+\) \(uuid [-0-9a-f]+\)\)\)`).MatchString(sxp.Show(after)) {
		t.Errorf("record after restart has no console device: %s", sxp.Show(after))
	}
}
