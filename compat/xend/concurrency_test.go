package xend

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

// TestConcurrentListsAndChanges lists full records while other goroutines
// change the same domains; run with -race it proves listings render from
// copies, not from records being changed.
func TestConcurrentListsAndChanges(t *testing.T) {
	svc := simService(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		create(t, svc, fmt.Sprintf(`(vm (name c%d) (memory 64) (maxmem 256) (vcpus 2) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest)))
			(device (vbd (uname file:/var/lib/xen/images/pv%d.img) (dev xvda1) (mode w))))`, i, i%2+1))
	}
	// Enough domains for the listing to render on all CPUs.
	for i := 3; i < renderParallelMin+2; i++ {
		create(t, svc, fmt.Sprintf(`(vm (name c%d) (memory 16) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`, i))
	}
	want := renderParallelMin + 3
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 3; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				recs, err := svc.DomainsWithState(ctx, "all", true)
				if err != nil || len(recs) != want {
					errs <- fmt.Errorf("DomainsWithState = %d records, %v; want %d", len(recs), err, want)
					return
				}
				for j := 1; j < len(recs); j++ {
					if a, b := recs[j-1].ChildText("name", ""), recs[j].ChildText("name", ""); a >= b {
						errs <- fmt.Errorf("DomainsWithState: %s listed before %s; want bytewise name order", a, b)
						return
					}
				}
			}
		}()
		go func(g int) {
			defer wg.Done()
			name := Name(fmt.Sprintf("c%d", g))
			for i := 0; i < 20; i++ {
				if err := svc.SetMemoryTarget(ctx, name, 64+i); err != nil {
					errs <- err
					return
				}
				if err := svc.PinVCPU(ctx, name, "all", fmt.Sprint(i%4)); err != nil {
					errs <- err
					return
				}
				dev := sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0")))
				if _, err := svc.DeviceCreate(ctx, name, dev); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
