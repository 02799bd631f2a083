package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

const testPolicy = `
kernels = ["/var/lib/xen/boot/vmlinuz-guest", "/var/lib/xen/boot/initrd-guest"]

[storage.guests]
root = "/var/lib/xen/images"
devices = ["/dev/vg0/web1"]

[peer."xendshim://host/a"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4, max_concurrent = 1 }
storage = ["guests"]
networks = ["xenbr0"]
scripts = ["vif-bridge"]
bootloader = "pygrub"

[peer."cidr:198.18.0.0/15"]
may_send = { uuids = ["11111111-2222-3333-4444-555555555555"] }
`

// testHost builds a host root with a pool holding web1.img, a symlink
// leading out of the pool, a directory and /etc/shadow.
func testHost(t *testing.T) *Policy {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/xen/images/sub", "etc"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "var/lib/xen/images/web1.img"), []byte("disk"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("root:x"), 0o600)
	os.Symlink("../../../../etc/shadow", filepath.Join(root, "var/lib/xen/images/escape.img"))
	p, err := Parse([]byte(testPolicy), false)
	if err != nil {
		t.Fatal(err)
	}
	p.HostRoot = root
	return p
}

func goodConfig() *toolstack.DomainConfig {
	return &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: "web1", UUID: "11111111-2222-3333-4444-555555555555"},
		BInfo: toolstack.BuildInfo{MaxVCPUs: 2, MaxMemKB: 262144, TargetMemKB: 262144,
			Kernel: "/var/lib/xen/boot/vmlinuz-guest", Ramdisk: "/var/lib/xen/boot/initrd-guest", PV: &toolstack.BuildInfoPV{}},
		Disks: []toolstack.DeviceDisk{{PdevPath: "/var/lib/xen/images/web1.img", Vdev: "xvda", Format: "raw", Readwrite: 1}},
		NICs:  []toolstack.DeviceNIC{{MAC: "00:16:3e:00:00:01", Bridge: "xenbr0", Script: "vif-bridge"}},
	}
}

var req = Request{Name: "web1", UUID: "11111111-2222-3333-4444-555555555555", MemKB: 262144, VCPUs: 2}

func TestConfineAccepts(t *testing.T) {
	p := testHost(t)
	peer, _ := p.Peer("xendshim://host/a")
	tests := []struct {
		name string
		edit func(c *toolstack.DomainConfig)
	}{
		{"as is", func(c *toolstack.DomainConfig) {}},
		{"listed phy device", func(c *toolstack.DomainConfig) {
			c.Disks[0] = toolstack.DeviceDisk{PdevPath: "/dev/vg0/web1", Backend: "phy", Vdev: "xvda"}
		}},
		{"script by full path in script_dir", func(c *toolstack.DomainConfig) { c.NICs[0].Script = "/etc/xen/scripts/vif-bridge" }},
		{"allowed bootloader", func(c *toolstack.DomainConfig) {
			c.BInfo.Kernel, c.BInfo.Ramdisk, c.BInfo.Bootloader = "", "", "pygrub"
		}},
		{"ejected cdrom", func(c *toolstack.DomainConfig) {
			c.Disks = append(c.Disks, toolstack.DeviceDisk{Vdev: "xvdc", IsCDROM: 1})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := goodConfig()
			tc.edit(c)
			if _, err := p.Confine(peer, "peer a", c, req); err != nil {
				t.Errorf("Confine(%s) = %v; want accepted", tc.name, err)
			}
		})
	}
}

