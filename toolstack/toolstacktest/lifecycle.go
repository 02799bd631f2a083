package toolstacktest

import (
	"context"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func testHostInfo(t *testing.T, e *Env) {
	h, err := e.TS.HostInfo(context.Background())
	if err != nil {
		t.Fatalf("HostInfo() = %v", err)
	}
	p := h.Phys
	if p.NrCPUs < 1 {
		t.Errorf("HostInfo().Phys.NrCPUs = %d; want >= 1", p.NrCPUs)
	}
	if p.TotalMemKB == 0 || p.FreeMemKB > p.TotalMemKB {
		t.Errorf("HostInfo() memory total %d free %d; want 0 < free <= total", p.TotalMemKB, p.FreeMemKB)
	}
	if len(h.Topology) != p.NrCPUs {
		t.Errorf("len(HostInfo().Topology) = %d; want nr_cpus %d", len(h.Topology), p.NrCPUs)
	}
	if h.Xen.Major < 3 || h.Xen.Caps == "" {
		t.Errorf("HostInfo().Xen = %+v; want a version >= 3 and capabilities", h.Xen)
	}
	if h.Sched.Name == "" {
		t.Errorf("HostInfo().Sched.Name is empty")
	}
}

func testDmesg(t *testing.T, e *Env) {
	if _, err := e.TS.Dmesg(context.Background(), false); err != nil {
		t.Errorf("Dmesg(false) = %v", err)
	}
}

func testListHasDom0(t *testing.T, e *Env) {
	doms, err := e.TS.ListDomains(context.Background())
	if err != nil {
		t.Fatalf("ListDomains() = %v", err)
	}
	if len(doms) == 0 || doms[0].Domid != 0 {
		t.Fatalf("ListDomains() does not start with domain 0: %+v", doms)
	}
	d0 := doms[0]
	if d0.State&toolstack.StateRunning == 0 || d0.CurrentMemKB == 0 || d0.OnlineVCPUs < 1 || len(d0.VCPUs) != d0.MaxVCPUs {
		t.Errorf("dom0 = %+v; want running with memory and vCPUs", d0)
	}
	for i := 1; i < len(doms); i++ {
		if doms[i].Domid <= doms[i-1].Domid {
			t.Errorf("ListDomains() not ordered by domid: %d after %d", doms[i].Domid, doms[i-1].Domid)
		}
	}
}

func testCreateLeavesPaused(t *testing.T, e *Env) {
	ctx := context.Background()
	cfg := e.NewConfig("conf-create")
	cfg.CInfo.UUID = ""
	id := createCfg(t, e, cfg)
	if id == 0 {
		t.Fatalf("Create() = domid 0")
	}
	d := domain(t, e, id)
	if d.State&toolstack.StatePaused == 0 {
		t.Errorf("Domain(%d).State = %s; want paused after Create", id, d.State)
	}
	if d.Name != "conf-create" || len(d.UUID) != 36 {
		t.Errorf("Domain(%d) name %q uuid %q; want conf-create and a generated UUID", id, d.Name, d.UUID)
	}
	if d.TargetMemKB != cfg.BInfo.TargetMemKB || d.MaxMemKB < d.TargetMemKB {
		t.Errorf("Domain(%d) memory target %d max %d; want target %d", id, d.TargetMemKB, d.MaxMemKB, cfg.BInfo.TargetMemKB)
	}
	got, err := e.TS.DomainConfig(ctx, id)
	if err != nil {
		t.Fatalf("DomainConfig(%d) = %v", id, err)
	}
	if got.CInfo.Name != "conf-create" || got.CInfo.UUID != d.UUID {
		t.Errorf("DomainConfig(%d) c_info = %+v; want name conf-create uuid %s", id, got.CInfo, d.UUID)
	}
	if _, err := toolstack.MarshalXLConfig(got); err != nil {
		t.Errorf("MarshalXLConfig(DomainConfig(%d)) = %v", id, err)
	}
	if err := e.TS.WaitForDevices(ctx, id); err != nil {
		t.Errorf("WaitForDevices(%d) = %v", id, err)
	}
}

func testCreateErrors(t *testing.T, e *Env) {
	ctx := context.Background()
	create(t, e, "conf-dup")
	h, err := e.TS.HostInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(c *toolstack.DomainConfig)
		class error
	}{
		{"duplicate name", func(c *toolstack.DomainConfig) { c.CInfo.Name = "conf-dup" }, toolstack.ErrExists},
		{"no name", func(c *toolstack.DomainConfig) { c.CInfo.Name = "" }, toolstack.ErrInvalid},
		{"target above max", func(c *toolstack.DomainConfig) {
			c.BInfo.TargetMemKB = c.BInfo.MaxMemKB * 2
		}, toolstack.ErrInvalid},
		{"bad uuid", func(c *toolstack.DomainConfig) { c.CInfo.UUID = "not-a-uuid" }, toolstack.ErrInvalid},
		{"memory exhausted", func(c *toolstack.DomainConfig) {
			c.BInfo.TargetMemKB = h.Phys.TotalMemKB * 2
			c.BInfo.MaxMemKB = h.Phys.TotalMemKB * 2
		}, toolstack.ErrNoMemory},
		{"bad MAC", func(c *toolstack.DomainConfig) {
			c.NICs = []toolstack.DeviceNIC{{MAC: "zz:16:3e:00:00:01"}}
		}, toolstack.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.NewConfig("conf-bad")
			tc.edit(cfg)
			if cfg.CInfo.Name != "" {
				cleanupName(t, e.TS, cfg.CInfo.Name)
			}
			_, err := e.TS.Create(ctx, cfg)
			wantClass(t, "Create("+tc.name+")", err, tc.class)
			if tc.class != toolstack.ErrExists {
				if _, err := toolstack.FindByName(ctx, e.TS, "conf-bad"); err == nil {
					t.Errorf("Create(%s) failed but left domain conf-bad behind", tc.name)
				}
			}
		})
	}
}

