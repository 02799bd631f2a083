package sim_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// bigHost is the reference host with room for 1000 small guests.
func bigHost() *sim.Profile {
	p := sim.DefaultProfile()
	p.Physinfo.TotalMemory = 1 << 30 // 1 TiB in KiB
	return p
}

// fill creates n small guests, each with a disk and a vif, the way a
// busy host looks.
func fill(b testing.TB, s *sim.Sim, n int) {
	for i := 0; i < n; i++ {
		cfg := pvConfig(fmt.Sprintf("guest%04d", i))
		cfg.Disks = []toolstack.DeviceDisk{{PdevPath: "/var/lib/xen/images/pv1.img", Vdev: "xvda1", Readwrite: 1}}
		cfg.NICs = []toolstack.DeviceNIC{{Bridge: "xenbr0"}}
		if _, err := s.Create(ctx, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListDomains1000 lists a host with 1000 guests (plus dom0).
func BenchmarkListDomains1000(b *testing.B) {
	s, _, _ := newSim(b, bigHost())
	fill(b, s, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		doms, err := s.ListDomains(ctx)
		if err != nil || len(doms) != 1001 {
			b.Fatalf("ListDomains = %d, %v", len(doms), err)
		}
	}
}

// BenchmarkCreateDestroy measures one create and destroy, with fsync.
func BenchmarkCreateDestroy(b *testing.B) {
	dir := b.TempDir()
	s, err := sim.New(sim.Options{StateDir: dir, Profile: bigHost()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id, err := s.Create(ctx, pvConfig(fmt.Sprintf("g%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Destroy(ctx, id); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkHold1000Domains reports the memory a simulator holding 1000
// guests keeps live (heap-MiB, after GC) and the whole Go runtime's
// footprint (sys-MiB), once the guests are created and once more after
// a restart has loaded them from disk (load-heap-MiB).
func BenchmarkHold1000Domains(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		dir := b.TempDir()
		s, err := sim.New(sim.Options{StateDir: dir, Profile: bigHost(), NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		fill(b, s, 1000)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(after.Sys)/(1<<20), "sys-MiB")
		runtime.KeepAlive(s)

		s = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		s2, err := sim.New(sim.Options{StateDir: dir, Profile: bigHost(), NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "load-heap-MiB")
		if doms, _ := s2.ListDomains(ctx); len(doms) != 1001 {
			b.Fatalf("reloaded %d domains; want 1001", len(doms))
		}
		runtime.KeepAlive(s2)
	}
}
