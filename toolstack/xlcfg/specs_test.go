package xlcfg

import (
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func TestSpecs(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"DiskSpec(rw file)", DiskSpec(toolstack.DeviceDisk{PdevPath: "/img/a,b.img", Vdev: "xvda", Format: "qcow2", Readwrite: 1, Backend: "qdisk"}),
			"format=qcow2, vdev=xvda, access=rw, target=/img/a,b.img"},
		{"DiskSpec(cdrom is ro)", DiskSpec(toolstack.DeviceDisk{PdevPath: "/iso/x.iso", Vdev: "hdc", Format: "raw", Readwrite: 1, IsCDROM: 1}),
			"format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/iso/x.iso"},
		{"DiskSpec(driver domain, script)", DiskSpec(toolstack.DeviceDisk{PdevPath: "iqn.x", Vdev: "xvdb", BackendDomname: "dd", Script: "block-iscsi"}),
			"vdev=xvdb, access=ro, backend=dd, script=block-iscsi, target=iqn.x"},
		{"VifSpec(pv)", VifSpec(toolstack.DeviceNIC{MAC: "00:16:3e:00:00:01", Bridge: "xenbr0", Nictype: "vif", MTU: 9000}, false),
			"mac=00:16:3e:00:00:01,bridge=xenbr0,mtu=9000"},
		{"VifSpec(hvm pv-only nic)", VifSpec(toolstack.DeviceNIC{Model: "e1000", Nictype: "vif", Ifname: "vif-g"}, true),
			"vifname=vif-g,model=e1000,type=vif"},
		{"VifSpec(rate)", VifSpec(toolstack.DeviceNIC{IP: "10.0.0.2", RateBytesPerInterval: 12500, RateIntervalUsecs: 50000}, false),
			"ip=10.0.0.2,rate=250000B/s@50000us"},
		{"VfbSpec(vnc)", VfbSpec(toolstack.DeviceVFB{Keymap: "de", VNC: &toolstack.VNCInfo{Enable: toolstack.DefboolTrue, Display: 2, FindUnused: toolstack.DefboolFalse, Passwd: "pw"}}),
			"vnc=1,vncdisplay=2,vncunused=0,vncpasswd=pw,keymap=de"},
		{"VfbSpec(sdl)", VfbSpec(toolstack.DeviceVFB{SDL: &toolstack.SDLInfo{Enable: toolstack.DefboolTrue, OpenGL: toolstack.DefboolFalse, Display: ":0"}}),
			"sdl=1,opengl=0,display=:0"},
		{"VkbSpec(defaults)", VkbSpec(toolstack.DeviceVKB{}), ""},
		{"PCISpec(all functions, slot)", PCISpec(toolstack.DevicePCI{Domain: 1, Bus: 0x0c, Dev: 0x1b, VfuncMask: 0xff, Vdevfn: 5 << 3, MSITranslate: true}),
			"0001:0c:1b.*@05"},
		{"PCISpec(options)", PCISpec(toolstack.DevicePCI{Bus: 3, Func: 1, PowerMgmt: true, Permissive: true, Seize: true, RDMPolicy: "relaxed"}),
			"0000:03:00.1,msitranslate=0,power_mgmt=1,permissive=1,seize=1,rdm_policy=relaxed"},
		{"USBCtrlSpec", USBCtrlSpec(toolstack.DeviceUSBCtrl{Type: "qusb", Version: 2, Ports: 8}), "type=qusb,version=2,ports=8"},
		{"USBDevSpec", USBDevSpec(toolstack.DeviceUSBDev{Ctrl: 0, Port: 1, HostDev: &toolstack.USBHostDev{HostBus: 1, HostAddr: 4}}),
			"type=hostdev,hostbus=1,hostaddr=4,controller=0,port=1"},
		{"ChannelSpec(pty)", ChannelSpec(toolstack.DeviceChannel{Name: "org.qemu.guest_agent.0"}), "name=org.qemu.guest_agent.0,connection=pty"},
		{"ChannelSpec(socket)", ChannelSpec(toolstack.DeviceChannel{Name: "c", Socket: &toolstack.ChannelSocket{Path: "/run/c.sock"}}),
			"name=c,connection=socket,path=/run/c.sock"},
		{"VTPMSpec", VTPMSpec(toolstack.DeviceVTPM{BackendDomname: "vtpmmgr", UUID: "u"}), "backend=vtpmmgr,uuid=u"},
		{"JoinKV(skips empty)", JoinKV("a", "", "b", "2"), "b=2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q; want %q", tt.name, tt.got, tt.want)
		}
	}
}
