package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func conv1(t *testing.T, src string, opts Options) *Result {
	t.Helper()
	return Bytes("dom.cfg", []byte(src), opts)
}

// TestDefaultsDiffer checks the explicit values written where xm's and
// xl's defaults differ (config.md §2.7).
func TestDefaultsDiffer(t *testing.T) {
	r := conv1(t, "builder = 'hvm'\npci = ['01:00.0']\n", Options{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	for _, want := range []string{`name = "dom.cfg"`, "memory = 128", `on_crash = "restart"`, "hpet = 0", `boot = "c"`, "vnc = 0", "pci_msitranslate = 1"} {
		if !strings.Contains(r.XL, want+"\n") {
			t.Errorf("Bytes(hvm without keys) lacks %q:\n%s", want, r.XL)
		}
	}
	if strings.Contains(r.XL, "builder") {
		t.Errorf("type target emits builder:\n%s", r.XL)
	}
}

// TestTargetXen checks --target-xen: builder= before 4.10, extra= before 4.5.
func TestTargetXen(t *testing.T) {
	tests := []struct {
		target, src string
		want, not   []string
	}{
		{"", "builder='hvm'", []string{`type = "hvm"`}, []string{"builder"}},
		{"4.4", "builder='hvm'", []string{`builder = "hvm"`}, []string{"type ="}},
		{"4.4", "kernel='/k'\nroot='/dev/xvda1'", []string{`extra = "root=/dev/xvda1"`}, []string{"type =", "builder =", "cmdline ="}},
		{"4.17", "kernel='/k'\nroot='/dev/xvda1'", []string{`type = "pv"`, `cmdline = "root=/dev/xvda1"`}, []string{"builder"}},
		{"4.17", "builder='hvm'\ndevice_model='qemu-dm'\n#traditional", []string{`device_model_version = "qemu-xen-traditional"`}, nil},
		{"4.21", "builder='hvm'\ndevice_model='qemu-dm'\n#traditional", nil, []string{"device_model_version ="}},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.src, func(t *testing.T) {
			r := conv1(t, tt.src, Options{TargetXen: tt.target, TraditionalDM: strings.Contains(tt.src, "#traditional")})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.XL, w) {
					t.Errorf("Bytes(%q, target %q) lacks %q:\n%s", tt.src, tt.target, w, r.XL)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.XL, n) {
					t.Errorf("Bytes(%q, target %q) has %q:\n%s", tt.src, tt.target, n, r.XL)
				}
			}
		})
	}
}