// testUnknownDomain calls every per-domain method on a domid that does not
// exist.
func testUnknownDomain(t *testing.T, e *Env) {
	ctx := context.Background()
	const id = toolstack.Domid(0x7ff0)
	ts := e.TS
	calls := []struct {
		name string
		call func() error
	}{
		{"Domain", func() error { _, err := ts.Domain(ctx, id); return err }},
		{"DomainConfig", func() error { _, err := ts.DomainConfig(ctx, id); return err }},
		{"Pause", func() error { return ts.Pause(ctx, id) }},
		{"Unpause", func() error { return ts.Unpause(ctx, id) }},
		{"Shutdown", func() error { return ts.Shutdown(ctx, id, toolstack.RequestPoweroff) }},
		{"Reboot", func() error { return ts.Reboot(ctx, id) }},
		{"Destroy", func() error { return ts.Destroy(ctx, id) }},
		{"Reset", func() error { _, err := ts.Reset(ctx, id); return err }},
		{"Rename", func() error { return ts.Rename(ctx, id, "x") }},
		{"SendSysrq", func() error { return ts.SendSysrq(ctx, id, 'h') }},
		{"SendTrigger", func() error { return ts.SendTrigger(ctx, id, toolstack.TriggerNMI, 0) }},
		{"SetMemoryTarget", func() error { return ts.SetMemoryTarget(ctx, id, 65536) }},
		{"SetMemoryMax", func() error { return ts.SetMemoryMax(ctx, id, 65536) }},
		{"SetVCPUs", func() error { return ts.SetVCPUs(ctx, id, 1) }},
		{"PinVCPU", func() error { return ts.PinVCPU(ctx, id, 0, toolstack.Bitmap{0}) }},
		{"SchedParams", func() error { _, err := ts.SchedParams(ctx, id); return err }},
		{"SetSchedParams", func() error { return ts.SetSchedParams(ctx, id, toolstack.SchedParams{Weight: intp(256)}) }},
		{"AddDevice", func() error {
			_, err := ts.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, NIC: &toolstack.DeviceNIC{}})
			return err
		}},
		{"RemoveDevice", func() error { return ts.RemoveDevice(ctx, id, toolstack.DeviceRef{Class: toolstack.ClassVIF}, false) }},
		{"Devices", func() error { _, err := ts.Devices(ctx, id, ""); return err }},
		{"WaitForDevices", func() error { return ts.WaitForDevices(ctx, id) }},
		{"Save", func() error { return ts.Save(ctx, id, e.TempPath("unknown.save"), false) }},
		{"CoreDump", func() error { return ts.CoreDump(ctx, id, e.TempPath("unknown.core"), toolstack.DumpOptions{}) }},
		{"Console", func() error { _, err := ts.Console(ctx, id); return err }},
		{"VNC", func() error { _, err := ts.VNC(ctx, id); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			wantClass(t, c.name+"(unknown domid)", err, toolstack.ErrNotFound)
			if err != nil && !strings.Contains(err.Error(), "32752") {
				t.Errorf("%s(unknown domid) error %q does not name the domain", c.name, err)
			}
		})
	}
}

func testDom0Refusals(t *testing.T, e *Env) {
	ctx := context.Background()
	wantClass(t, "Pause(0)", e.TS.Pause(ctx, 0), toolstack.ErrInvalid)
	wantClass(t, "Destroy(0)", e.TS.Destroy(ctx, 0), toolstack.ErrInvalid)
	wantClass(t, "Shutdown(0)", e.TS.Shutdown(ctx, 0, toolstack.RequestPoweroff), toolstack.ErrInvalid)
	if d := domain(t, e, 0); d.State&toolstack.StateRunning == 0 {
		t.Errorf("dom0 state %s after refused calls; want running", d.State)
	}
}

