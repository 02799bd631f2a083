package sim_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// A simulator on the reference host: create a guest, start it, look at it.
func Example() {
	dir, _ := os.MkdirTemp("", "sim-example")
	defer os.RemoveAll(dir)
	s, err := sim.New(sim.Options{
		StateDir: dir,
		Profile:  sim.ReferenceProfile(),
		Clock:    sim.NewManualClock(time.Unix(1795547903, 0)),
		Seed:     1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	id, err := s.Create(ctx, &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: "guest1"},
		BInfo: toolstack.BuildInfo{
			MaxVCPUs: 2, MaxMemKB: 524288, TargetMemKB: 524288,
			Kernel: "/var/lib/xen/boot/vmlinuz-guest", PV: &toolstack.BuildInfoPV{},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Unpause(ctx, id)
	doms, _ := s.ListDomains(ctx)
	for _, d := range doms {
		fmt.Printf("%-10s %2d %5d %d %s %.1f\n", d.Name, d.Domid, d.TargetMemKB/1024, d.OnlineVCPUs, d.State, d.CPUTime.Seconds())
	}
	_, err = s.Create(ctx, &toolstack.DomainConfig{CInfo: toolstack.CreateInfo{Name: "guest1"}, BInfo: toolstack.BuildInfo{MaxMemKB: 1024}})
	fmt.Println(err)
	// Output:
	// Domain-0    0  1024 2 r----- 123.5
	// guest1      1   512 2 -b---- 4.2
	// create domain guest1: domain 'guest1' already exists with ID '1' (already exists)
}
