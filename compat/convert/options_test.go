package convert

import (
	"strings"
	"testing"
)

// xmOptions are the options of Xen 4.4's create.py (config.md §2), the
// undeclared names xm honoured, and the Xen 3.0 keys, each with a sample
// value as a config file would write it.
var xmOptions = map[string]string{
	"access_control": "['policy=p,label=l']", "acpi": "1", "apic": "1", "blkif": "1", "boot": "'dc'",
	"bootargs": "'-q --entry=1'", "bootentry": "'hd0,0'", "bootloader": "'/usr/bin/pygrub'", "builder": "'linux'",
	"cpu": "1", "cpu_cap": "50", "cpu_weight": "512", "cpuid": "['1:ecx=0x1']", "cpuid_check": "['1:ecx=x']",
	"cpus": "'0-3'", "description": "'web server'", "device_model": "'qemu-dm'", "dhcp": "'dhcp'",
	"disk": "['phy:/dev/vg/a,xvda,w']", "display": "':0'", "extra": "'console=hvc0'", "fda": "'/f.img'",
	"fdb": "'/f.img'", "features": "'!writable_page_tables'", "gateway": "'10.0.0.1'", "gfx_passthru": "1",
	"guest_os_type": "'linux'", "hap": "1", "hostname": "'web'", "hpet": "1", "interface": "'eth1'",
	"ioports": "['2f8-2ff']", "ip": "'10.0.0.2'", "irq": "[7]", "isa": "1", "kernel": "'/boot/vmlinuz'",
	"keymap": "'de'", "loader": "'/usr/lib/xen/boot/hvmloader'", "localtime": "1", "machine_address_size": "32",
	"maxmem": "1024", "maxvcpus": "4", "memory": "512", "memory_sharing": "1", "monitor": "1",
	"monitor_path": "'/tmp/m'", "name": "'web'", "nestedhvm": "1", "netif": "1", "netmask": "'255.0.0.0'",
	"nfs_root": "'/export/root'", "nfs_server": "'10.0.0.9'", "nics": "2", "nographic": "1", "nomigrate": "1",
	"on_crash": "'preserve'", "on_poweroff": "'destroy'", "on_reboot": "'restart'", "on_xend_start": "'start'",
	"on_xend_stop": "'suspend'", "oos": "1", "opengl": "1", "pae": "1", "parallel": "'/dev/parport0'",
	"pci": "['01:00.0']", "pci_msitranslate": "0", "pci_power_mgmt": "1", "pool": "'pool1'",
	"ramdisk": "'/boot/initrd'", "restart": "'always'", "root": "'/dev/xvda1 ro'", "rtc_timeoffset": "-3600",
	"s3_integrity": "0", "sdl": "1", "serial": "'pty'", "shadow_memory": "8", "soundhw": "'es1370'",
	"stdvga": "1", "superpages": "1", "suppress_spurious_page_faults": "1", "target": "5",
	"timer_mode": "2", "tpmif": "['backend=0']", "tsc_mode": "1", "usb": "1", "usbdevice": "'tablet'",
	"uuid": "'06ed00fe-1162-4fc4-b5d8-11993ee4a8b9'", "vcpu_avail": "1", "vcpus": "2",
	"vfb": "['vnc=1']", "vhpt": "1", "videoram": "16", "vif": "['bridge=br0']", "vif2": "['bridge=br0']",
	"viridian": "1", "vnc": "1", "vncconsole": "1", "vncdisplay": "3", "vnclisten": "'0.0.0.0'",
	"vncpasswd": "'pw'", "vncunused": "0", "vncviewer": "1", "vpt_align": "1",
	"vscsi": "['/dev/sdb, 0:0:0:0']", "vtpm": "['instance=1,backend=0']", "vusb": "['usbver=2,numports=4']",
	"xauthority": "'/root/.Xauthority'", "xen_extended_power_mgmt": "1", "xen_platform_pci": "0",
	// Xen 3.0 names
	"cdrom": "'/root/boot.iso'", "ne2000": "1", "lapic": "1", "ipaddr": "'1.2.3.4'", "ssidref": "1",
	"usbport": "1", "audio": "1",
}

// TestEveryOption converts every xm option, for a PV and an HVM guest: each
// is carried, translated or dropped with a note naming it — never passed
// over as an unknown key, never a crash.
func TestEveryOption(t *testing.T) {
	if len(xmOptions) < 110 {
		t.Fatalf("option table has %d entries; want every create.py option", len(xmOptions))
	}
	for key, val := range xmOptions {
		for _, builder := range []string{"linux", "hvm"} {
			if key == "builder" {
				continue
			}
			t.Run(key+"/"+builder, func(t *testing.T) {
				src := "builder = '" + builder + "'\nname = 'n'\nmemory = 256\non_crash = 'restart'\n" + key + " = " + val + "\n"
				if key == "nfs_root" {
					src += "nfs_server = '10.0.0.9'\n" // xm refused nfs_root alone
				}
				r := conv1(t, src, Options{})
				if r.Err != nil {
					t.Fatalf("Bytes(%s = %s) refused: %v", key, val, r.Err)
				}
				for _, n := range r.Notes {
					if n.Key == key && strings.Contains(n.Msg, "not an xm option") {
						t.Errorf("%s treated as an unknown key: %s", key, n)
					}
				}
				body := r.XL[strings.Index(r.XL, "\n\n"):]
				mentioned := false
				for _, n := range r.Notes {
					mentioned = mentioned || n.Key == key || strings.Contains(n.Msg, key)
				}
				if !mentioned && !strings.Contains(body, "\n"+key+" =") && !strings.Contains(body, key+"=") {
					t.Errorf("%s = %s (%s) left no trace in the output or the notes:\n%s", key, val, builder, r.XL)
				}
			})
		}
	}
}
