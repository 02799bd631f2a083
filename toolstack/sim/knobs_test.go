package sim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

func TestDefaultProfileKnobs(t *testing.T) {
	t.Run("vnc ports", func(t *testing.T) {
		s, _, _ := newSim(t, sim.DefaultProfile())
		var ports []int
		for i, vnc := range []*toolstack.VNCInfo{nil, {Listen: "0.0.0.0"}, {Display: 7, FindUnused: toolstack.DefboolFalse}} {
			cfg := pvConfig("vfb" + string(rune('a'+i)))
			cfg.VFBs = []toolstack.DeviceVFB{{VNC: vnc}}
			id := mustCreate(t, s, cfg)
			ep, err := s.VNC(ctx, id)
			if err != nil {
				t.Fatalf("VNC(%d) = %v", id, err)
			}
			ports = append(ports, ep.Port)
			if i == 1 && ep.Listen != "0.0.0.0" {
				t.Errorf("VNC listen = %q; want 0.0.0.0", ep.Listen)
			}
		}
		check(t, "ports", strings.Trim(strings.Join(strings.Fields(strings.Trim(fmtInts(ports), "[]")), ","), ","), "5900,5901,5907")
		cfg := pvConfig("vfbclash")
		cfg.VFBs = []toolstack.DeviceVFB{{VNC: &toolstack.VNCInfo{Display: 7, FindUnused: toolstack.DefboolFalse}}}
		if _, err := s.Create(ctx, cfg); !errors.Is(err, toolstack.ErrExists) {
			t.Errorf("Create(display 7 again) = %v; want ErrExists", err)
		}
		hvm := pvConfig("hvm")
		hvm.CInfo.Type = toolstack.TypeHVM
		hvm.BInfo.PV, hvm.BInfo.HVM = nil, &toolstack.BuildInfoHVM{}
		id := mustCreate(t, s, hvm)
		if ep, err := s.VNC(ctx, id); err != nil || ep.Port != 5902 {
			t.Errorf("VNC(hvm) = %+v, %v; want port 5902", ep, err)
		}
	})

	t.Run("guests obey shutdown", func(t *testing.T) {
		s, _, _ := newSim(t, sim.DefaultProfile())
		tests := []struct {
			req       toolstack.ShutdownRequest
			onCrash   toolstack.Action
			wantGone  bool
			wantState string
			wantNewID bool
		}{
			{toolstack.RequestPoweroff, "", true, "", false},
			{toolstack.RequestHalt, "", true, "", false},
			{toolstack.RequestReboot, "", false, "-b----", true},
			{toolstack.RequestCrash, toolstack.ActionPreserve, false, "----c-", false},
			{toolstack.RequestSuspend, "", false, "---s--", false},
		}
		for _, tc := range tests {
			t.Run(string(tc.req), func(t *testing.T) {
				cfg := pvConfig("obey-" + string(tc.req))
				cfg.OnCrash = tc.onCrash
				id := mustCreate(t, s, cfg)
				if err := s.Unpause(ctx, id); err != nil {
					t.Fatal(err)
				}
				if err := s.Shutdown(ctx, id, tc.req); err != nil {
					t.Fatalf("Shutdown(%s) = %v", tc.req, err)
				}
				d, err := toolstack.FindByName(ctx, s, cfg.CInfo.Name)
				if tc.wantGone {
					if err == nil {
						t.Errorf("after %s the domain still exists: %s", tc.req, d.State)
					}
					return
				}
				if err != nil {
					t.Fatalf("after %s: %v", tc.req, err)
				}
				check(t, "state", d.State.String(), tc.wantState)
				check(t, "new domid", d.Domid != id, tc.wantNewID)
				if tc.req == toolstack.RequestSuspend {
					check(t, "reason", d.ShutdownReason, toolstack.ReasonSuspend)
					if err := s.Unpause(ctx, d.Domid); !errors.Is(err, toolstack.ErrBadState) {
						t.Errorf("Unpause(suspended) = %v; want ErrBadState", err)
					}
					if err := s.Shutdown(ctx, d.Domid, toolstack.RequestPoweroff); !errors.Is(err, toolstack.ErrBadState) {
						t.Errorf("Shutdown(suspended) = %v; want ErrBadState", err)
					}
				}
			})
		}
	})

	t.Run("cpu time advances on the clock", func(t *testing.T) {
		s, clk, _ := newSim(t, sim.DefaultProfile())
		id := mustCreate(t, s, pvConfig("busy"))
		base := mustInfo(t, s, id).CPUTime
		clk.Advance(100 * time.Second)
		check(t, "paused domain cpu_time", mustInfo(t, s, id).CPUTime, base)
		if err := s.Unpause(ctx, id); err != nil {
			t.Fatal(err)
		}
		clk.Advance(100 * time.Second)
		// 2 vCPUs at 1% for 100 s = 2 s.
		check(t, "cpu_time after 100 s", mustInfo(t, s, id).CPUTime-base, 2*time.Second)
		if err := s.SetVCPUs(ctx, id, 1); err != nil {
			t.Fatal(err)
		}
		check(t, "online vcpus after SetVCPUs(1)", mustInfo(t, s, id).OnlineVCPUs, 1)
		clk.Advance(100 * time.Second)
		check(t, "cpu_time with 1 vcpu", mustInfo(t, s, id).CPUTime-base, 3*time.Second)
	})

	t.Run("hotplug delay", func(t *testing.T) {
		p := sim.DefaultProfile()
		p.Sim.HotplugDelayMS = 1000
		s, clk, _ := newSim(t, p)
		id := mustCreate(t, s, pvConfig("slow"))
		if _, err := s.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, NIC: &toolstack.DeviceNIC{Bridge: "xenbr0"}}); err != nil {
			t.Fatal(err)
		}
		devs, _ := s.Devices(ctx, id, toolstack.ClassVIF)
		check(t, "backend state before delay", devs[0].BackendState, toolstack.XenbusInitWait)
		check(t, "frontend state before delay", devs[0].FrontendState, toolstack.XenbusInitialising)
		done := make(chan error, 1)
		go func() { done <- s.WaitForDevices(ctx, id) }()
		select {
		case err := <-done:
			t.Fatalf("WaitForDevices returned %v before the delay passed", err)
		case <-time.After(30 * time.Millisecond):
		}
		clk.Advance(time.Second)
		if err := <-done; err != nil {
			t.Fatalf("WaitForDevices = %v", err)
		}
		devs, _ = s.Devices(ctx, id, toolstack.ClassVIF)
		check(t, "frontend state after delay", devs[0].FrontendState, toolstack.XenbusConnected)
	})
}

