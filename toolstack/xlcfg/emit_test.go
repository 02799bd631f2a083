package xlcfg

import (
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func pvConfig() *toolstack.DomainConfig {
	c := &toolstack.DomainConfig{}
	c.CInfo.Name = "guest"
	c.CInfo.Type = toolstack.TypePV
	c.BInfo.TargetMemKB, c.BInfo.MaxMemKB, c.BInfo.MaxVCPUs = 512<<10, 512<<10, 1
	c.BInfo.Kernel = "/boot/vmlinuz"
	return c
}

func hvmConfig() *toolstack.DomainConfig {
	c := pvConfig()
	c.CInfo.Type = toolstack.TypeHVM
	c.BInfo.Kernel = ""
	c.BInfo.HVM = &toolstack.BuildInfoHVM{}
	return c
}

func TestEmit(t *testing.T) {
	w := 256
	tests := []struct {
		name string
		cfg  func() *toolstack.DomainConfig
		opts Options
		want string
	}{
		{"pv minimal", pvConfig, Options{},
			"name = \"guest\"\ntype = \"pv\"\nmemory = 512\nvcpus = 1\nkernel = \"/boot/vmlinuz\"\n"},
		{"pv before 4.10: no type key, extra before 4.5", func() *toolstack.DomainConfig {
			c := pvConfig()
			c.BInfo.Cmdline = "root=/dev/xvda1"
			return c
		}, Options{TargetXen: "4.4"},
			"name = \"guest\"\nmemory = 512\nvcpus = 1\nkernel = \"/boot/vmlinuz\"\nextra = \"root=/dev/xvda1\"\n"},
		{"hvm before 4.10: builder", hvmConfig, Options{TargetXen: "4.4"},
			"name = \"guest\"\nbuilder = \"hvm\"\nmemory = 512\nvcpus = 1\n"},
		{"memory, vcpus, sched, actions in order", func() *toolstack.DomainConfig {
			c := pvConfig()
			c.CInfo.UUID = "e89d4fba-aed1-4f40-b147-6e6d7d0d91e6"
			c.BInfo.MaxMemKB = 1024 << 10
			c.BInfo.MaxVCPUs = 4
			c.BInfo.AvailVCPUs = toolstack.Bitmap{0, 1}
			c.BInfo.SchedParams.Weight = &w
			c.CInfo.PoolName = "Pool-0"
			c.OnPoweroff, c.OnReboot, c.OnWatchdog = toolstack.ActionDestroy, toolstack.ActionRestartRename, toolstack.ActionCoredumpRestart
			c.OnCrash, c.OnSoftReset = toolstack.ActionCoredumpDestroy, toolstack.ActionSoftReset
			return c
		}, Options{},
			`name = "guest"
uuid = "e89d4fba-aed1-4f40-b147-6e6d7d0d91e6"
type = "pv"
memory = 512
maxmem = 1024
vcpus = 2
maxvcpus = 4
cpu_weight = 256
pool = "Pool-0"
on_poweroff = "destroy"
on_reboot = "rename-restart"
on_watchdog = "coredump-restart"
on_crash = "coredump-destroy"
on_soft_reset = "soft-reset"
kernel = "/boot/vmlinuz"
`},
		{"pv bootloader from the pv part, flags", func() *toolstack.DomainConfig {
			c := pvConfig()
			c.BInfo.Kernel = ""
			c.BInfo.PV = &toolstack.BuildInfoPV{Bootloader: "pygrub", BootloaderArgs: []string{"-q"}}
			c.BInfo.DisableMigrate = toolstack.DefboolTrue
			c.BInfo.Localtime = toolstack.DefboolFalse
			return c
		}, Options{},
			"name = \"guest\"\ntype = \"pv\"\nmemory = 512\nvcpus = 1\nbootloader = \"pygrub\"\nbootloader_args = [ \"-q\" ]\nlocaltime = 0\nnomigrate = 1\n"},
		{"hvm options", func() *toolstack.DomainConfig {
			c := hvmConfig()
			h := c.BInfo.HVM
			h.ACPI, h.Boot, h.VGA = toolstack.DefboolTrue, "dc", &toolstack.VGAInfo{Kind: "std"}
			h.VNC = &toolstack.VNCInfo{Enable: toolstack.DefboolTrue, Listen: "0.0.0.0", Display: 3}
			c.BInfo.RTCTimeoffset = 0xffffffff // -1 as libxl's uint32
			return c
		}, Options{},
			"name = \"guest\"\ntype = \"hvm\"\nmemory = 512\nvcpus = 1\nacpi = 1\nrtc_timeoffset = \"-1\"\nboot = \"dc\"\nvga = \"stdvga\"\nvnc = 1\nvnclisten = \"0.0.0.0\"\nvncdisplay = 3\n"},
		{"devices and a long list wrapped", func() *toolstack.DomainConfig {
			c := pvConfig()
			c.Disks = []toolstack.DeviceDisk{
				{PdevPath: "/var/lib/xen/images/guest-root.img", Vdev: "xvda", Format: "raw", Readwrite: 1},
				{Vdev: "xvdc", Format: "empty", IsCDROM: 1},
			}
			c.NICs = []toolstack.DeviceNIC{{MAC: "00:16:3e:00:00:01", Bridge: "xenbr0"}}
			c.PCIDevs = []toolstack.DevicePCI{{Bus: 3, MSITranslate: true}}
			c.BInfo.IRQs = []uint32{7, 9}
			c.BInfo.IOPorts = []toolstack.IOPortRange{{First: 0x3f8, Number: 8}}
			c.VKBs = []toolstack.DeviceVKB{{}}
			return c
		}, Options{},
			`name = "guest"
type = "pv"
memory = 512
vcpus = 1
kernel = "/boot/vmlinuz"
disk = [
    "format=raw, vdev=xvda, access=rw, target=/var/lib/xen/images/guest-root.img",
    "format=empty, vdev=xvdc, access=ro, devtype=cdrom",
]
vif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]
pci = [ "0000:03:00.0" ]
pci_msitranslate = 1
ioports = [ "3f8-3ff" ]
irqs = [ 7, 9 ]
`},
		{"hvm vga none", func() *toolstack.DomainConfig {
			c := hvmConfig()
			c.BInfo.HVM.VGA = &toolstack.VGAInfo{Kind: "none"}
			return c
		}, Options{}, "name = \"guest\"\ntype = \"hvm\"\nmemory = 512\nvcpus = 1\nvga = \"none\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rec, err := Emit(tt.cfg(), tt.opts)
			if err != nil || got != tt.want {
				t.Errorf("Emit(%s) = %v\n%s\nwant\n%s", tt.name, err, got, tt.want)
			}
			if n := strings.Count(got, " = "); n != len(rec) {
				t.Errorf("Emit(%s) recorded %d settings; wrote %d", tt.name, len(rec), n)
			}
		})
	}
}

