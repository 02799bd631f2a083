package xend

// xm's scsi-attach, scsi-list and scsi-detach through the Service on the
// simulator: the getDeviceSxprs shape of xend's VSCSIController.sxprs
// (§6.7), the live vscsi entry of the full record (§6.5), and the faults.

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// vscsiService is simService with numbered UUIDs
// (00000000-0000-0000-0000-000000000001, ...), so that
// records can be compared as literals.
func vscsiService(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	svc, err := New(sm, Options{DomainsPath: filepath.Join(dir, "domains"), NewUUID: func() string {
		n++
		return fmt.Sprintf("00000000-0000-0000-0000-%012d", n)
	}})
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

// vscsiEntries returns the (device (vscsi ...)) entries of a full record.
func vscsiEntries(t *testing.T, svc *Service, id Ident) string {
	t.Helper()
	r, err := svc.Domain(context.Background(), id, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range r.Items() {
		if it.IsList() && it.Name() == "device" && it.Len() > 1 && it.Index(1).Name() == "vscsi" {
			out = append(out, sxp.Show(it))
		}
	}
	return strings.Join(out, " ")
}

// TestXendVSCSIOnSimulator walks attach, list and detach, checking after
// each step the getDeviceSxprs reply and the record's vscsi entries as
// exact SXP.
func TestXendVSCSIOnSimulator(t *testing.T) {
	svc := vscsiService(t)
	ctx := context.Background()
	rec, err := svc.Create(ctx, mustSXP(t, `(vm (name g) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
		(device `+scsiDev("Initialising", "2:0:0:0", "0:0:0:0")+`))`))
	if err != nil {
		t.Fatalf("Create with vscsi = %v", err)
	}
	g := Name(rec.ChildText("name", ""))
	if err := svc.Unpause(ctx, g); err != nil {
		t.Fatal(err)
	}
	// the uuid of the controller's first recorded config
	const uuid = "00000000-0000-0000-0000-000000000002"
	list := func() string {
		t.Helper()
		v, err := svc.DeviceSxprs(ctx, g, "vscsi")
		if err != nil {
			t.Fatalf("getDeviceSxprs(vscsi) = %v", err)
		}
		return sxp.Show(v)
	}
	steps := []struct {
		name    string
		dev     string // "" = no call, just check
		wantErr string // substring of the fault; "" = success
		list    string // getDeviceSxprs(vscsi), exact
		record  string // the record's vscsi device entries, exact
	}{
		{"after create", "", "",
			`((0 ((devs ((dev (state 4) (devid 0) (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (frontstate 4)))) (state 4) (backend-id 0) (backend /local/domain/0/backend/vscsi/1/0))))`,
			`(device (vscsi (dev (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (state 4) (devid 0)) (feature-host 0) (uuid ` + uuid + `) (backend 0)))`},
		{"scsi-attach second LUN", scsiDev("Initialising", "/dev/sdc", "0:0:0:1"), "",
			`((0 ((devs ((dev (state 4) (devid 0) (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (frontstate 4)) (dev (state 4) (devid 0) (p-dev /dev/sdc) (p-devname sdc) (v-dev 0:0:0:1) (frontstate 4)))) (state 4) (backend-id 0) (backend /local/domain/0/backend/vscsi/1/0))))`,
			`(device (vscsi (dev (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (state 4) (devid 0)) (dev (p-dev /dev/sdc) (p-devname sdc) (v-dev 0:0:0:1) (state 4) (devid 0)) (feature-host 0) (uuid ` + uuid + `) (backend 0)))`},
		{"scsi-attach v-dev in use", scsiDev("Initialising", "sr0", "0:0:0:1"), "has a LUN at v-dev 0:0:0:1 already",
			`((0 ((devs ((dev (state 4) (devid 0) (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (frontstate 4)) (dev (state 4) (devid 0) (p-dev /dev/sdc) (p-devname sdc) (v-dev 0:0:0:1) (frontstate 4)))) (state 4) (backend-id 0) (backend /local/domain/0/backend/vscsi/1/0))))`,
			`(device (vscsi (dev (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (state 4) (devid 0)) (dev (p-dev /dev/sdc) (p-devname sdc) (v-dev 0:0:0:1) (state 4) (devid 0)) (feature-host 0) (uuid ` + uuid + `) (backend 0)))`},
		{"scsi-attach p-dev in use", scsiDev("Initialising", "sdb", "0:0:0:2"), "is already used by domain g", "", ""},
		{"scsi-attach unknown p-dev", scsiDev("Initialising", "9:9:9:9", "0:0:0:2"), `host SCSI device "9:9:9:9" does not exist`, "", ""},
		{"scsi-attach bad v-dev", scsiDev("Initialising", "3:0:2:0", "zero"), `virtual device "zero" is not host:channel:target:lun`, "", ""},
		{"scsi-detach second LUN", scsiDev("Closing", "/dev/sdc", "0:0:0:1"), "",
			`((0 ((devs ((dev (state 4) (devid 0) (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (frontstate 4)))) (state 4) (backend-id 0) (backend /local/domain/0/backend/vscsi/1/0))))`,
			`(device (vscsi (dev (p-dev 2:0:0:0) (p-devname sdb) (v-dev 0:0:0:0) (state 4) (devid 0)) (feature-host 0) (uuid ` + uuid + `) (backend 0)))`},
		{"scsi-detach LUN not there", scsiDev("Closing", "/dev/sdc", "0:0:0:7"), "has no LUN 0:0:0:7", "", ""},
		{"scsi-detach last LUN", scsiDev("Closing", "2:0:0:0", "0:0:0:0"), "", `()`, ``},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dev != "" {
				err := svc.DeviceConfigure(ctx, g, mustSXP(t, tt.dev))
				switch {
				case tt.wantErr == "" && err != nil:
					t.Fatalf("device_configure(%s) = %v; want success", tt.dev, err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Fatalf("device_configure(%s) = %v; want a fault with %q", tt.dev, err, tt.wantErr)
				}
			}
			if tt.list == "" {
				return // a refused step: the next step's literals show nothing changed
			}
			if got := list(); got != tt.list {
				t.Errorf("getDeviceSxprs(g, vscsi) = %s; want %s", got, tt.list)
			}
			if got := vscsiEntries(t, svc, g); got != tt.record {
				t.Errorf("record vscsi entries = %s; want %s", got, tt.record)
			}
		})
	}
}

// TestXendVSCSIInactive: on a domain that is not running, getDeviceSxprs
// gives xend's config shape for vscsi (§6.7) and the record the stored
// config form (§6.5).
func TestXendVSCSIInactive(t *testing.T) {
	svc := vscsiService(t)
	ctx := context.Background()
	cfg := `(vm (name h) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
		(device ` + scsiDev("Initialising", "2:0:0:0", "0:0:0:0") + `))`
	if err := svc.New(ctx, mustSXP(t, cfg)); err != nil {
		t.Fatalf("New with vscsi = %v", err)
	}
	tests := []struct {
		name, got, want string
	}{
		{"getDeviceSxprs(h, vscsi)", func() string {
			v, err := svc.DeviceSxprs(ctx, Name("h"), "vscsi")
			if err != nil {
				t.Fatalf("getDeviceSxprs(h, vscsi) = %v", err)
			}
			return sxp.Show(v)
		}(), `((0 ((devs ((dev (state Initialising) (devid 0) (p-dev 2:0:0:0) (v-dev 0:0:0:0) (frontstate 'None')))) (feature-host 0))))`},
		{"record vscsi entries", vscsiEntries(t, svc, Name("h")),
			`(device (vscsi (uuid 00000000-0000-0000-0000-000000000002) (feature-host 0) (dev (state Initialising) (devid 0) (p-dev 2:0:0:0) (v-dev 0:0:0:0))))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %s; want %s", tt.name, tt.got, tt.want)
			}
		})
	}
}

// TestXendVSCSIScsiListWire: over XML-RPC the reply has the types xm
// scsi-list relies on: the devid an int, the node values strings, and
// x[1][0][1] the LUN list.
func TestXendVSCSIScsiListWire(t *testing.T) {
	svc := vscsiService(t)
	create(t, svc, `(vm (name g) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
		(device `+scsiDev("Initialising", "2:0:0:0", "0:0:0:0")+`))`)
	got, err := NewDispatcher(svc).Call(context.Background(), "xend.domain.getDeviceSxprs", []any{"g", "vscsi"})
	if err != nil {
		t.Fatalf("getDeviceSxprs(g, vscsi) = %v", err)
	}
	want := []any{[]any{0, []any{
		[]any{"devs", []any{[]any{"dev", []any{"state", "4"}, []any{"devid", "0"}, []any{"p-dev", "2:0:0:0"},
			[]any{"p-devname", "sdb"}, []any{"v-dev", "0:0:0:0"}, []any{"frontstate", "4"}}}},
		[]any{"state", "4"}, []any{"backend-id", "0"}, []any{"backend", "/local/domain/0/backend/vscsi/1/0"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("getDeviceSxprs(g, vscsi) = %#v; want %#v", got, want)
	}
}
