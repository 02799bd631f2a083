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

func newTestBackend(t *testing.T) (*Backend, *fakeXL, *xenstoretest.Server) {
	t.Helper()
	xs := xenstoretest.NewServer()
	t.Cleanup(xs.Close)
	f := newFakeXL(xs)
	var warnings []string
	b, err := New(Options{
		Runner:    f,
		Xenstore:  func() (*xenstore.Client, error) { return xenstore.NewClient(xs.Pipe()), nil },
		ConfigDir: t.TempDir(),
		Logf:      func(format string, args ...any) { warnings = append(warnings, format) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, f, xs
}

func tinyConfig(name string) *toolstack.DomainConfig {
	return &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
		BInfo: toolstack.BuildInfo{MaxVCPUs: 2, AvailVCPUs: toolstack.Bitmap{0}, MaxMemKB: 262144, TargetMemKB: 131072,
			Kernel: "/boot/vmlinuz", Cmdline: "console=hvc0", PV: &toolstack.BuildInfoPV{}},
		OnCrash: toolstack.ActionPreserve,
	}
}

func wantClass(t *testing.T, call string, err, class error) {
	t.Helper()
	if class == nil {
		if err != nil {
			t.Errorf("%s = %v; want success", call, err)
		}
		return
	}
	if !errors.Is(err, class) {
		t.Errorf("%s = %v; want class %q", call, err, class)
	}
}

func TestCreateCommandAndConfig(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, err := b.Create(ctx, tinyConfig("tiny"))
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Errorf("Create = domid %d; want 1", id)
	}
	var create string
	for _, c := range f.callLog() {
		if strings.HasPrefix(c, "create ") {
			create = c
		}
	}
	if !strings.HasPrefix(create, "create -p "+b.cfgDir+"/tiny-") {
		t.Errorf("xl command = %q; want create -p <config dir>/tiny-*.cfg", create)
	}
	want := "name = \"tiny\"\ntype = \"pv\"\nmemory = 128\nmaxmem = 256\nvcpus = 1\nmaxvcpus = 2\non_crash = \"preserve\"\nkernel = \"/boot/vmlinuz\"\ncmdline = \"console=hvc0\"\n"
	if len(f.configs) != 1 || f.configs[0] != want {
		t.Errorf("xl.cfg given to xl create =\n%s\nwant\n%s", f.configs, want)
	}
	if left, _ := filepath.Glob(filepath.Join(b.cfgDir, "*.cfg")); len(left) != 0 {
		t.Errorf("config files left behind: %v", left)
	}
	d, err := b.Domain(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State&toolstack.StatePaused == 0 || d.TargetMemKB != 131072 || d.MaxMemKB != 262144 || d.MaxVCPUs != 2 || len(d.VCPUs) != 2 ||
		d.ConsoleTTY != "/dev/pts/1" || d.StartTime.IsZero() || d.Type != toolstack.TypePV {
		t.Errorf("Domain(1) = %+v", d)
	}
}

func TestCreateErrors(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	if _, err := b.Create(ctx, tinyConfig("dup")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*toolstack.DomainConfig)
		class error
	}{
		{"duplicate name (checked before xl)", func(c *toolstack.DomainConfig) { c.CInfo.Name = "dup" }, toolstack.ErrExists},
		{"no name", func(c *toolstack.DomainConfig) { c.CInfo.Name = "" }, toolstack.ErrInvalid},
		{"bad uuid", func(c *toolstack.DomainConfig) { c.CInfo.UUID = "1234" }, toolstack.ErrInvalid},
		{"target above max", func(c *toolstack.DomainConfig) { c.BInfo.TargetMemKB = c.BInfo.MaxMemKB + 1 }, toolstack.ErrInvalid},
		{"more than the host", func(c *toolstack.DomainConfig) { c.BInfo.TargetMemKB, c.BInfo.MaxMemKB = 8<<20, 8<<20 }, toolstack.ErrNoMemory},
		{"bad MAC", func(c *toolstack.DomainConfig) { c.NICs = []toolstack.DeviceNIC{{MAC: "01:00:00:00:00:00"}} }, toolstack.ErrInvalid},
		{"bad vdev", func(c *toolstack.DomainConfig) { c.Disks = []toolstack.DeviceDisk{{Vdev: "floppy"}} }, toolstack.ErrInvalid},
		{"xl: no kernel", func(c *toolstack.DomainConfig) { c.BInfo.Kernel = "" }, toolstack.ErrInvalid},
		{"xl: no memory (-5)", func(c *toolstack.DomainConfig) { c.BInfo.TargetMemKB, c.BInfo.MaxMemKB = 2500<<10, 2500<<10 }, toolstack.ErrNoMemory},
		{"control character", func(c *toolstack.DomainConfig) { c.BInfo.Cmdline = "a\x01b" }, toolstack.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig("bad")
			tt.edit(cfg)
			_, err := b.Create(ctx, cfg)
			wantClass(t, "Create("+tt.name+")", err, tt.class)
		})
	}
	// xl itself says "already exists" (the name appeared between the check and the create).
	dupErr, _ := os.ReadFile("testdata/xen-4.17/err-create-dup.err")
	f.failNext("create", Result{ExitCode: 3, Stderr: dupErr})
	_, err := b.Create(ctx, tinyConfig("racer"))
	wantClass(t, "Create(xl says exists)", err, toolstack.ErrExists)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 3 || !strings.Contains(ce.Message(), "already exists") || strings.Contains(ce.Message(), "Parsing config") {
		t.Errorf("Create error cause = %#v; want the CommandError with xl's stderr", ce)
	}
}

