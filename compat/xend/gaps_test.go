package xend

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// TestBeyondXendGaps checks what xendshim adds to xend's records when not
// in StrictXend mode: the console's tty (gap 5), the vfb's VNC location
// for a PV guest (gaps 5 and 6), and a complete dom0 record (gap 1).
func TestBeyondXendGaps(t *testing.T) {
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, _ := sxp.ParseString(`(vm (name pvfb) (memory 64) (image (linux (kernel /boot/vmlinuz)))
		(device (vkbd)) (device (vfb (vnc 1) (vnclisten 127.0.0.1) (vncunused 1))))`)
	if _, err := svc.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unpause(ctx, Name("pvfb")); err != nil {
		t.Fatal(err)
	}
	rec, err := svc.Domain(ctx, Name("pvfb"), true)
	if err != nil {
		t.Fatal(err)
	}
	show := sxp.Show(rec)
	for _, want := range []string{
		`\(device \(console \(protocol vt100\) \(location \d+\) \(uuid [-0-9a-f]+\) \(tty /dev/pts/\d+\)\)\)`,
		`\(device \(vfb [^()]*(\([a-z]+ [^()]*\) )*\(location 127\.0\.0\.1:59\d\d\)`,
	} {
		if !regexp.MustCompile(want).MatchString(show) {
			t.Errorf("Domain(pvfb, full) = %s\nwant a match for %s", show, want)
		}
	}
	dom0, err := svc.Domain(ctx, ID(0), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"cpu_time", "online_vcpus", "cpus", "memory", "maxmem", "state", "vcpus"} {
		if !dom0.Has(key) {
			t.Errorf("dom0 record lacks %s: %s", key, sxp.Show(dom0))
		}
	}
}
