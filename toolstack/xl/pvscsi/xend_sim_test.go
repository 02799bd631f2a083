package pvscsi_test

// xm's scsi-attach, scsi-list and scsi-detach through compat/xend on the
// simulator (the xend method layer this package's controller serves on a
// real host), with their faults. They live here because compat/xend was
// still being edited when they were written; they import only exported
// API.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

func simXend(t *testing.T) *xend.Service {
	t.Helper()
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := xend.New(sm, xend.Options{DomainsPath: filepath.Join(dir, "domains")})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func mustSXP(t *testing.T, s string) sxp.Value {
	t.Helper()
	v, err := sxp.ParseString(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// scsiDev is what xm scsi-attach/-detach send (xm/main.py): one dev with
// its state, devid, p-dev and v-dev.
func scsiDev(state, pdev, vdev string) string {
	return "(vscsi (dev (state " + state + ") (devid 0) (p-dev " + pdev + ") (v-dev " + vdev + ")) (feature-host 0))"
}

func TestXendVSCSIOnSimulator(t *testing.T) {
	svc := simXend(t)
	ctx := context.Background()
	rec, err := svc.Create(ctx, mustSXP(t, `(vm (name g) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
		(device `+scsiDev("Initialising", "2:0:0:0", "0:0:0:0")+`))`))
	if err != nil {
		t.Fatalf("Create with vscsi = %v", err)
	}
	g := xend.Name(rec.ChildText("name", ""))
	if err := svc.Unpause(ctx, g); err != nil {
		t.Fatal(err)
	}
	list := func() string {
		t.Helper()
		v, err := svc.DeviceSxprs(ctx, g, "vscsi")
		if err != nil {
			t.Fatalf("getDeviceSxprs(vscsi) = %v", err)
		}
		return sxp.Show(v)
	}
	if got := list(); !strings.HasPrefix(got, "((0 (") {
		t.Errorf("getDeviceSxprs(vscsi) after create = %s; want controller 0", got)
	}
	record := func() string {
		r, err := svc.Domain(ctx, g, true)
		if err != nil {
			t.Fatal(err)
		}
		return sxp.Show(r)
	}
	if got := record(); !strings.Contains(got, "(p-dev 2:0:0:0)") || !strings.Contains(got, "(v-dev 0:0:0:0)") {
		t.Errorf("record after create lacks the LUN: %s", got)
	}

	steps := []struct {
		name    string
		dev     string
		wantErr string // substring of the fault; "" = success
		has     []string
		hasNot  []string
	}{
		{"scsi-attach second LUN", scsiDev("Initialising", "/dev/sdc", "0:0:0:1"), "", []string{"(v-dev 0:0:0:1)", "(p-dev /dev/sdc)"}, nil},
		{"scsi-attach p-dev in use", scsiDev("Initialising", "sdb", "0:0:0:2"), "is already used by domain g", nil, []string{"(v-dev 0:0:0:2)"}},
		{"scsi-attach unknown p-dev", scsiDev("Initialising", "9:9:9:9", "0:0:0:2"), `host SCSI device "9:9:9:9" does not exist`, nil, []string{"(v-dev 0:0:0:2)"}},
		{"scsi-attach bad v-dev", scsiDev("Initialising", "3:0:2:0", "zero"), `virtual device "zero" is not host:channel:target:lun`, nil, []string{"(v-dev zero)"}},
		{"scsi-detach second LUN", scsiDev("Closing", "/dev/sdc", "0:0:0:1"), "", []string{"(v-dev 0:0:0:0)"}, []string{"(v-dev 0:0:0:1)"}},
		{"scsi-detach LUN not there", scsiDev("Closing", "/dev/sdc", "0:0:0:7"), "has no LUN 0:0:0:7", nil, nil},
		{"scsi-detach last LUN", scsiDev("Closing", "2:0:0:0", "0:0:0:0"), "", nil, []string{"(v-dev 0:0:0:0)"}},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			err := svc.DeviceConfigure(ctx, g, mustSXP(t, tt.dev))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("device_configure(%s) = %v; want success", tt.dev, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("device_configure(%s) = %v; want a fault with %q", tt.dev, err, tt.wantErr)
			}
			got := record()
			for _, h := range tt.has {
				if !strings.Contains(got, h) {
					t.Errorf("record after %s lacks %s: %s", tt.name, h, got)
				}
			}
			for _, h := range tt.hasNot {
				if strings.Contains(got, h) {
					t.Errorf("record after %s has %s: %s", tt.name, h, got)
				}
			}
		})
	}
	if got := list(); got != "()" {
		t.Errorf("getDeviceSxprs(vscsi) after the last detach = %s; want ()", got)
	}
}
