package xend

import (
	"context"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

func TestDeviceClassesOnSimulator(t *testing.T) {
	svc := simService(t)
	ctx := context.Background()
	create(t, svc, `(vm (name g) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
		(device (vbd (uname file:/var/lib/xen/images/pv1.img) (dev xvda1) (mode w)))
		(device (vbd (uname file:/var/lib/xen/images/cd.iso) (dev xvdc:cdrom) (mode r))))`)
	tests := []struct {
		name, dev string
		wantErr   string // "" for success
		wantShow  string // substring of the full record afterwards
	}{
		{"vscsi", `(vscsi (dev (state Initialising) (devid 0) (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0)) (feature-host 0))`, "", "(device (vscsi"},
		{"vusb", `(vusb (usb-ver 2) (num-ports 4))`, "", "(device (vusb"},
		{"vkbd", `(vkbd)`, "", "(device (vkbd (backend 0)))"},
		{"vif bad mac", `(vif (mac zz:zz))`, "Cannot create a new virtual network interface - MAC address is not valid!", ""},
		{"pci without devices", `(pci (dev (domain 0x0000) (bus 0x03) (slot 0x00) (func 0x0)))`, "?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := sxp.ParseString(tt.dev)
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.DeviceCreate(ctx, Name("g"), v)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("DeviceCreate(%s) = %v; want success", tt.dev, err)
			case tt.wantErr == "?" && err == nil:
				t.Fatalf("DeviceCreate(%s) succeeded; want an error", tt.dev)
			case tt.wantErr != "" && tt.wantErr != "?" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("DeviceCreate(%s) = %v; want %s", tt.dev, err, tt.wantErr)
			}
			if tt.wantShow != "" {
				rec, err := svc.Domain(ctx, Name("g"), true)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(sxp.Show(rec), tt.wantShow) {
					t.Errorf("record after DeviceCreate(%s) = %s; want it to contain %s", tt.dev, sxp.Show(rec), tt.wantShow)
				}
			}
		})
	}
	t.Run("cdrom media change", func(t *testing.T) {
		v, _ := sxp.ParseString(`(vbd (uname file:/var/lib/xen/images/extra.img) (dev xvdc:cdrom) (mode r))`)
		if err := svc.DeviceConfigure(ctx, Name("g"), v); err != nil {
			t.Fatalf("DeviceConfigure(cdrom) = %v", err)
		}
		rec, _ := svc.Domain(ctx, Name("g"), true)
		if !strings.Contains(sxp.Show(rec), "(uname file:/var/lib/xen/images/extra.img)") {
			t.Errorf("record after media change = %s", sxp.Show(rec))
		}
	})
	t.Run("disk reconfigure refused", func(t *testing.T) {
		v, _ := sxp.ParseString(`(vbd (uname file:/var/lib/xen/images/extra.img) (dev xvda1) (mode w))`)
		err := svc.DeviceConfigure(ctx, Name("g"), v)
		if err == nil || !strings.HasPrefix(err.Error(), "Refusing to reconfigure device vbd:51713") {
			t.Errorf("DeviceConfigure(xvda1) = %v; want a refusal", err)
		}
	})
}
