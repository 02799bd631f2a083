package sim_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// TestMethodErrors covers the error cases the conformance suite cannot
// (they depend on the simulated host): wrong state, memory exhausted,
// duplicates on restore and migration, bad paths, cancelled contexts.
func TestMethodErrors(t *testing.T) {
	prof := sim.DefaultProfile()
	prof.Physinfo.TotalMemory = 1048576 + 131072 + 600*1024 // 600 MiB for guests
	s, _, _ := newSim(t, prof)

	// A suspended domain (shutdown flag, reason suspend).
	susp := mustCreate(t, s, pvConfig("susp"))
	s.Unpause(ctx, susp)
	if err := s.Shutdown(ctx, susp, toolstack.RequestSuspend); err != nil {
		t.Fatal(err)
	}
	// A crashed, preserved domain.
	crashed := mustCreate(t, s, pvConfig("crashed"))
	s.Unpause(ctx, crashed)
	if err := s.Shutdown(ctx, crashed, toolstack.RequestCrash); err != nil {
		t.Fatal(err)
	}
	// A saved image of a domain that then comes back, and a migration
	// stream of one that is still here.
	saved := mustCreate(t, s, pvConfig("saved"))
	if err := s.Save(ctx, saved, "/var/lib/xen/save/saved.img", true); err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	other, _, _ := newSim(t, sim.DefaultProfile())
	oid := mustCreate(t, other, pvConfig("saved"))
	if err := other.MigrateSend(ctx, oid, &stream, toolstack.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	nomig := pvConfig("nomig")
	nomig.BInfo.DisableMigrate = toolstack.DefboolTrue
	nomigID := mustCreate(t, s, nomig)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	tests := []struct {
		name  string
		call  func() error
		class error
	}{
		{"Unpause suspended", func() error { return s.Unpause(ctx, susp) }, toolstack.ErrBadState},
		{"Pause suspended", func() error { return s.Pause(ctx, susp) }, toolstack.ErrBadState},
		{"Shutdown suspended", func() error { return s.Shutdown(ctx, susp, toolstack.RequestPoweroff) }, toolstack.ErrBadState},
		{"Reboot crashed", func() error { return s.Reboot(ctx, crashed) }, toolstack.ErrBadState},
		{"Unpause crashed", func() error { return s.Unpause(ctx, crashed) }, toolstack.ErrBadState},
		{"AddDevice crashed", func() error {
			_, err := s.AddDevice(ctx, crashed, toolstack.Device{Class: toolstack.ClassVKBD, VKB: &toolstack.DeviceVKB{}})
			return err
		}, toolstack.ErrBadState},
		{"Save crashed", func() error { return s.Save(ctx, crashed, "/var/lib/xen/save/c.img", false) }, toolstack.ErrBadState},
		{"MigrateSend crashed", func() error { return s.MigrateSend(ctx, crashed, &bytes.Buffer{}, toolstack.MigrateOptions{}) }, toolstack.ErrBadState},
		{"Save suspended", func() error { return s.Save(ctx, susp, "/var/lib/xen/save/s.img", true) }, nil},
		{"SetMemoryTarget beyond free memory", func() error {
			if err := s.SetMemoryMax(ctx, saved, 4<<20); err != nil {
				return err
			}
			return s.SetMemoryTarget(ctx, saved, 4<<20)
		}, toolstack.ErrNoMemory},
		{"SetMemoryTarget 0", func() error { return s.SetMemoryTarget(ctx, saved, 0) }, toolstack.ErrInvalid},
		{"Restore duplicate", func() error { _, err := s.Restore(ctx, "/var/lib/xen/save/saved.img", false); return err }, toolstack.ErrExists},
		{"MigrateReceive duplicate", func() error {
			_, err := s.MigrateReceive(ctx, bytes.NewReader(stream.Bytes()), toolstack.ReceiveOptions{})
			return err
		}, toolstack.ErrExists},
		{"MigrateReceive refused by policy", func() error {
			_, err := s.MigrateReceive(ctx, bytes.NewReader(stream.Bytes()), toolstack.ReceiveOptions{Policy: func(p string) error { return errors.New("outside /srv") }})
			return err
		}, toolstack.ErrInvalid},
		{"MigrateSend disable_migrate", func() error { return s.MigrateSend(ctx, nomigID, &bytes.Buffer{}, toolstack.MigrateOptions{}) }, toolstack.ErrInvalid},
		{"MigrateSend dom0", func() error { return s.MigrateSend(ctx, 0, &bytes.Buffer{}, toolstack.MigrateOptions{}) }, toolstack.ErrInvalid},
		{"Create beyond free memory", func() error {
			cfg := pvConfig("huge")
			cfg.BInfo.MaxMemKB, cfg.BInfo.TargetMemKB = 1<<20, 1<<20
			_, err := s.Create(ctx, cfg)
			return err
		}, toolstack.ErrNoMemory},
		{"Save relative path", func() error { return s.Save(ctx, saved, "saved.img", true) }, toolstack.ErrInvalid},
		{"Save into missing directory", func() error { return s.Save(ctx, saved, "/nonexistent/dir/x.img", true) }, toolstack.ErrNotFound},
		{"Save dom0", func() error { return s.Save(ctx, 0, "/var/lib/xen/save/d0", true) }, toolstack.ErrInvalid},
		{"Restore relative path", func() error { _, err := s.Restore(ctx, "x.img", false); return err }, toolstack.ErrInvalid},
		{"CoreDump crash and reset", func() error {
			return s.CoreDump(ctx, saved, "/var/lib/xen/save/c.core", toolstack.DumpOptions{Crash: true, Reset: true})
		}, toolstack.ErrInvalid},
		{"CoreDump dom0", func() error { return s.CoreDump(ctx, 0, "/var/lib/xen/save/c.core", toolstack.DumpOptions{}) }, toolstack.ErrInvalid},
		{"Console dom0", func() error { _, err := s.Console(ctx, 0); return err }, toolstack.ErrUnsupported},
		{"VNC without display", func() error { _, err := s.VNC(ctx, saved); return err }, toolstack.ErrNotFound},
		{"SetSchedParams period", func() error { return s.SetSchedParams(ctx, saved, toolstack.SchedParams{Period: ptr(10)}) }, toolstack.ErrUnsupported},
		{"SetSchedParams cap above 100 per vcpu", func() error { return s.SetSchedParams(ctx, saved, toolstack.SchedParams{Cap: ptr(201)}) }, toolstack.ErrInvalid},
		{"SendSysrq control character", func() error { return s.SendSysrq(ctx, saved, 0x03) }, toolstack.ErrInvalid},
		{"Reset dom0", func() error { _, err := s.Reset(ctx, 0); return err }, toolstack.ErrInvalid},
		{"Rename dom0", func() error { return s.Rename(ctx, 0, "dom0") }, nil},
		{"Rename dom0 back", func() error { return s.Rename(ctx, 0, "Domain-0") }, nil},
		{"RemoveDevice console", func() error {
			return s.RemoveDevice(ctx, saved, toolstack.DeviceRef{Class: toolstack.ClassConsole}, false)
		}, toolstack.ErrInvalid},
		{"RemoveDevice missing vscsi LUN", func() error {
			return s.RemoveDevice(ctx, saved, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Sub: "0:0:0:9"}, false)
		}, toolstack.ErrNotFound},
		{"StatHostFile relative", func() error { _, err := s.StatHostFile(ctx, "etc/xen"); return err }, toolstack.ErrInvalid},
		{"ReadHostFile missing", func() error { _, err := s.ReadHostFile(ctx, "/etc/nosuch", 16); return err }, toolstack.ErrNotFound},
		{"cancelled ListDomains", func() error { _, err := s.ListDomains(cancelled); return err }, context.Canceled},
		{"cancelled Create", func() error { _, err := s.Create(cancelled, pvConfig("never")); return err }, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.class == nil && err != nil || tc.class != nil && !errors.Is(err, tc.class) {
				t.Errorf("%s = %v; want class %v", tc.name, err, tc.class)
			}
		})
	}
	if _, err := toolstack.FindByName(ctx, s, "never"); err == nil {
		t.Errorf("a Create with a cancelled context made a domain")
	}
	if d, _ := toolstack.FindByName(ctx, s, "saved"); d == nil || d.TargetMemKB != 65536*2 {
		t.Errorf("failed memory changes altered the domain: %+v", d)
	}
}
