package toolstacktest

import (
	"context"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func testDiskDevices(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-disk")
	disk := toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{
		PdevPath: e.DiskPath, Vdev: "xvdb", Backend: "qdisk", Format: "raw", Readwrite: 1,
	}}
	ref, err := e.TS.AddDevice(ctx, id, disk)
	if err != nil {
		t.Fatalf("AddDevice(vbd xvdb) = %v", err)
	}
	if ref.Class != toolstack.ClassVBD || ref.Devid != 51728 {
		t.Errorf("AddDevice(vbd xvdb) = %+v; want vbd 51728", ref)
	}
	_, err = e.TS.AddDevice(ctx, id, disk)
	wantClass(t, "AddDevice(xvdb again)", err, toolstack.ErrExists)
	_, err = e.TS.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVBD, Disk: &toolstack.DeviceDisk{PdevPath: e.DiskPath, Vdev: "floppy"}})
	wantClass(t, "AddDevice(vdev floppy)", err, toolstack.ErrInvalid)
	_, err = e.TS.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, Disk: disk.Disk})
	wantClass(t, "AddDevice(class vif with a disk)", err, toolstack.ErrInvalid)

	if err := e.TS.WaitForDevices(ctx, id); err != nil {
		t.Fatalf("WaitForDevices = %v", err)
	}
	list, err := e.TS.Devices(ctx, id, toolstack.ClassVBD)
	if err != nil {
		t.Fatalf("Devices(vbd) = %v", err)
	}
	if len(list) != 1 || list[0].Devid != 51728 || list[0].Config.Disk == nil || list[0].Config.Disk.Vdev != "xvdb" {
		t.Fatalf("Devices(vbd) = %+v; want xvdb (51728)", list)
	}
	if !strings.Contains(list[0].BackendPath, "/backend/") {
		t.Errorf("Devices(vbd)[0].BackendPath = %q; want a backend path", list[0].BackendPath)
	}
	if cfg, err := e.TS.DomainConfig(ctx, id); err != nil || len(cfg.Disks) != 1 {
		t.Errorf("DomainConfig after AddDevice has disks %+v (%v); want the new one", cfg, err)
	}
	wantClass(t, "RemoveDevice(xvdb)", e.TS.RemoveDevice(ctx, id, ref, false), nil)
	wantClass(t, "RemoveDevice(xvdb again)", e.TS.RemoveDevice(ctx, id, ref, false), toolstack.ErrNotFound)
	if list, _ := e.TS.Devices(ctx, id, toolstack.ClassVBD); len(list) != 0 {
		t.Errorf("Devices(vbd) after removal = %+v; want none", list)
	}
}

func testNetworkDevices(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-net")
	tests := []struct {
		name      string
		nic       toolstack.DeviceNIC
		class     error
		wantDevid int
	}{
		{"fixed MAC", toolstack.DeviceNIC{MAC: "00:16:3e:12:34:56"}, nil, 0},
		{"generated MAC", toolstack.DeviceNIC{}, nil, 1},
		{"bad MAC", toolstack.DeviceNIC{MAC: "00:16:3e:12:34"}, toolstack.ErrInvalid, 0},
		{"multicast MAC", toolstack.DeviceNIC{MAC: "01:16:3e:12:34:56"}, toolstack.ErrInvalid, 0},
	}
	for _, tc := range tests {
		nic := tc.nic
		ref, err := e.TS.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, NIC: &nic})
		wantClass(t, "AddDevice(vif "+tc.name+")", err, tc.class)
		if err == nil && ref.Devid != tc.wantDevid {
			t.Errorf("AddDevice(vif %s) devid = %d; want %d", tc.name, ref.Devid, tc.wantDevid)
		}
	}
	list, err := e.TS.Devices(ctx, id, toolstack.ClassVIF)
	if err != nil || len(list) != 2 {
		t.Fatalf("Devices(vif) = %+v, %v; want 2", list, err)
	}
	if mac := list[1].Config.NIC.MAC; !strings.HasPrefix(mac, "00:16:3e:") || len(mac) != 17 {
		t.Errorf("generated MAC = %q; want 00:16:3e:xx:xx:xx", mac)
	}
	wantClass(t, "RemoveDevice(vif 0)", e.TS.RemoveDevice(ctx, id, toolstack.DeviceRef{Class: toolstack.ClassVIF, Devid: 0}, true), nil)
	if list, _ := e.TS.Devices(ctx, id, toolstack.ClassVIF); len(list) != 1 || list[0].Devid != 1 {
		t.Errorf("Devices(vif) after removing 0 = %+v; want only devid 1", list)
	}
}