func testPauseUnpause(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-pause")
	steps := []struct {
		name       string
		call       func() error
		wantPaused bool
	}{
		{"unpause", func() error { return e.TS.Unpause(ctx, id) }, false},
		{"unpause again", func() error { return e.TS.Unpause(ctx, id) }, false},
		{"pause", func() error { return e.TS.Pause(ctx, id) }, true},
		{"pause again", func() error { return e.TS.Pause(ctx, id) }, true},
		{"unpause after pause", func() error { return e.TS.Unpause(ctx, id) }, false},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		st := domain(t, e, id).State
		if got := st&toolstack.StatePaused != 0; got != s.wantPaused {
			t.Errorf("after %s: state %s; want paused=%v", s.name, st, s.wantPaused)
		}
	}
}

func testShutdown(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-shutdown")
	wantClass(t, "Shutdown(bogus)", e.TS.Shutdown(ctx, id, "bogus"), toolstack.ErrInvalid)
	if err := e.TS.Unpause(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The guest may or may not obey; the request itself must be accepted.
	wantClass(t, "Shutdown(poweroff)", e.TS.Shutdown(ctx, id, toolstack.RequestPoweroff), nil)
}

func testRename(t *testing.T, e *Env) {
	ctx := context.Background()
	a := create(t, e, "conf-ren-a")
	create(t, e, "conf-ren-b")
	wantClass(t, "Rename(a, b)", e.TS.Rename(ctx, a, "conf-ren-b"), toolstack.ErrExists)
	wantClass(t, "Rename(a, \"\")", e.TS.Rename(ctx, a, ""), toolstack.ErrInvalid)
	cleanupName(t, e.TS, "conf-ren-c")
	wantClass(t, "Rename(a, c)", e.TS.Rename(ctx, a, "conf-ren-c"), nil)
	d, err := toolstack.FindByName(ctx, e.TS, "conf-ren-c")
	if err != nil || d.Domid != a {
		t.Errorf("FindByName(conf-ren-c) = %v, %v; want domid %d", d, err, a)
	}
}

func testSysrqTrigger(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-sysrq")
	wantClass(t, "SendSysrq(h)", e.TS.SendSysrq(ctx, id, 'h'), nil)
	wantClass(t, "SendTrigger(nmi)", e.TS.SendTrigger(ctx, id, toolstack.TriggerNMI, 0), nil)
	wantClass(t, "SendTrigger(bogus)", e.TS.SendTrigger(ctx, id, "bogus", 0), toolstack.ErrInvalid)
	wantClass(t, "SendTrigger(nmi, vcpu 99)", e.TS.SendTrigger(ctx, id, toolstack.TriggerNMI, 99), toolstack.ErrInvalid)
}

func testConsole(t *testing.T, e *Env) {
	id := create(t, e, "conf-console")
	c, err := e.TS.Console(context.Background(), id)
	if err != nil {
		t.Fatalf("Console(%d) = %v", id, err)
	}
	if !strings.HasPrefix(c.TTY, "/dev/") {
		t.Errorf("Console(%d).TTY = %q; want a /dev path", id, c.TTY)
	}
	if _, err := e.TS.VNC(context.Background(), id); err == nil {
		t.Errorf("VNC(%d) of a guest without display = nil error; want one", id)
	}
}

func testReset(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-reset")
	before := domain(t, e, id)
	nid, err := e.TS.Reset(ctx, id)
	if err != nil {
		t.Fatalf("Reset(%d) = %v", id, err)
	}
	after := domain(t, e, nid)
	if after.UUID != before.UUID || after.Name != before.Name {
		t.Errorf("Reset(%d) gave %s/%s; want the same name and UUID %s/%s", id, after.Name, after.UUID, before.Name, before.UUID)
	}
	if nid != id {
		if _, err := e.TS.Domain(ctx, id); err == nil {
			t.Errorf("Reset(%d) = new domid %d but the old one still exists", id, nid)
		}
	}
}

func testDestroy(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-destroy")
	h0, _ := e.TS.HostInfo(ctx)
	wantClass(t, "Destroy", e.TS.Destroy(ctx, id), nil)
	wantClass(t, "Destroy again", e.TS.Destroy(ctx, id), toolstack.ErrNotFound)
	if _, err := toolstack.FindByName(ctx, e.TS, "conf-destroy"); err == nil {
		t.Errorf("FindByName(conf-destroy) after Destroy = found")
	}
	if h1, err := e.TS.HostInfo(ctx); err == nil && h0 != nil && h1.Phys.FreeMemKB <= h0.Phys.FreeMemKB {
		t.Logf("free memory did not grow after Destroy (%d -> %d KiB); a real host may balloon dom0", h0.Phys.FreeMemKB, h1.Phys.FreeMemKB)
	}
}

func testLookup(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-lookup")
	d := domain(t, e, id)
	for _, ident := range []string{"conf-lookup", d.UUID, strings.ToUpper(d.UUID), itoa(int(id))} {
		got, err := toolstack.Lookup(ctx, e.TS, ident)
		if err != nil || got.Domid != id {
			t.Errorf("Lookup(%q) = %v, %v; want domid %d", ident, got, err, id)
		}
	}
	_, err := toolstack.Lookup(ctx, e.TS, "conf-no-such-domain")
	wantClass(t, "Lookup(conf-no-such-domain)", err, toolstack.ErrNotFound)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
