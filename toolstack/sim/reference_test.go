package sim_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

var ctx = context.Background()

// newSim starts a simulator in a fresh directory with a manual clock.
func newSim(t testing.TB, prof *sim.Profile) (*sim.Sim, *sim.ManualClock, string) {
	t.Helper()
	dir := t.TempDir()
	clk := sim.NewManualClock(time.Unix(1795547903, 0))
	s, err := sim.New(sim.Options{StateDir: dir, Profile: prof, Clock: clk, Seed: 1, NoSync: true})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	return s, clk, dir
}

func mustCreate(t testing.TB, s toolstack.Toolstack, cfg *toolstack.DomainConfig) toolstack.Domid {
	t.Helper()
	id, err := s.Create(ctx, cfg)
	if err != nil {
		t.Fatalf("Create(%s) = %v", cfg.CInfo.Name, err)
	}
	return id
}

func mustInfo(t testing.TB, s toolstack.Toolstack, id toolstack.Domid) *toolstack.DomainInfo {
	t.Helper()
	d, err := s.Domain(ctx, id)
	if err != nil {
		t.Fatalf("Domain(%d) = %v", id, err)
	}
	return d
}

func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

// TestReferenceBehaviour checks the "behaviour" rules of
// reference-host.json one by one.
func TestReferenceBehaviour(t *testing.T) {
	s, clk, _ := newSim(t, sim.ReferenceProfile())
	p := s.Profile()

	t.Run("dom0", func(t *testing.T) {
		d := mustInfo(t, s, 0)
		check(t, "name", d.Name, "Domain-0")
		check(t, "uuid", d.UUID, "00000000-0000-0000-0000-000000000000")
		check(t, "state", d.State.String(), "r-----")
		check(t, "memory", d.CurrentMemKB, uint64(1048576))
		check(t, "max memory", d.MaxMemKB, uint64(1048576))
		check(t, "vcpus", d.OnlineVCPUs, 2)
		check(t, "cpu_time", int64(d.CPUTime), int64(123456789012))
		check(t, "vcpu 1 time", int64(d.VCPUs[1].Time), int64(61728394507))
		check(t, "vcpu 1 cpu", d.VCPUs[1].CPU, 1)
	})

	pv1 := mustCreate(t, s, pvConfig("pv1"))
	t.Run("first domain", func(t *testing.T) {
		check(t, "domid", pv1, toolstack.Domid(1))
		d := mustInfo(t, s, pv1)
		check(t, "state after create", d.State.String(), "--p---")
		check(t, "cpu_time", int64(d.CPUTime), int64(4213377280))
		check(t, "vcpu 1 time", int64(d.VCPUs[1].Time), int64(2106688641))
		check(t, "store mfn", d.StoreMFN, uint64(2276418))
		check(t, "console mfn", d.ConsoleMFN, uint64(2276417))
		check(t, "weight", *d.Sched.Weight, 256)
		check(t, "cap", *d.Sched.Cap, 0)
		if err := s.Unpause(ctx, pv1); err != nil {
			t.Fatal(err)
		}
		check(t, "state after unpause", mustInfo(t, s, pv1).State.String(), "-b----")
	})

	t.Run("free memory", func(t *testing.T) {
		h, err := s.HostInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := p.Physinfo.TotalMemory - 131072 - 1048576 - 131072
		check(t, "free_memory", h.Phys.FreeMemKB, want)
		check(t, "hw_caps", h.Phys.HWCapsString(), p.Physinfo.HWCaps)
		check(t, "numa node 0 size", h.NUMA[0].MemSizeKB, uint64(8191*1024))
	})

	t.Run("failed create uses up its id", func(t *testing.T) {
		cfg := pvConfig("nokernel")
		cfg.BInfo.Kernel = ""
		_, err := s.Create(ctx, cfg)
		if !errors.Is(err, toolstack.ErrInvalid) {
			t.Fatalf("Create(no kernel) = %v; want ErrInvalid", err)
		}
		cfg = pvConfig("bootloader")
		cfg.BInfo.Kernel = ""
		cfg.BInfo.Bootloader = "pygrub"
		cfg.Disks = []toolstack.DeviceDisk{{PdevPath: "/dev/vg0/nokernel", Vdev: "xvda"}}
		_, err = s.Create(ctx, cfg)
		if !errors.Is(err, toolstack.ErrNotFound) || !strings.Contains(err.Error(), "Disk isn't accessible") {
			t.Fatalf("Create(bootloader, missing disk) = %v; want ErrNotFound \"Disk isn't accessible\"", err)
		}
		check(t, "next domid", mustCreate(t, s, pvConfig("pv2")), toolstack.Domid(4))
	})

	t.Run("guests ignore shutdown but suspend", func(t *testing.T) {
		for _, r := range []toolstack.ShutdownRequest{toolstack.RequestPoweroff, toolstack.RequestReboot, toolstack.RequestHalt} {
			if err := s.Shutdown(ctx, pv1, r); err != nil {
				t.Fatalf("Shutdown(%s) = %v", r, err)
			}
			check(t, "state after "+string(r), mustInfo(t, s, pv1).State.String(), "-b----")
		}
		if err := s.SendSysrq(ctx, pv1, 'b'); err != nil {
			t.Fatal(err)
		}
		check(t, "state after sysrq", mustInfo(t, s, pv1).State.String(), "-b----")
	})

	t.Run("vcpu count stays as built", func(t *testing.T) {
		if err := s.SetVCPUs(ctx, pv1, 1); err != nil {
			t.Fatal(err)
		}
		check(t, "online vcpus", mustInfo(t, s, pv1).OnlineVCPUs, 2)
		cfg, _ := s.DomainConfig(ctx, pv1)
		check(t, "avail_vcpus", cfg.BInfo.AvailVCPUs.String(), "0")
	})

	t.Run("vcpu placement", func(t *testing.T) {
		if err := s.PinVCPU(ctx, pv1, -1, toolstack.Bitmap{1, 2}); err != nil {
			t.Fatal(err)
		}
		d := mustInfo(t, s, pv1)
		check(t, "vcpu 0 cpu (0 not allowed: first of 1-2)", d.VCPUs[0].CPU, 1)
		check(t, "vcpu 1 cpu", d.VCPUs[1].CPU, 1)
		check(t, "vcpu 0 affinity", d.VCPUs[0].HardAffinity.String(), "1-2")
		if err := s.PinVCPU(ctx, pv1, 0, toolstack.Bitmap{3}); err != nil {
			t.Fatal(err)
		}
		check(t, "vcpu 0 cpu pinned to 3", mustInfo(t, s, pv1).VCPUs[0].CPU, 3)
	})

	t.Run("cpu_time is fixed", func(t *testing.T) {
		clk.Advance(time.Hour)
		check(t, "cpu_time an hour later", int64(mustInfo(t, s, pv1).CPUTime), int64(4213377280))
	})

	t.Run("devices connect at once", func(t *testing.T) {
		ref, err := s.AddDevice(ctx, pv1, toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{PdevPath: "/var/lib/xen/images/pv1.img", Vdev: "xvda1", Readwrite: 1}})
		if err != nil {
			t.Fatal(err)
		}
		devs, err := s.Devices(ctx, pv1, toolstack.ClassVBD)
		if err != nil || len(devs) != 1 {
			t.Fatalf("Devices = %v, %v", devs, err)
		}
		d := devs[0]
		check(t, "devid", ref.Devid, 51713)
		check(t, "frontend state", d.FrontendState, toolstack.XenbusConnected)
		check(t, "backend path", d.BackendPath, "/local/domain/0/backend/vbd/1/51713")
		var keys []string
		for _, kv := range d.Frontend {
			keys = append(keys, kv.Key+"="+kv.Value)
		}
		check(t, "frontend nodes", strings.Join(keys, " "),
			"virtual-device=51713 device-type=disk protocol=x86_64-abi backend-id=0 state=4 ring-ref=8 event-channel=15 feature-persistent=1 backend=/local/domain/0/backend/vbd/1/51713")
		if err := s.RemoveDevice(ctx, pv1, ref, false); err != nil {
			t.Fatal(err)
		}
		if devs, _ := s.Devices(ctx, pv1, toolstack.ClassVBD); len(devs) != 0 {
			t.Errorf("Devices after detach = %v; want none (a detached device disappears at once)", devs)
		}
	})

	t.Run("no device model", func(t *testing.T) {
		cfg := pvConfig("vfb1")
		cfg.VFBs = []toolstack.DeviceVFB{{VNC: &toolstack.VNCInfo{Enable: toolstack.DefboolTrue}}}
		id := mustCreate(t, s, cfg)
		_, err := s.VNC(ctx, id)
		if !errors.Is(err, toolstack.ErrUnsupported) {
			t.Errorf("VNC(vfb1) = %v; want ErrUnsupported (no qemu-dm on the reference host)", err)
		}
	})

	t.Run("hvm store pfn", func(t *testing.T) {
		cfg := pvConfig("hvm1")
		cfg.CInfo.Type = toolstack.TypeHVM
		cfg.BInfo.PV, cfg.BInfo.HVM = nil, &toolstack.BuildInfoHVM{}
		d := mustInfo(t, s, mustCreate(t, s, cfg))
		check(t, "store mfn", d.StoreMFN, uint64(1044476))
		check(t, "console mfn", d.ConsoleMFN, uint64(0))
	})

	t.Run("no PCI passthrough", func(t *testing.T) {
		_, err := s.AddDevice(ctx, pv1, toolstack.Device{Class: toolstack.ClassPCI, PCI: &toolstack.DevicePCI{Bus: 3}})
		if !errors.Is(err, toolstack.ErrUnsupported) {
			t.Errorf("AddDevice(pci) = %v; want ErrUnsupported", err)
		}
	})

	t.Run("dmesg clear", func(t *testing.T) {
		first, err := s.Dmesg(ctx, true)
		if err != nil || first != p.Dmesg {
			t.Fatalf("Dmesg(clear) = %q, %v; want the profile's ring", first, err)
		}
		if again, _ := s.Dmesg(ctx, false); again != "" {
			t.Errorf("Dmesg after clear = %q; want empty", again)
		}
	})

	t.Run("files", func(t *testing.T) {
		if _, err := s.StatHostFile(ctx, "/var/lib/xen/boot/vmlinuz-guest"); err != nil {
			t.Errorf("StatHostFile(vmlinuz-guest) = %v; want it to exist", err)
		}
		if _, err := s.StatHostFile(ctx, "/var/lib/xen/images/nosuch.img"); !errors.Is(err, toolstack.ErrNotFound) {
			t.Errorf("StatHostFile(nosuch.img) = %v; want ErrNotFound", err)
		}
		ents, err := os.ReadDir(s.HostPath(p.SaveDirectory))
		if err != nil || len(ents) != 0 {
			t.Errorf("save directory %v, %v; want it to exist and be empty", ents, err)
		}
	})

	t.Run("save and restore", func(t *testing.T) {
		id := mustCreate(t, s, pvConfig("pv3"))
		if err := s.SetMemoryTarget(ctx, id, 65536); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSchedParams(ctx, id, toolstack.SchedParams{Weight: ptr(512), Cap: ptr(50)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, id, "/var/lib/xen/save/pv3.save", false); err != nil {
			t.Fatal(err)
		}
		nid, err := s.Restore(ctx, "/var/lib/xen/save/pv3.save", false)
		if err != nil {
			t.Fatal(err)
		}
		d := mustInfo(t, s, nid)
		check(t, "restored memory (its maximum)", d.CurrentMemKB, uint64(131072))
		check(t, "restored weight", *d.Sched.Weight, 512)
		check(t, "restored cap", *d.Sched.Cap, 50)
		check(t, "restored state", d.State.String(), "-b----")
		_, err = s.Restore(ctx, "/var/lib/xen/save/pv3.save", false)
		if !errors.Is(err, toolstack.ErrExists) || !strings.Contains(err.Error(), "domain 'pv3' already exists with ID") {
			t.Errorf("Restore(duplicate) = %v; want ErrExists naming pv3", err)
		}
		if err := os.WriteFile(s.HostPath("/etc/xen/pv1.cfg"), []byte("# Paravirtualised guest: kernel+ramdisk\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = s.Restore(ctx, "/etc/xen/pv1.cfg", false)
		if !errors.Is(err, toolstack.ErrInvalid) || !strings.Contains(err.Error(), "not a valid guest state file: found '# Paravirtualise'") {
			t.Errorf("Restore(pv1.cfg) = %v; want ErrInvalid quoting the first 16 bytes", err)
		}
	})
}

func ptr(n int) *int { return &n }