// TestConfineRefuses is scenario F12: every hostile config is refused and
// the refusal names the field.
func TestConfineRefuses(t *testing.T) {
	p := testHost(t)
	peer, _ := p.Peer("xendshim://host/a")
	tests := []struct {
		name, field string
		edit        func(c *toolstack.DomainConfig)
	}{
		{"/etc/shadow as a disk", "disks[0].pdev_path", func(c *toolstack.DomainConfig) { c.Disks[0].PdevPath = "/etc/shadow" }},
		{"phy:/dev/sda", "disks[0].pdev_path", func(c *toolstack.DomainConfig) {
			c.Disks[0] = toolstack.DeviceDisk{PdevPath: "/dev/sda", Backend: "phy", Vdev: "xvda"}
		}},
		{"dot-dot out of the pool", "disks[0].pdev_path", func(c *toolstack.DomainConfig) { c.Disks[0].PdevPath = "/var/lib/xen/images/../../../../etc/shadow" }},
		{"symlink out of the pool", "disks[0].pdev_path", func(c *toolstack.DomainConfig) { c.Disks[0].PdevPath = "/var/lib/xen/images/escape.img" }},
		{"directory in the pool", "disks[0].pdev_path", func(c *toolstack.DomainConfig) { c.Disks[0].PdevPath = "/var/lib/xen/images/sub" }},
		{"missing image", "disks[0].pdev_path", func(c *toolstack.DomainConfig) { c.Disks[0].PdevPath = "/var/lib/xen/images/none.img" }},
		{"bootloader /bin/sh", "b_info.bootloader", func(c *toolstack.DomainConfig) { c.BInfo.Bootloader = "/bin/sh" }},
		{"bootloader args", "b_info.bootloader_args", func(c *toolstack.DomainConfig) {
			c.BInfo.Bootloader, c.BInfo.BootloaderArgs = "pygrub", []string{"--kernel=/etc/shadow"}
		}},
		{"script /tmp/x", "nics[0].script", func(c *toolstack.DomainConfig) { c.NICs[0].Script = "/tmp/x" }},
		{"disk script not granted", "disks[0].script", func(c *toolstack.DomainConfig) { c.Disks[0].Script = "block-iscsi" }},
		{"device model override", "b_info.device_model", func(c *toolstack.DomainConfig) { c.BInfo.DeviceModel = "/tmp/qemu" }},
		{"qemu extra args", "b_info.extra", func(c *toolstack.DomainConfig) { c.BInfo.Extra = []string{"-drive", "file=/etc/shadow"} }},
		{"kernel not in catalogue", "b_info.kernel", func(c *toolstack.DomainConfig) { c.BInfo.Kernel = "/etc/shadow" }},
		{"PCI passthrough", "pcidevs", func(c *toolstack.DomainConfig) { c.PCIDevs = []toolstack.DevicePCI{{Bus: 3}} }},
		{"serial to a file", "b_info.type.hvm.serial", func(c *toolstack.DomainConfig) { c.BInfo.HVM = &toolstack.BuildInfoHVM{Serial: "file:/etc/passwd"} }},
		{"socket outside run dir", "channels[0].connection.socket.path", func(c *toolstack.DomainConfig) {
			c.Channels = []toolstack.DeviceChannel{{Name: "x", Socket: &toolstack.ChannelSocket{Path: "/var/run/docker.sock"}}}
		}},
		{"vnc on all addresses", "vfbs[0].vnc.listen", func(c *toolstack.DomainConfig) {
			c.VFBs = []toolstack.DeviceVFB{{VNC: &toolstack.VNCInfo{Enable: toolstack.DefboolTrue, Listen: "0.0.0.0"}}}
		}},
		{"bridge not granted", "nics[0].bridge", func(c *toolstack.DomainConfig) { c.NICs[0].Bridge = "xenbr-admin" }},
		{"driver domain backend", "nics[0].backend_domname", func(c *toolstack.DomainConfig) { c.NICs[0].BackendDomname = "netdom" }},
		{"ioports", "b_info.ioports", func(c *toolstack.DomainConfig) { c.BInfo.IOPorts = []toolstack.IOPortRange{{First: 0x3f8, Number: 8}} }},
		{"security label", "c_info.ssid_label", func(c *toolstack.DomainConfig) { c.CInfo.SSIDLabel = "system_u:system_r:dom0_t" }},
		{"uuid differs from HELLO", "c_info.uuid", func(c *toolstack.DomainConfig) { c.CInfo.UUID = "99999999-2222-3333-4444-555555555555" }},
		{"over memory quota", "b_info.max_memkb", func(c *toolstack.DomainConfig) { c.BInfo.MaxMemKB = 4 << 20 }},
		{"pvscsi", "xend.vscsis", func(c *toolstack.DomainConfig) { c.Xend = &toolstack.XendExtras{VSCSIs: []toolstack.DeviceVSCSI{{}}} }},
		{"host usb", "usbdevs[0]", func(c *toolstack.DomainConfig) {
			c.USBDevs = []toolstack.DeviceUSBDev{{HostDev: &toolstack.USBHostDev{HostBus: 1}}}
		}},
		{"dm_restrict off", "b_info.dm_restrict", func(c *toolstack.DomainConfig) { c.BInfo.DMRestrict = toolstack.DefboolFalse }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := goodConfig()
			tc.edit(c)
			_, err := p.Confine(peer, "peer a", c, req)
			d, ok := AsDenial(err)
			if !ok || d.Code != CodeConfine {
				t.Fatalf("Confine(%s) = %v; want a confine denial", tc.name, err)
			}
			if !strings.Contains(err.Error(), tc.field+":") {
				t.Errorf("Confine(%s) = %q; want it to name %s", tc.name, err, tc.field)
			}
			if strings.Contains(err.Error(), "'") {
				t.Errorf("Confine(%s) = %q contains a single quote (xend senders lose such messages)", tc.name, err)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	p := testHost(t)
	tests := []struct {
		name, id string
		r        Request
		active   int
		code     string
	}{
		{"granted", "xendshim://host/a", req, 0, ""},
		{"unknown identity", "xendshim://host/b", req, 0, CodePolicy},
		{"not in may_send", "xendshim://host/a", Request{Name: "db1", UUID: "x"}, 0, CodePolicy},
		{"persist not granted", "xendshim://host/a", Request{Name: "web1", Persist: true}, 0, CodePolicy},
		{"memory over quota", "xendshim://host/a", Request{Name: "web1", MemKB: 2 << 20}, 0, CodeQuota},
		{"vcpus over quota", "xendshim://host/a", Request{Name: "web1", VCPUs: 8}, 0, CodeQuota},
		{"concurrency", "xendshim://host/a", req, 1, CodeQuota},
		{"legacy address in cidr", "addr:198.18.0.1", req, 0, ""},
		{"legacy address outside", "addr:10.0.0.1", req, 0, CodePolicy},
		{"cidr is not an identity", "cidr:198.18.0.0/15", req, 0, CodePolicy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Authorize(tc.id, tc.r, tc.active)
			got := ""
			if d, ok := AsDenial(err); ok {
				got = d.Code
			} else if err != nil {
				got = "other: " + err.Error()
			}
			if got != tc.code {
				t.Errorf("Authorize(%s, %+v) = %v; want code %q", tc.id, tc.r, err, tc.code)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"unknown top-level key", "allow_everything = true\n"},
		{"unknown peer key", "[peer.\"xendshim://host/a\"]\nmay_sned = {}\n"},
		{"bad identity", "[peer.\"a\"]\n"},
		{"script with slash", "[peer.\"xendshim://host/a\"]\nscripts = [\"/tmp/x\"]\n"},
		{"undefined storage", "[peer.\"xendshim://host/a\"]\nstorage = [\"nope\"]\n"},
		{"pool root /", "[storage.all]\nroot = \"/\"\n"},
		{"bad cidr", "[peer.\"cidr:10.0.0.0/99\"]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(tc.in), false); err == nil {
				t.Errorf("Parse(%q) = nil error; want refusal", tc.in)
			}
		})
	}
	if _, err := Parse([]byte(`{"peer":{"psk:a":{"may_send":{"names":["x"]}}}}`), true); err != nil {
		t.Errorf("Parse(json) = %v; want ok", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(testPolicy))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Parse(in, false)
		if err != nil {
			return
		}
		p.Authorize("xendshim://host/a", req, 0)
	})
}

func TestAllowFrom(t *testing.T) {
	p, err := Parse([]byte("allow_from = [\"198.18.0.0/15\", \"2001:db8::/32\"]\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{{"198.18.0.1", true}, {"198.19.255.1", true}, {"10.0.0.1", false}, {"::ffff:198.18.0.1", true}, {"2001:db8::1", true}, {"2001:db9::1", false}} {
		if got := p.AllowedAddr(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("AllowedAddr(%s) = %v; want %v", tc.addr, got, tc.want)
		}
	}
	if _, err := Parse([]byte("allow_from = [\"nonsense\"]\n"), false); err == nil {
		t.Error("Parse(allow_from nonsense) = nil error")
	}
	if q, _ := Parse(nil, false); !q.AllowedAddr(netip.MustParseAddr("10.0.0.1")) {
		t.Error("empty allow_from refuses; want everyone allowed")
	}
}