func fmtInts(v []int) string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(itoa(n))
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestDeterministicSeed(t *testing.T) {
	runs := 0
	run := func(seed uint64, dir string) []string {
		runs++
		s, err := sim.New(sim.Options{StateDir: dir, Profile: sim.ReferenceProfile(), Seed: seed, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, name := range []string{"a", "b"} {
			cfg := pvConfig(name + itoa(runs))
			cfg.NICs = []toolstack.DeviceNIC{{}}
			id := mustCreate(t, s, cfg)
			c, _ := s.DomainConfig(ctx, id)
			out = append(out, c.CInfo.UUID, c.NICs[0].MAC)
		}
		return out
	}
	a := run(42, t.TempDir())
	b := run(42, t.TempDir())
	c := run(43, t.TempDir())
	check(t, "same seed", strings.Join(a, " "), strings.Join(b, " "))
	if strings.Join(a, " ") == strings.Join(c, " ") {
		t.Errorf("seeds 42 and 43 gave the same values %v", a)
	}
	// A restarted simulator continues the sequence instead of repeating it.
	dir := t.TempDir()
	first := run(42, dir)
	second := run(42, dir)
	for _, v := range second {
		for _, w := range first {
			if v == w {
				t.Errorf("value %s repeated after a restart", v)
			}
		}
	}
}

func TestInjectError(t *testing.T) {
	s, _, _ := newSim(t, sim.ReferenceProfile())
	boom := errors.New("boom")
	s.InjectError("Create", boom)
	if _, err := s.Create(ctx, pvConfig("x")); !errors.Is(err, boom) {
		t.Fatalf("Create with injected error = %v; want boom", err)
	}
	if _, err := toolstack.FindByName(ctx, s, "x"); err == nil {
		t.Errorf("the failed Create left a domain")
	}
	check(t, "domid after the injected failure", mustCreate(t, s, pvConfig("x")), toolstack.Domid(1))
	s.InjectError("Pause", boom)
	if err := s.Pause(ctx, 1); !errors.Is(err, boom) {
		t.Errorf("Pause with injected error = %v; want boom", err)
	}
	if err := s.Pause(ctx, 1); err != nil {
		t.Errorf("Pause after the injected failure = %v; want success", err)
	}
}

func TestDeviceClasses(t *testing.T) {
	s, _, _ := newSim(t, sim.DefaultProfile())
	a := mustCreate(t, s, pvConfig("dev-a"))
	b := mustCreate(t, s, pvConfig("dev-b"))
	vscsi := func(devid int, pdev, vdev string) toolstack.Device {
		return toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: &toolstack.DeviceVSCSI{Devid: devid, LUNs: []toolstack.VSCSILUN{{PDev: pdev, VDev: vdev}}}}
	}
	usbdev := func(ctrl, port int) toolstack.Device {
		return toolstack.Device{Class: toolstack.ClassUSBDev, USBDev: &toolstack.DeviceUSBDev{Ctrl: ctrl, Port: port, HostDev: &toolstack.USBHostDev{HostBus: 1, HostAddr: 2}}}
	}
	tests := []struct {
		name      string
		dom       toolstack.Domid
		dev       toolstack.Device
		class     error
		wantDevid int
	}{
		{"vscsi by hctl", a, vscsi(0, "2:0:0:0", "0:0:0:0"), nil, 0},
		{"vscsi second lun by name", a, vscsi(0, "/dev/sdc", "0:0:0:1"), nil, 0},
		{"vscsi v-dev in use on the controller", a, vscsi(0, "sr0", "0:0:0:1"), toolstack.ErrExists, 0},
		{"vscsi v-dev in use, written 0:0:0:01", a, vscsi(0, "sr0", "0:0:0:01"), toolstack.ErrExists, 0},
		{"vscsi v-dev given twice", b, toolstack.Device{Class: toolstack.ClassVSCSI, VSCSI: &toolstack.DeviceVSCSI{LUNs: []toolstack.VSCSILUN{{PDev: "sr0", VDev: "0:0:0:3"}, {PDev: "3:0:2:0", VDev: "0:0:0:3"}}}}, toolstack.ErrInvalid, 0},
		{"vscsi device in use", b, vscsi(0, "sdb", "0:0:0:0"), toolstack.ErrExists, 0},
		{"vscsi unknown host device", b, vscsi(0, "9:9:9:9", "0:0:0:0"), toolstack.ErrNotFound, 0},
		{"vscsi bad vdev", b, vscsi(0, "sr0", "zero"), toolstack.ErrInvalid, 0},
		{"usb controller", a, toolstack.Device{Class: toolstack.ClassVUSB, USBCtrl: &toolstack.DeviceUSBCtrl{Type: "pv", Version: 2, Ports: 4}}, nil, 0},
		{"usb device", a, usbdev(0, 1), nil, 1},
		{"usb device same port", a, usbdev(0, 1), toolstack.ErrExists, 0},
		{"usb device bad port", a, usbdev(0, 5), toolstack.ErrInvalid, 0},
		{"usb device no controller", b, usbdev(0, 1), toolstack.ErrNotFound, 0},
		{"pty channel", a, toolstack.Device{Class: toolstack.ClassChannel, Channel: &toolstack.DeviceChannel{Name: "org.qemu.guest_agent.0", Pty: &struct{}{}}}, nil, 0},
		{"vkbd", a, toolstack.Device{Class: toolstack.ClassVKBD, VKB: &toolstack.DeviceVKB{}}, nil, 0},
		{"vfb", a, toolstack.Device{Class: toolstack.ClassVFB, VFB: &toolstack.DeviceVFB{}}, nil, 0},
		{"console", a, toolstack.Device{Class: toolstack.ClassConsole}, toolstack.ErrInvalid, 0},
		{"no device", a, toolstack.Device{Class: toolstack.ClassVBD}, toolstack.ErrInvalid, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := s.AddDevice(ctx, tc.dom, tc.dev)
			if tc.class == nil && err != nil || tc.class != nil && !errors.Is(err, tc.class) {
				t.Fatalf("AddDevice(%s) = %v; want class %v", tc.name, err, tc.class)
			}
			if err == nil && ref.Devid != tc.wantDevid {
				t.Errorf("AddDevice(%s) devid = %d; want %d", tc.name, ref.Devid, tc.wantDevid)
			}
		})
	}
	devs, err := s.Devices(ctx, a, "")
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for _, d := range devs {
		classes = append(classes, string(d.Class))
		switch d.Class {
		case toolstack.ClassChannel, toolstack.ClassConsole:
			if !strings.HasPrefix(d.TTY, "/dev/pts/") {
				t.Errorf("%s tty = %q; want /dev/pts/N", d.Class, d.TTY)
			}
		case toolstack.ClassVSCSI:
			if n := len(d.Config.VSCSI.LUNs); n != 2 || d.Config.VSCSI.LUNs[1].PDevname != "sdc" {
				t.Errorf("vscsi LUNs = %+v; want sdb and sdc", d.Config.VSCSI.LUNs)
			}
			// the per-LUN nodes the real controller lists (pvscsi.List)
			for _, kv := range [][2]string{{"vscsi-devs/dev-1/p-devname", "sdc"}, {"vscsi-devs/dev-1/v-dev", "0:0:0:1"}, {"vscsi-devs/dev-1/devid", "0"}, {"vscsi-devs/dev-1/state", "4"}, {"feature-host", "0"}} {
				if v, _ := d.Backend.Get(kv[0]); v != kv[1] {
					t.Errorf("vscsi backend node %s = %q; want %q", kv[0], v, kv[1])
				}
			}
			if v, _ := d.Frontend.Get("vscsi-devs/dev-0/state"); v != "4" {
				t.Errorf("vscsi frontend node vscsi-devs/dev-0/state = %q; want 4", v)
			}
		case toolstack.ClassVFB:
			if d.VNCPort != 5900 {
				t.Errorf("vfb VNC port = %d; want 5900", d.VNCPort)
			}
		}
	}
	check(t, "classes", strings.Join(classes, " "), "console vfb vkbd vusb usbdev vscsi channel")

	// Remove one LUN, then the controller; sdb is then free for dev-b.
	if err := s.RemoveDevice(ctx, a, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Sub: "0:0:0:0"}, false); err != nil {
		t.Fatalf("RemoveDevice(vscsi LUN 0:0:0:0) = %v", err)
	}
	if _, err := s.AddDevice(ctx, b, vscsi(0, "sdb", "0:0:0:0")); err != nil {
		t.Errorf("AddDevice(sdb to dev-b) after its removal from dev-a = %v", err)
	}
	if err := s.RemoveDevice(ctx, a, toolstack.DeviceRef{Class: toolstack.ClassVUSB}, false); err != nil {
		t.Fatal(err)
	}
	if devs, _ := s.Devices(ctx, a, toolstack.ClassUSBDev); len(devs) != 0 {
		t.Errorf("usb devices after removing their controller = %+v; want none", devs)
	}

	// CD-ROM media change.
	cd := toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{Vdev: "hdc", IsCDROM: 1, Removable: 1, PdevPath: "/var/lib/xen/images/cd.iso"}}
	if _, err := s.AddDevice(ctx, a, cd); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeMedia(ctx, a, "hdc", ""); err != nil {
		t.Fatalf("ChangeMedia(eject) = %v", err)
	}
	cfg, _ := s.DomainConfig(ctx, a)
	check(t, "cdrom after eject", cfg.Disks[0].PdevPath+"|"+cfg.Disks[0].Format, "|empty")
	if err := s.ChangeMedia(ctx, a, "xvdz", "/x.iso"); !errors.Is(err, toolstack.ErrNotFound) {
		t.Errorf("ChangeMedia(xvdz) = %v; want ErrNotFound", err)
	}
}

func TestProfileErrors(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"no cpus", `"nr_cpus": 4`, `"nr_cpus": 0`, "physinfo.nr_cpus is 0"},
		{"bad hw_caps", `"hw_caps": "bfebfbff:`, `"hw_caps": "zz:`, "physinfo.hw_caps"},
		{"dom0 too big", `"mem_kb": 1048576`, `"mem_kb": 99999999`, "exceed physinfo.total_memory"},
		{"topology length", `"cpu_to_core": [`, `"cpu_to_core": [9,`, "cpu_to_core has 5 entries"},
		{"not json", `{`, `[`, "invalid character"},
	}
	ref, err := readReference()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(ref, tc.from, tc.to, 1)
			if data == ref {
				t.Fatalf("test edit %q not found in the profile", tc.from)
			}
			_, err := sim.ParseProfile([]byte(data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseProfile(%s) = %v; want an error containing %q", tc.name, err, tc.want)
			}
		})
	}
	if _, err := sim.New(sim.Options{}); err == nil {
		t.Errorf("New(no state dir) = nil error")
	}
}
