package sim_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
	"github.com/xendshim/xendshim/toolstack/toolstacktest"
)

// pvConfig is a small PV guest whose kernel exists on the reference host.
func pvConfig(name string) *toolstack.DomainConfig {
	return &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
		BInfo: toolstack.BuildInfo{
			MaxVCPUs:    2,
			MaxMemKB:    131072,
			TargetMemKB: 131072,
			Kernel:      "/var/lib/xen/boot/vmlinuz-guest",
			Ramdisk:     "/var/lib/xen/boot/initrd-guest",
			Cmdline:     "root=/dev/xvda1 ro",
			PV:          &toolstack.BuildInfoPV{},
		},
		OnCrash: toolstack.ActionPreserve,
	}
}

var tempCount atomic.Int64

func conformanceEnv(profile func() *sim.Profile) toolstacktest.Factory {
	return func(t *testing.T) *toolstacktest.Env {
		s, err := sim.New(sim.Options{StateDir: t.TempDir(), Profile: profile(), NoSync: true, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		peer, err := sim.New(sim.Options{StateDir: t.TempDir(), Profile: profile(), NoSync: true, Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		return &toolstacktest.Env{
			TS:        s,
			NewConfig: pvConfig,
			TempPath: func(name string) string {
				return filepath.Join("/var/lib/xen/save", fmt.Sprintf("%d-%s", tempCount.Add(1), name))
			},
			DiskPath: "/var/lib/xen/images/extra.img",
			Peer:     peer,
		}
	}
}

func TestConformance(t *testing.T) {
	t.Run("reference", func(t *testing.T) { toolstacktest.Run(t, conformanceEnv(sim.ReferenceProfile)) })
	t.Run("default", func(t *testing.T) { toolstacktest.Run(t, conformanceEnv(sim.DefaultProfile)) })
}
