package xl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
	"github.com/xendshim/xendshim/xenstore/xenstoretest"
)

func TestXLErrorMapping(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("errs"))
	read := func(name string) []byte {
		s, err := os.ReadFile("testdata/xen-4.17/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		cmd   string
		err   string // capture of xl's stderr
		call  func() error
		class error
	}{
		{"mem-set", "err-memset-toomuch.err", func() error { return b.SetMemoryTarget(ctx, id, 100<<20) }, toolstack.ErrInvalid},
		{"unpause", "err-pause-nosuch.err", func() error { return b.Unpause(ctx, id) }, toolstack.ErrNotFound},
		{"save", "guest-save.err", func() error { return b.Save(ctx, id, filepath.Join(t.TempDir(), "s"), false) }, toolstack.ErrBadState},
		{"dump-core", "err-dump-core-badpath.err", func() error { return b.CoreDump(ctx, id, "/tmp/x.core", toolstack.DumpOptions{}) }, toolstack.ErrNotFound},
		{"vcpu-pin", "err-vcpupin-bad.err", func() error { return b.PinVCPU(ctx, id, 0, toolstack.Bitmap{0}) }, toolstack.ErrInvalid},
		{"block-attach", "guest-block-attach.err", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{Vdev: "xvdb", PdevPath: "/x"}})
			return err
		}, toolstack.ErrBadState},
		{"pci-attach", "err-pci-attach.err", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassPCI, PCI: &toolstack.DevicePCI{Bus: 0, Dev: 0x1f}})
			return err
		}, toolstack.ErrUnsupported},
		{"usbctrl-attach", "guest-usbctrl-attach.err", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVUSB, USBCtrl: &toolstack.DeviceUSBCtrl{Version: 2, Ports: 4}})
			return err
		}, toolstack.ErrUnsupported},
		{"usbdev-attach", "err-usbdev-attach.err", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassUSBDev, USBDev: &toolstack.DeviceUSBDev{HostDev: &toolstack.USBHostDev{HostBus: 1, HostAddr: 1}}})
			return err
		}, toolstack.ErrUnsupported},
		{"block-detach", "err-block-detach-nosuch.err", func() error {
			return b.RemoveDevice(ctx, id, toolstack.DeviceRef{Class: toolstack.ClassVBD, Devid: 51760}, false)
		}, toolstack.ErrNotFound},
		{"restore", "err-restore-dup.err", func() error {
			p := filepath.Join(t.TempDir(), "img")
			os.WriteFile(p, []byte(saveMagic+"fake image of errs"), 0o600)
			_, err := b.Restore(ctx, p, false)
			return err
		}, toolstack.ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			f.failNext(tt.cmd, Result{ExitCode: 1, Stderr: read(tt.err)})
			err := tt.call()
			wantClass(t, tt.cmd+" with "+tt.err, err, tt.class)
			var ce *CommandError
			if !errors.As(err, &ce) || ce.Args[0] != tt.cmd {
				t.Errorf("%s error %v does not carry xl's CommandError", tt.cmd, err)
			}
		})
	}
}

func TestTimeoutKillsXL(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "xl")
	os.WriteFile(script, []byte("#!/bin/sh\ncase $1 in\nsleep) sleep 30;;\nfail) echo 'nosuch is an invalid domain identifier (rc=-6)' >&2; exit 1;;\n"+
		"bg) (sleep 30 &) ; echo started;;\n*) echo \"$@\";;\nesac\n"), 0o755)
	b, err := New(Options{XL: script, Timeout: 300 * time.Millisecond, ConfigDir: dir,
		Xenstore: func() (*xenstore.Client, error) { return nil, errors.New("none") }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	_, err = b.xl(ctx, "sleep", nil, "sleep")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("xl sleep with a 300ms limit = %v after %v; want a quick error", err, time.Since(start))
	}
	_, err = b.xl(ctx, "fail", 7, "fail")
	var ce *CommandError
	if !errors.Is(err, toolstack.ErrNotFound) || !errors.As(err, &ce) || ce.ExitCode != 1 {
		t.Errorf("xl fail = %v; want not found with exit status 1", err)
	}
	b.opts.Timeout = 20 * time.Second
	start = time.Now()
	res, err := b.xl(ctx, "bg", nil, "bg")
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "started" || time.Since(start) > 10*time.Second {
		t.Errorf("xl bg (child keeps stdout open) = %q, %v after %v; want prompt success", res.Stdout, err, time.Since(start))
	}
}

func TestVdevNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"xvda", 51712, true}, {"xvdb", 51728, true}, {"xvda1", 51713, true}, {"hda", 768, true}, {"hdc", 5632, true},
		{"sdb", 2064, true}, {"xvdq", 1<<28 | 16<<8, true}, {"51728", 51728, true}, {"hdc:cdrom", 5632, true},
		{"floppy", 0, false}, {"xvd", 0, false}, {"hde", 0, false}, {"xvda-1", 0, false},
	}
	for _, tt := range tests {
		got, err := VdevNumber(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("VdevNumber(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func ptr(n int) *int { return &n }

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmtInt(n/10) + string(rune('0'+n%10))
}

// BenchmarkListDomains measures the backend's own cost of a listing (fake
// xl answering at once; fake xenstored over a pipe) with 20 guests.
func BenchmarkListDomains(b *testing.B) {
	xs := xenstoretest.NewServer()
	defer xs.Close()
	f := newFakeXL(xs)
	be, err := New(Options{Runner: f, ConfigDir: b.TempDir(),
		Xenstore: func() (*xenstore.Client, error) { return xenstore.NewClient(xs.Pipe()), nil }})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := be.Create(ctx, tinyConfig("g"+itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := be.ListDomains(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMemMaxUpdatesStaticMax(t *testing.T) {
	b, f, xs := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("old-libxl"))
	// xl 4.16 and older: mem-max succeeds without touching static-max.
	f.failNext("mem-max", Result{})
	if err := b.SetMemoryMax(ctx, id, 400000); err != nil {
		t.Fatal(err)
	}
	if v, _ := xs.Get("/local/domain/1/memory/static-max"); v != "400000" {
		t.Errorf("memory/static-max = %q after SetMemoryMax(400000); want 400000", v)
	}
}

func TestDumpOfNeverRunDomainRetries(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("fresh")) // paused, kernel never ran
	// What libxc says in xenlab for such a domain.
	f.failNext("dump-core", Result{ExitCode: 1, Stderr: []byte("xc: error: p2m_size < nr_pages -1 (1 < 7fff: Internal error\n" +
		"libxl: error: libxl_domain.c:603:libxl_domain_core_dump: Domain 1:Core dumping domain to /x: No data available\ncore dump failed (rc=-3)\n")})
	n := len(f.callLog())
	core := filepath.Join(t.TempDir(), "fresh.core")
	if err := b.CoreDump(ctx, id, core, toolstack.DumpOptions{}); err != nil {
		t.Fatalf("CoreDump of a never-run paused domain = %v; want the retry to succeed", err)
	}
	var got []string
	for _, c := range f.callLog()[n:] {
		if !strings.HasPrefix(c, "list") {
			got = append(got, strings.Fields(c)[0])
		}
	}
	if want := []string{"dump-core", "unpause", "pause", "dump-core"}; !slices.Equal(got, want) {
		t.Errorf("xl calls = %q; want %q", got, want)
	}
	f.mu.Lock()
	st := f.doms[id].state
	f.mu.Unlock()
	if st&toolstack.StatePaused == 0 {
		t.Errorf("domain state after the retry = %s; want paused again", st)
	}
}

func TestGarbledListIsRunAgain(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("lane-xm"))
	// What xl 4.17 printed once in xenlab: the name, then binary garbage.
	garbled := "Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n" +
		"lane-xm        \xf4\x11]\xd6\xfd\x7f\x00\x00\xf8\x11]\xd6\xfd\x7f\x00\x00\x00\x00\x00\n"
	f.failNext("list", Result{Stdout: []byte(garbled)})
	d, err := b.Domain(ctx, id)
	if err != nil || d.Name != "lane-xm" {
		t.Errorf("Domain after one garbled xl list = %+v, %v; want the second run's answer", d, err)
	}
	for i := 0; i <= listParseRetries; i++ {
		f.failNext("list", Result{Stdout: []byte(garbled)})
	}
	_, err = b.Domain(ctx, id)
	wantClass(t, "Domain with xl always garbled", err, toolstack.ErrBadState)
}