// deviceCases are xm snippets and a line their conversion must contain;
// the libxlutil test also reads each conversion back.
var deviceCases = []struct{ name, src, want string }{
	{"phy relative", "disk = ['phy:hda1,hda1,w']", `"format=raw, vdev=hda1, access=rw, target=/dev/hda1"`},
	{"tap qcow2", "disk = ['tap:qcow2:/img,xvda,r']", `"format=qcow2, vdev=xvda, access=ro, target=/img"`},
	{"empty cdrom", "builder='hvm'\ndisk = [',hdc:cdrom,r']", `"format=empty, vdev=hdc, access=ro, devtype=cdrom"`},
	{"ioemu prefix", "builder='hvm'\ndisk = ['file:/i,ioemu:hda,w']", `"format=raw, vdev=hda, access=rw, target=/i"`},
	{"w! shared", "disk = ['phy:/dev/x,xvda,w!']", `access=rw, target=/dev/x"`},
	{"backend field", "disk = ['phy:/dev/x,xvda,w,drv']", `"format=raw, vdev=xvda, access=rw, backend=drv, target=/dev/x"`},
	{"nbd script", "disk = ['nbd:134.100.233.115 20004,hda1,w']", `script=block-nbd, target=134.100.233.115 20004"`},
	{"vif trimmed", "vif = ['ip=1.2.3.4 , mac=00:16:3E:76:47:D3, bridge=br0']", `vif = [ "mac=00:16:3e:76:47:d3,bridge=br0,ip=1.2.3.4" ]`},
	{"vif netfront", "builder='hvm'\nvif = ['type=netfront,bridge=b']", `"bridge=b,type=vif"`},
	{"vif rate", "vif = ['bridge=b,rate=10Mb/s@20ms']", `rate=1250000B/s@20000us`},
	{"pci commas", "pci = ['0000,01,00,1']", `pci = [ "0000:01:00.1" ]`},
	{"pci range", "pci = ['01:00.0-1']", `"0000:01:00.0",`},
	{"pci vslot opts", "pci = ['01:00.0@5,msitranslate=no']", `"0000:01:00.0@05,msitranslate=0"`},
	{"irq", "irq = [7]", "irqs = [ 7 ]"},
	{"ioports", "ioports = ['2f8-2ff']", `ioports = [ "2f8-2ff" ]`},
	{"vfb legacy type", "vfb = ['type=vnc,vncunused=1']\nkeymap='ja'", `vfb = [ "vnc=1,vncunused=1,keymap=ja" ]`},
	{"hvm vfb to top", "builder='hvm'\nvfb = ['type=vnc,vnclisten=0.0.0.0']", "vnclisten = \"0.0.0.0\""},
	{"cpus list", "vcpus=2\ncpus = ['2', '3']", `cpus = [ "2", "3" ]`},
	{"cpu merged", "cpu = 1\ncpus = '3-4'", `cpus = "1,3-4"`},
	{"vcpu_avail", "vcpus = 4\nvcpu_avail = 3", "vcpus = 2\nmaxvcpus = 4"},
	{"negative quoted", "builder='hvm'\nrtc_timeoffset = -3600", `rtc_timeoffset = "-3600"`},
	{"timer_mode name", "builder='hvm'\ntimer_mode = 1", `timer_mode = "no_delay_for_missed_ticks"`},
	{"cpuid hex", "builder='hvm'\ncpuid = ['1:ecx=0x3']", `"1:ecx=00000000000000000000000000000011"`},
	{"nfs root", "kernel='/k'\nroot='/dev/nfs'\nnfs_server='10.0.0.1'\nnfs_root='/r'\nip='10.0.0.2'", `cmdline = "root=/dev/nfs ip=10.0.0.2:10.0.0.1::::eth0:off nfsroot=10.0.0.1:/r"`},
	{"bootargs", "bootloader='pygrub'\nbootargs='--entry=1 -q'", `bootloader_args = [ "--entry=1", "-q" ]`},
	{"restart never", "restart = 'never'", `on_crash = "destroy"`},
	{"undashed uuid", "uuid = '49a0c6ffc066539264983632d093c2e7'", `uuid = "49a0c6ff-c066-5392-6498-3632d093c2e7"`},
	{"videoram too small", "builder='hvm'\nvideoram = 4", "hpet = 0"},
	{"soundhw list", "builder='hvm'\nsoundhw = 'sb16,es1370'", `soundhw = "sb16"`},
	{"stdvga", "builder='hvm'\nstdvga = 1\nvideoram=16", "vga = \"stdvga\"\nvideoram = 16"},
	{"vscsi kept out", "vscsi = ['/dev/sdb, 0:0:0:0']", "# xendshim-vscsi: /dev/sdb, 0:0:0:0 (controller 0, backend 0): attached by xendshim after `xl create`"},
	{"hostile strings", "name = 'a\"b\\\\c\\td'\nkernel = '/k #1'\nextra = 'x=\"1 2\" \\'q\\''", `name = "a\"b\\c\td"`},
}

