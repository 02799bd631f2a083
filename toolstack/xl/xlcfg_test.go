package xl

import (
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

// TestXLConfigEmitter checks the text given to `xl create` for a config
// with one device of each common kind (the shared emitter's key order and
// spellings; toolstack/xlcfg has the detailed table tests).
func TestXLConfigEmitter(t *testing.T) {
	cfg := tinyConfig("full")
	cfg.CInfo.UUID = "e89d4fba-aed1-4f40-b147-6e6d7d0d91e6"
	cfg.BInfo.CPUMap = toolstack.Bitmap{0, 1}
	cfg.Disks = []toolstack.DeviceDisk{{PdevPath: "/img/a b.img", Vdev: "xvda", Format: "raw", Readwrite: 1, Backend: "qdisk"}}
	cfg.NICs = []toolstack.DeviceNIC{{MAC: "00:16:3e:00:00:01", Bridge: "xenbr0", Nictype: "vif"}}
	cfg.VFBs = []toolstack.DeviceVFB{{VNC: &toolstack.VNCInfo{Enable: toolstack.DefboolTrue, Listen: "0.0.0.0", FindUnused: toolstack.DefboolTrue}}}
	cfg.PCIDevs = []toolstack.DevicePCI{{Bus: 3, Dev: 0, Func: 1, Permissive: true}}
	cfg.USBCtrls = []toolstack.DeviceUSBCtrl{{Version: 2, Ports: 4}}
	cfg.OnPoweroff = toolstack.ActionDestroy
	cfg.OnSoftReset = toolstack.ActionSoftReset
	got, err := XLConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := `name = "full"
uuid = "e89d4fba-aed1-4f40-b147-6e6d7d0d91e6"
type = "pv"
memory = 128
maxmem = 256
vcpus = 1
maxvcpus = 2
cpus = "0-1"
on_poweroff = "destroy"
on_crash = "preserve"
on_soft_reset = "soft-reset"
kernel = "/boot/vmlinuz"
cmdline = "console=hvc0"
disk = [ "format=raw, vdev=xvda, access=rw, target=/img/a b.img" ]
vif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]
vfb = [ "vnc=1,vnclisten=0.0.0.0,vncunused=1" ]
pci = [ "0000:03:00.1,msitranslate=0,permissive=1" ]
usbctrl = [ "version=2,ports=4" ]
`
	if string(got) != want {
		t.Errorf("XLConfig =\n%s\nwant\n%s", got, want)
	}
	cfg.BInfo.Cmdline = `say "hi" \ bye`
	got, _ = XLConfig(cfg)
	if !strings.Contains(string(got), `cmdline = "say \"hi\" \\ bye"`) {
		t.Errorf("XLConfig(cmdline with quote and backslash) = %s; want them escaped", got)
	}
}

func TestXLConfigRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*toolstack.DomainConfig)
		want string
	}{
		{"no name", func(c *toolstack.DomainConfig) { c.CInfo.Name = "" }, "no name"},
		{"control byte", func(c *toolstack.DomainConfig) { c.BInfo.Kernel = "/boot/a\x01" }, "kernel: control byte 0x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig("bad")
			tt.edit(cfg)
			got, err := XLConfig(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || got != nil {
				t.Errorf("XLConfig(%s) = %q, %v; want nil and an error containing %q", tt.name, got, err, tt.want)
			}
		})
	}
}

// TestHotplugSpecs checks the spellings given to xl's attach commands,
// which differ from a config file's where the command line needs it.
func TestHotplugSpecs(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"disk: one word, bare commas", DiskSpec(toolstack.DeviceDisk{Vdev: "xvdb", Format: "raw", Readwrite: 1, PdevPath: "/img/b"}),
			"format=raw,vdev=xvdb,access=rw,target=/img/b"},
		{"pci: msitranslate spelt out", PCISpec(toolstack.DevicePCI{Bus: 1, MSITranslate: true}), "0000:01:00.0,msitranslate=1"},
		{"pci: off", PCISpec(toolstack.DevicePCI{Bus: 1}), "0000:01:00.0,msitranslate=0"},
		{"nic: no type", NICSpec(toolstack.DeviceNIC{MAC: "00:16:3e:00:00:01", Nictype: "vif"}), "mac=00:16:3e:00:00:01"},
		{"vtpm", joinKV("backend", "d0", "uuid", ""), "backend=d0"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q; want %q", tt.name, tt.got, tt.want)
		}
	}
}