func TestEmitRecordsSettings(t *testing.T) {
	c := pvConfig()
	c.BInfo.Cmdline = "a\tb"
	_, rec, err := Emit(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{{Key: "name", Type: 's', S: "guest"}, {Key: "type", Type: 's', S: "pv"}, {Key: "memory", Type: 'l', N: 512},
		{Key: "vcpus", Type: 'l', N: 1}, {Key: "kernel", Type: 's', S: "/boot/vmlinuz"}, {Key: "cmdline", Type: 's', S: "a\tb"}}
	if len(rec) != len(want) {
		t.Fatalf("Emit settings = %+v; want %+v", rec, want)
	}
	for i := range want {
		if rec[i].Key != want[i].Key || rec[i].Type != want[i].Type || rec[i].S != want[i].S || rec[i].N != want[i].N {
			t.Errorf("Emit setting %d = %+v; want %+v", i, rec[i], want[i])
		}
	}
}

func TestEmitRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*toolstack.DomainConfig)
		key  string
	}{
		{"kernel", func(c *toolstack.DomainConfig) { c.BInfo.Kernel = "/boot/\x01" }, "kernel: "},
		{"disk target", func(c *toolstack.DomainConfig) {
			c.Disks = []toolstack.DeviceDisk{{Vdev: "xvda", PdevPath: "/img\x00"}}
		}, "disk: "},
		{"name", func(c *toolstack.DomainConfig) { c.CInfo.Name = "g\x1b" }, "name: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pvConfig()
			tt.edit(c)
			got, rec, err := Emit(c, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.key) || got != "" || rec != nil {
				t.Errorf("Emit(%s) = %q, %v; want nothing and an error starting %q", tt.name, got, err, tt.key)
			}
		})
	}
}

func TestTargetAtLeast(t *testing.T) {
	tests := []struct {
		target       string
		major, minor int
		want         bool
	}{
		{"", 4, 10, true}, {"4.4", 4, 10, false}, {"4.4", 4, 4, true}, {"4.10", 4, 5, true},
		{"5.0", 4, 21, true}, {"3.4", 4, 0, false}, {"garbage", 4, 10, true},
	}
	for _, tt := range tests {
		if got := (Options{TargetXen: tt.target}).TargetAtLeast(tt.major, tt.minor); got != tt.want {
			t.Errorf("Options{%q}.TargetAtLeast(%d, %d) = %v; want %v", tt.target, tt.major, tt.minor, got, tt.want)
		}
	}
}