func TestCreateSurvivesMonitorCrash(t *testing.T) {
	b, f, _ := newTestBackend(t)
	f.monitorCrash = true
	id, err := b.Create(context.Background(), tinyConfig("crashmon"))
	if err != nil || id == 0 {
		t.Fatalf("Create with xl exiting 3 after building the domain = %d, %v; want success", id, err)
	}
}

func TestReapUnmonitoredDomains(t *testing.T) {
	tests := []struct {
		name      string
		reason    int
		onReboot  toolstack.Action
		wantCalls []string
		wantNames []string
	}{
		{"poweroff destroys", 0, "", []string{"destroy 1"}, []string{"Domain-0"}},
		{"reboot restarts", 1, "", []string{"destroy 1", "unpause 2"}, []string{"Domain-0", "orphan"}},
		{"reboot preserve keeps it", 1, toolstack.ActionPreserve, nil, []string{"Domain-0", "orphan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, f, _ := newTestBackend(t)
			ctx := context.Background()
			f.monitorCrash = true
			cfg := tinyConfig("orphan")
			cfg.OnReboot = tt.onReboot
			id, err := b.Create(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			f.doms[id].state, f.doms[id].reason = toolstack.StateShutdown, tt.reason
			f.mu.Unlock()
			n := len(f.callLog())
			doms, err := b.ListDomains(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var changes []string
			for _, c := range f.callLog()[n:] {
				if c == "destroy 1" || strings.HasPrefix(c, "unpause") {
					changes = append(changes, c)
				}
			}
			if !slices.Equal(changes, tt.wantCalls) {
				t.Errorf("ListDomains after an unmonitored shutdown ran %q; want %q", changes, tt.wantCalls)
			}
			doms, _ = b.ListDomains(ctx)
			var names []string
			for _, d := range doms {
				names = append(names, d.Name)
			}
			if !slices.Equal(names, tt.wantNames) {
				t.Errorf("domains after reaping = %q; want %q", names, tt.wantNames)
			}
		})
	}
	// A monitored domain is left to xl's monitor.
	b, f, _ := newTestBackend(t)
	id, _ := b.Create(context.Background(), tinyConfig("watched"))
	f.mu.Lock()
	f.doms[id].state = toolstack.StateShutdown
	f.mu.Unlock()
	n := len(f.callLog())
	b.ListDomains(context.Background())
	for _, c := range f.callLog()[n:] {
		if strings.HasPrefix(c, "destroy") {
			t.Errorf("ListDomains destroyed a domain xl's monitor watches: %q", c)
		}
	}
}

func TestMonitorCrashWithoutDomainFails(t *testing.T) {
	b, f, _ := newTestBackend(t)
	f.failNext("create", Result{ExitCode: 3, Stderr: []byte("Parsing config from x\n")})
	_, err := b.Create(context.Background(), tinyConfig("nodom"))
	wantClass(t, "Create(exit 3, no domain)", err, toolstack.ErrBadState)
}

func TestUnknownDomainErrors(t *testing.T) {
	b, _, _ := newTestBackend(t)
	ctx := context.Background()
	const id = toolstack.Domid(4242)
	calls := map[string]func() error{
		"Pause":           func() error { return b.Pause(ctx, id) },
		"Unpause":         func() error { return b.Unpause(ctx, id) },
		"SendSysrq":       func() error { return b.SendSysrq(ctx, id, 'h') },
		"Destroy":         func() error { return b.Destroy(ctx, id) },
		"SetMemoryTarget": func() error { return b.SetMemoryTarget(ctx, id, 65536) },
		"SetVCPUs":        func() error { return b.SetVCPUs(ctx, id, 1) },
		"Domain":          func() error { _, err := b.Domain(ctx, id); return err },
		"DomainConfig":    func() error { _, err := b.DomainConfig(ctx, id); return err },
		"Console":         func() error { _, err := b.Console(ctx, id); return err },
		"Devices":         func() error { _, err := b.Devices(ctx, id, ""); return err },
		"SchedParams":     func() error { _, err := b.SchedParams(ctx, id); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			wantClass(t, name+"(4242)", err, toolstack.ErrNotFound)
			if err != nil && !strings.Contains(err.Error(), "4242") {
				t.Errorf("%s error %q does not name the domain", name, err)
			}
		})
	}
}

func TestLifecycleCommands(t *testing.T) {
	b, f, xs := newTestBackend(t)
	ctx := context.Background()
	id, err := b.Create(ctx, tinyConfig("life"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		call func() error
		want string // the xl command line it must run ("" = none)
	}{
		{"unpause", func() error { return b.Unpause(ctx, id) }, "unpause 1"},
		{"pause", func() error { return b.Pause(ctx, id) }, "pause 1"},
		{"unpause once more", func() error { return b.Unpause(ctx, id) }, "unpause 1"},
		{"mem-set", func() error { return b.SetMemoryTarget(ctx, id, 98304) }, "mem-set 1 98304k"},
		{"mem-max", func() error { return b.SetMemoryMax(ctx, id, 524288) }, "mem-max 1 524288k"},
		{"vcpu-set", func() error { return b.SetVCPUs(ctx, id, 2) }, "vcpu-set --ignore-host 1 2"},
		{"vcpu-pin", func() error { return b.PinVCPU(ctx, id, 1, toolstack.Bitmap{0, 1}) }, "vcpu-pin 1 1 0,1"},
		{"vcpu-pin all", func() error { return b.PinVCPU(ctx, id, -1, nil) }, "vcpu-pin 1 all all"},
		{"weight", func() error { return b.SetSchedParams(ctx, id, toolstack.SchedParams{Weight: ptr(512)}) }, "sched-credit2 -d 1 -w 512"},
		{"rename", func() error { return b.Rename(ctx, id, "life2") }, "rename 1 life2"},
		{"sysrq", func() error { return b.SendSysrq(ctx, id, 's') }, "sysrq 1 s"},
		{"trigger", func() error { return b.SendTrigger(ctx, id, toolstack.TriggerNMI, 0) }, "trigger 1 nmi 0"},
		{"reboot", func() error { return b.Reboot(ctx, id) }, "reboot -F 1"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			n := len(f.callLog())
			if err := s.call(); err != nil {
				t.Fatalf("%s = %v", s.name, err)
			}
			if calls := f.callLog()[n:]; !slices.Contains(calls, s.want) {
				t.Errorf("%s ran %q; want %q among them", s.name, calls, s.want)
			}
		})
	}
	d, err := b.Domain(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "life2" || d.TargetMemKB != 98304 || d.MaxMemKB != 524288 || d.OnlineVCPUs != 2 {
		t.Errorf("after the steps Domain = %+v", d)
	}
	p, err := b.SchedParams(ctx, id)
	if err != nil || p.Sched != "credit2" || *p.Weight != 512 || *p.Cap != 0 {
		t.Errorf("SchedParams = %+v, %v", p, err)
	}
	// suspend goes to xenstore, as xend wrote it
	if err := b.Shutdown(ctx, id, toolstack.RequestSuspend); err != nil {
		t.Fatal(err)
	}
	if v, _ := xs.Get("/local/domain/1/control/shutdown"); v != "suspend" {
		t.Errorf("control/shutdown = %q; want suspend", v)
	}
	if err := b.Shutdown(ctx, id, toolstack.RequestPoweroff); err != nil {
		t.Fatal(err)
	}
	if calls := f.callLog(); calls[len(calls)-1] != "shutdown -F 1" {
		t.Errorf("poweroff ran %q; want shutdown -F 1", calls[len(calls)-1])
	}
}

func TestPauseIsIdempotent(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("p")) // paused by xl create -p
	for _, step := range []struct {
		name   string
		call   func() error
		paused bool
	}{
		{"pause a paused domain", func() error { return b.Pause(ctx, id) }, true},
		{"unpause", func() error { return b.Unpause(ctx, id) }, false},
		{"unpause again", func() error { return b.Unpause(ctx, id) }, false},
		{"pause", func() error { return b.Pause(ctx, id) }, true},
		{"pause again", func() error { return b.Pause(ctx, id) }, true},
		{"unpause after two pauses", func() error { return b.Unpause(ctx, id) }, false},
	} {
		if err := step.call(); err != nil {
			t.Fatalf("%s = %v", step.name, err)
		}
		f.mu.Lock()
		st := f.doms[id].state
		f.mu.Unlock()
		if got := st&toolstack.StatePaused != 0; got != step.paused {
			t.Errorf("after %s: state %s; want paused=%v", step.name, st, step.paused)
		}
	}
	// Pauses stacked by someone else are undone, within reason.
	f.mu.Lock()
	f.doms[id].pauses, f.doms[id].state = 3, toolstack.StatePaused
	f.mu.Unlock()
	if err := b.Unpause(ctx, id); err != nil {
		t.Errorf("Unpause with 3 stacked pauses = %v", err)
	}
	f.mu.Lock()
	f.doms[id].pauses, f.doms[id].state = 100, toolstack.StatePaused
	f.mu.Unlock()
	wantClass(t, "Unpause with 100 stacked pauses", b.Unpause(ctx, id), toolstack.ErrBadState)
}

func TestRefusedBeforeXL(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("checks"))
	tests := []struct {
		name  string
		call  func() error
		class error
	}{
		{"pause dom0", func() error { return b.Pause(ctx, 0) }, toolstack.ErrInvalid},
		{"destroy dom0", func() error { return b.Destroy(ctx, 0) }, toolstack.ErrInvalid},
		{"shutdown bogus", func() error { return b.Shutdown(ctx, id, "bogus") }, toolstack.ErrInvalid},
		{"vcpus 0", func() error { return b.SetVCPUs(ctx, id, 0) }, toolstack.ErrInvalid},
		{"vcpus 3 of 2", func() error { return b.SetVCPUs(ctx, id, 3) }, toolstack.ErrInvalid},
		{"pin missing cpu", func() error { return b.PinVCPU(ctx, id, 0, toolstack.Bitmap{2}) }, toolstack.ErrInvalid},
		{"pin missing vcpu", func() error { return b.PinVCPU(ctx, id, 2, nil) }, toolstack.ErrInvalid},
		{"max below target", func() error { return b.SetMemoryMax(ctx, id, 1024) }, toolstack.ErrInvalid},
		{"weight 0", func() error { return b.SetSchedParams(ctx, id, toolstack.SchedParams{Weight: ptr(0)}) }, toolstack.ErrInvalid},
		{"cap 300 on 2 vcpus", func() error { return b.SetSchedParams(ctx, id, toolstack.SchedParams{Cap: ptr(300)}) }, toolstack.ErrInvalid},
		{"rtds", func() error { return b.SetSchedParams(ctx, id, toolstack.SchedParams{Sched: "rtds"}) }, toolstack.ErrUnsupported},
		{"trigger bogus", func() error { return b.SendTrigger(ctx, id, "bogus", 0) }, toolstack.ErrInvalid},
		{"trigger vcpu 9", func() error { return b.SendTrigger(ctx, id, toolstack.TriggerNMI, 9) }, toolstack.ErrInvalid},
		{"sysrq NUL", func() error { return b.SendSysrq(ctx, id, 0) }, toolstack.ErrInvalid},
		{"rename empty", func() error { return b.Rename(ctx, id, "") }, toolstack.ErrInvalid},
		{"save relative", func() error { return b.Save(ctx, id, "x.save", false) }, toolstack.ErrInvalid},
		{"save to missing dir", func() error { return b.Save(ctx, id, "/nonexistent/x.save", false) }, toolstack.ErrNotFound},
		{"vbd floppy", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{Vdev: "floppy"}})
			return err
		}, toolstack.ErrInvalid},
		{"vif with a disk", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, Disk: &toolstack.DeviceDisk{}})
			return err
		}, toolstack.ErrInvalid},
		{"vscsi", func() error {
			_, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: &toolstack.DeviceVSCSI{}})
			return err
		}, toolstack.ErrUnsupported},
		{"vnc without display", func() error { _, err := b.VNC(ctx, id); return err }, toolstack.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(f.callLog())
			err := tt.call()
			wantClass(t, tt.name, err, tt.class)
			for _, c := range f.callLog()[n:] {
				if !strings.HasPrefix(c, "list") && !strings.HasPrefix(c, "vcpu-list") && !strings.HasPrefix(c, "info") && !strings.HasPrefix(c, "domid") {
					t.Errorf("%s ran xl %q; want it refused before changing anything", tt.name, c)
				}
			}
		})
	}
}

