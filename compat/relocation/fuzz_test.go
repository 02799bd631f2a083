package relocation_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// FuzzReadLegacyHeader: the xend image header parser never panics, never
// returns more than MaxLegacyConfig bytes, and returns exactly the
// announced config.
func FuzzReadLegacyHeader(f *testing.F) {
	f.Add(legacyImage("web1", []byte("pages")))
	f.Add([]byte("NotAGuestRecordX\x00\x00\x00\x01("))
	f.Add([]byte("LinuxGuestRecord\xff\xff\xff\xff"))
	f.Add([]byte("LinuxGuestRecord\x7f\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg, err := relocation.ReadLegacyHeader(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		if len(cfg) == 0 || len(cfg) > relocation.MaxLegacyConfig {
			t.Fatalf("config of %d bytes accepted", len(cfg))
		}
		n := int(binary.BigEndian.Uint32(in[16:20]))
		if n != len(cfg) || !bytes.Equal(cfg, in[20:20+n]) {
			t.Fatalf("returned %d bytes; header announced %d", len(cfg), n)
		}
	})
}

// FuzzConfine: any CONFIG the strict decoder accepts goes through
// confinement without a panic, and a config that passes names no path
// outside what the policy grants.
func FuzzConfine(f *testing.F) {
	f.Add([]byte(`{"c_info":{"type":"pv","name":"web1","uuid":"11111111-2222-3333-4444-555555555555"},"b_info":{"kernel":"/var/lib/xen/boot/vmlinuz-guest","sched_params":{}},"disks":[{"pdev_path":"/var/lib/xen/images/../x","vdev":"xvda"}]}`))
	f.Add([]byte(`{"c_info":{"name":"web1"},"b_info":{"bootloader":"/bin/sh","sched_params":{}},"nics":[{"script":"/tmp/x"}]}`))
	pol, err := policy.Parse([]byte(policyText), false)
	if err != nil {
		f.Fatal(err)
	}
	pol.HostRoot = f.TempDir()
	peer, _ := pol.Peer("xendshim://host/src")
	f.Fuzz(func(t *testing.T, in []byte) {
		var cfg toolstack.DomainConfig
		if xmp.DecodeStrict(in, &cfg) != nil {
			return
		}
		req := policy.Request{Name: cfg.CInfo.Name, UUID: cfg.CInfo.UUID}
		if _, err := pol.Confine(peer, "fuzz", &cfg, req); err != nil {
			return
		}
		for _, d := range cfg.Disks {
			if d.PdevPath != "" {
				t.Fatalf("disk %q passed with no file in the pool", d.PdevPath)
			}
		}
		if cfg.BInfo.DeviceModel != "" || cfg.BInfo.Bootloader != "" || len(cfg.PCIDevs) > 0 {
			t.Fatalf("dangerous config passed: %s", in)
		}
	})
}