// TestDevices checks the disk, vif and pci spec translations (§3).
func TestDevices(t *testing.T) {
	for _, tt := range deviceCases {
		t.Run(tt.name, func(t *testing.T) {
			r := conv1(t, tt.src, Options{})
			if r.Err != nil {
				t.Fatalf("Bytes(%q): %v", tt.src, r.Err)
			}
			if !strings.Contains(r.XL, tt.want) {
				t.Errorf("Bytes(%q) = \n%s\nwant it to contain %q", tt.src, r.XL, tt.want)
			}
		})
	}
}

// TestRefusals checks files that cannot be converted say what and where.
func TestRefusals(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"opaque reaches kernel", "import os\nkernel = '/boot/vmlinuz-' + os.uname()[2]", `dom.cfg:2:1: error: 'kernel': value depends on runtime Python ("os.uname()[2]" at line 2); supply it with --set kernel=... or edit the file`},
		{"bad builder", "builder = 'linuxx'", "unknown builder"},
		{"memory with unit", "memory = '512M'", "is not an integer"},
		{"bare string disk", "disk = 'phy:/dev/x,xvda,w'", "a bare string where xm expects a list"},
		{"bad disk mode", "disk = ['phy:/dev/x,xvda,rwx']", "invalid mode"},
		{"vmdk", "disk = ['tap:vmdk:/x.vmdk,xvda,w']", "qemu-img convert"},
		{"bad vif key", "vif = ['bridgee=br0']", "invalid vif option"},
		{"dict option", "disk = {'a': 1}", "a dict or set for an xm option"},
		{"control byte", "name = 'a\\x01b'", "control byte"},
		{"bad action", "on_crash = 'shutdown'", "unknown action"},
		{"int cpus", "cpus = 2", "an int for cpus crashed xend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conv1(t, tt.src, Options{})
			if r.Err == nil {
				t.Fatalf("Bytes(%q) converted:\n%s\nwant a refusal containing %q", tt.src, r.XL, tt.want)
			}
			if r.Class() != Refused || r.XL != "" || r.Config != nil {
				t.Errorf("Bytes(%q): refused result has class %v and output", tt.src, r.Class())
			}
			if !strings.Contains(r.Err.Error(), tt.want) {
				t.Errorf("Bytes(%q) error = %q; want it to contain %q", tt.src, r.Err, tt.want)
			}
		})
	}
}

// TestSetOverrides checks --set supplies a runtime-only value.
func TestSetOverrides(t *testing.T) {
	src := "import os\nkernel = '/boot/vmlinuz-' + os.uname()[2]\nmemory = 256"
	r := conv1(t, src, Options{Set: map[string]string{"kernel": "/boot/vmlinuz-3.2", "memory": "512"}})
	if r.Err != nil || !strings.Contains(r.XL, `kernel = "/boot/vmlinuz-3.2"`) || !strings.Contains(r.XL, "memory = 512") {
		t.Errorf("--set: err %v\n%s", r.Err, r.XL)
	}
}

// TestHostDefaults checks xend-config.sxp defaults are carried.
func TestHostDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "xend-config.sxp")
	os.WriteFile(p, []byte("# host\n(vif-script vif-route)\n(vnc-listen '0.0.0.0')\n(vncpasswd 'pw')\n(keymap 'de')\n"), 0o644)
	h, err := ReadHostDefaults(p)
	if err != nil {
		t.Fatal(err)
	}
	r := conv1(t, "builder='hvm'\nvnc=1\nvif=['bridge=b']", Options{Host: h})
	for _, want := range []string{`vnclisten = "0.0.0.0"`, `vncpasswd = "pw"`, `keymap = "de"`, "script=vif-route"} {
		if !strings.Contains(r.XL, want) {
			t.Errorf("host defaults: missing %q in\n%s", want, r.XL)
		}
	}
}

// TestKeepComments checks comments are carried with their line numbers.
func TestKeepComments(t *testing.T) {
	r := conv1(t, "# web server\nmemory = 64 # MiB\n", Options{KeepComments: true})
	if r.Err != nil || !strings.Contains(r.XL, "# 1: # web server\n# 2: # MiB\n") {
		t.Errorf("KeepComments: err %v\n%s", r.Err, r.XL)
	}
}