func TestSaveRestoreCoreDump(t *testing.T) {
	b, _, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("sr"))
	dir := t.TempDir()
	img := filepath.Join(dir, "sr.save")
	if err := b.Save(ctx, id, img, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Domain(ctx, id); !errors.Is(err, toolstack.ErrNotFound) {
		t.Errorf("Domain after Save = %v; want not found", err)
	}
	nid, err := b.Restore(ctx, img, true)
	if err != nil || nid == id {
		t.Fatalf("Restore = %d, %v; want a new domid", nid, err)
	}
	_, err = b.Restore(ctx, filepath.Join(dir, "missing"), false)
	wantClass(t, "Restore(missing)", err, toolstack.ErrNotFound)
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, make([]byte, 100), 0o600)
	_, err = b.Restore(ctx, junk, false)
	wantClass(t, "Restore(junk)", err, toolstack.ErrInvalid)
	core := filepath.Join(dir, "sr.core")
	if err := b.CoreDump(ctx, nid, core, toolstack.DumpOptions{Crash: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(core); err != nil {
		t.Errorf("core file: %v", err)
	}
	if _, err := b.Domain(ctx, nid); !errors.Is(err, toolstack.ErrNotFound) {
		t.Errorf("Domain after CoreDump(crash) = %v; want destroyed", err)
	}
}

func TestListDomainsAndConfigCache(t *testing.T) {
	b, f, _ := newTestBackend(t)
	ctx := context.Background()
	for _, n := range []string{"a", "b"} {
		if _, err := b.Create(ctx, tinyConfig(n)); err != nil {
			t.Fatal(err)
		}
	}
	doms, err := b.ListDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(doms) != 3 || doms[0].Domid != 0 || doms[0].Name != "Domain-0" || len(doms[0].VCPUs) != 2 || doms[2].Name != "b" {
		t.Fatalf("ListDomains = %+v", doms)
	}
	n := len(f.callLog())
	for _, d := range doms {
		if _, err := b.DomainConfig(ctx, d.Domid); err != nil {
			t.Fatal(err)
		}
	}
	lists := 0
	for _, c := range f.callLog()[n-1:] {
		if c == "list -l" {
			lists++
		}
	}
	if lists > 1 {
		t.Errorf("DomainConfig for 3 domains ran xl list -l %d times; want one fetch shared by all", lists)
	}
	// A change through the backend drops the cache.
	if err := b.Rename(ctx, doms[1].Domid, "a2"); err != nil {
		t.Fatal(err)
	}
	cfg, err := b.DomainConfig(ctx, doms[1].Domid)
	if err != nil || cfg.CInfo.Name != "a2" {
		t.Errorf("DomainConfig after Rename = %+v, %v; want name a2", cfg.CInfo, err)
	}
}

func TestDevicesFromXenstore(t *testing.T) {
	b, _, _ := newTestBackend(t)
	ctx := context.Background()
	id, _ := b.Create(ctx, tinyConfig("devs"))
	for i, mac := range []string{"00:16:3e:00:00:0a", ""} {
		ref, err := b.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, NIC: &toolstack.DeviceNIC{MAC: mac, Bridge: "xenbr0"}})
		if err != nil || ref.Devid != i {
			t.Fatalf("AddDevice(vif %d) = %+v, %v", i, ref, err)
		}
	}
	devs, err := b.Devices(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for _, d := range devs {
		classes = append(classes, string(d.Class)+"/"+itoa(d.Devid))
	}
	if !slices.Equal(classes, []string{"console/0", "vif/0", "vif/1"}) {
		t.Errorf("Devices = %v; want console/0 vif/0 vif/1", classes)
	}
	if devs[0].TTY != "/dev/pts/1" || devs[0].BackendState != toolstack.XenbusInitialising {
		t.Errorf("console device = %+v", devs[0])
	}
	if devs[1].Config.NIC == nil || devs[1].Config.NIC.Bridge != "xenbr0" || devs[1].BackendState != toolstack.XenbusInitWait {
		t.Errorf("vif 0 = %+v", devs[1])
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.WaitForDevices(wctx, id); err != nil {
		t.Errorf("WaitForDevices with backends Connected/InitWait = %v", err)
	}
	c, err := b.Console(ctx, id)
	if err != nil || c.TTY != "/dev/pts/1" || c.Port != 2 {
		t.Errorf("Console = %+v, %v", c, err)
	}
}

func TestHostInfoAndDmesg(t *testing.T) {
	b, _, _ := newTestBackend(t)
	ctx := context.Background()
	h, err := b.HostInfo(ctx)
	if err != nil || h.Phys.NrCPUs != 2 || len(h.Topology) != 2 || h.Sched.Name != "credit2" {
		t.Errorf("HostInfo = %+v, %v", h, err)
	}
	s, err := b.Dmesg(ctx, false)
	if err != nil || !strings.Contains(s, "fake ring") {
		t.Errorf("Dmesg = %q, %v", s, err)
	}
}