// TestXLSourceKeepsXLSemantics checks that a file already written for xl
// keeps xl's defaults and xl's reading of top-level vnc on PV.
func TestXLSourceKeepsXLSemantics(t *testing.T) {
	r := conv1(t, "type = 'pv'\nname = 'a'\nkernel = '/k'\nvnc = 1\nvnclisten = '0.0.0.0'\n", Options{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	for _, want := range []string{"memory = 32", `on_crash = "destroy"`, `vfb = [ "vnc=1,vnclisten=0.0.0.0" ]`} {
		if !strings.Contains(r.XL, want) {
			t.Errorf("xl source: missing %q in\n%s", want, r.XL)
		}
	}
}

// TestLenientAndHonor checks the repair switches.
func TestLenientAndHonor(t *testing.T) {
	r := conv1(t, "disk = 'phy:/dev/x,xvda,w'\ncpus = 2", Options{Lenient: true})
	if r.Err != nil || !strings.Contains(r.XL, "target=/dev/x") || !strings.Contains(r.XL, `cpus = "2"`) || r.Class() != Warned {
		t.Errorf("--lenient: err %v class %v\n%s", r.Err, r.Class(), r.XL)
	}
	r = conv1(t, "localtime = True\nname = u'web'", Options{})
	if r.Err != nil || strings.Contains(r.XL, "localtime =") || !strings.Contains(r.XL, `name = "dom.cfg"`) {
		t.Errorf("faithful filter: err %v\n%s", r.Err, r.XL)
	}
	r = conv1(t, "localtime = True\nname = u'web'", Options{HonorIgnored: true})
	if r.Err != nil || !strings.Contains(r.XL, "localtime = 1") || !strings.Contains(r.XL, `name = "web"`) {
		t.Errorf("--honor-ignored: err %v\n%s", r.Err, r.XL)
	}
}

// TestClasses checks the exit classes.
func TestClasses(t *testing.T) {
	tests := []struct {
		src  string
		want Class
	}{
		{"name='a'\nmemory=256\non_crash='restart'", Clean},
		{"name='a'\nfoo_bar = 1", Warned},
		{"name='a'\nx = os.popen('id')", Refused},
	}
	for _, tt := range tests {
		if got := conv1(t, tt.src, Options{}).Class(); got != tt.want {
			t.Errorf("Bytes(%q).Class() = %v; want %v", tt.src, got, tt.want)
		}
	}
}

// TestSXPInputs checks (vm ...) and managed (domain ...) configs.
func TestSXPInputs(t *testing.T) {
	vm := "(vm (name web) (memory 512) (vcpus 2) (on_crash destroy) (image (linux (kernel /k) (root /dev/xvda1) (args 'console=hvc0'))) (device (vbd (uname phy:/dev/vg/web) (dev xvda) (mode w))) (device (vif (mac 00:16:3e:00:00:01) (bridge br0))) (device (vscsi (dev (p-dev 1:0:0:1) (v-dev 0:0:0:0)))))"
	r := Bytes("web.sxp", []byte(vm), Options{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	for _, want := range []string{`name = "web"`, "memory = 512", "vcpus = 2", `on_crash = "destroy"`, `cmdline = "root=/dev/xvda1 console=hvc0"`, "target=/dev/vg/web", "mac=00:16:3e:00:00:01,bridge=br0", "xendshim-vscsi: 1:0:0:1, 0:0:0:0"} {
		if !strings.Contains(r.XL, want) {
			t.Errorf("(vm ...) conversion lacks %q:\n%s", want, r.XL)
		}
	}
	if r.Config.Xend == nil || len(r.Config.Xend.VSCSIs) != 1 {
		t.Errorf("vscsi not recorded in the model: %+v", r.Config.Xend)
	}
	managed := "(domain (uuid 49a0c6ff-c066-5392-6498-3632d093c2e7) (name_label db) (memory_dynamic_max 1073741824) (memory_static_max 2147483648) (VCPUs_max 4) (actions_after_crash coredump_and_restart) (is_a_template False) (vcpus_params ((weight 512) (cap 50))) (HVM_boot_policy 'BIOS order') (platform ((acpi 1) (boot dc))) (image (hvm (kernel '') (vnc 1))) (device (vbd (uname file:/x.img) (dev hda:disk) (mode w) (bootable 1))))"
	r = Bytes("config.sxp", []byte(managed), Options{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	for _, want := range []string{`name = "db"`, "memory = 1024", "maxmem = 2048", "vcpus = 4", `on_crash = "coredump-restart"`, "cpu_weight = 512", "cap = 50", `boot = "dc"`, "vnc = 1", `type = "hvm"`} {
		if !strings.Contains(r.XL, want) {
			t.Errorf("managed config conversion lacks %q:\n%s", want, r.XL)
		}
	}
}

// TestStoreAndDir checks directory and xend-store conversion.
func TestStoreAndDir(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "domains", "49a0c6ff-c066-5392-6498-3632d093c2e7")
	if err := os.MkdirAll(store, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(store, "config.sxp"), []byte("(domain (uuid 49a0c6ffc066539264983632d093c2e7) (name a) (memory 64))"), 0o600)
	rs, err := Store(filepath.Join(dir, "domains"), Options{})
	if err != nil || len(rs) != 1 || rs[0].Err != nil || rs[0].Config.CInfo.Name != "a" {
		t.Fatalf("Store = %v, %v", rs, err)
	}
	etc := filepath.Join(dir, "etc")
	os.MkdirAll(etc, 0o755)
	os.WriteFile(filepath.Join(etc, "web"), []byte("memory = 64\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "bad"), []byte("x = os.system('rm -rf /')\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "xend-config.sxp"), []byte("(xend-relocation-server no)\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "web~"), []byte("memory = 64\n"), 0o644)
	rs, err = Dir(etc, Options{})
	if err != nil || len(rs) != 2 {
		t.Fatalf("Dir = %d results, %v; want 2 (host configs and backups skipped)", len(rs), err)
	}
	if Worst(rs) != Refused {
		t.Errorf("Worst(Dir) = %v; want refused", Worst(rs))
	}
}

// TestDiff checks the --diff rendering.
func TestDiff(t *testing.T) {
	d := Diff("old", "a\nb\nc\n", "new", "a\nB\nc\n")
	want := "--- old\n+++ new\n a\n-b\n+B\n c\n"
	if d != want {
		t.Errorf("Diff = %q; want %q", d, want)
	}
	if Diff("x", "same\n", "y", "same\n") != "" {
		t.Errorf("Diff of equal texts is not empty")
	}
}

// FuzzConvert checks that no input makes the converter panic and that
// every conversion it emits can be quoted for xl.
func FuzzConvert(f *testing.F) {
	root := ""
	for _, d := range []string{os.Getenv("XENDSHIM_CORPUS"), "../../../shared/corpus", "/work/shared/corpus"} {
		if d != "" {
			if _, err := os.Stat(d); err == nil {
				root = d
				break
			}
		}
	}
	if root != "" {
		for _, g := range []string{"xm/*/*", "sxp/*/*"} {
			m, _ := filepath.Glob(filepath.Join(root, g))
			for _, p := range m {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte("disk = ['phy:/dev/x,xvda,w']\nvif=['']\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r := Bytes("fuzz.cfg", src, Options{Vars: map[string]string{"vmid": "1"}})
		if r.Err == nil && (r.Config == nil || !strings.HasSuffix(r.XL, "\n")) {
			t.Fatalf("converted without a config or a final newline")
		}
	})
}
