package toolstacktest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testConcurrent runs a few goroutines that each create, change and
// destroy their own domains while others list: the toolstack must keep
// every domain's identity straight. Small (4 at a time) so a real host
// with 1 GiB free can run it.
func testConcurrent(t *testing.T, e *Env) {
	ctx := context.Background()
	const workers, rounds = 4, 2
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				name := fmt.Sprintf("conf-conc-%d-%d", w, r)
				cleanupName(t, e.TS, name)
				id, err := e.TS.Create(ctx, e.NewConfig(name))
				if err != nil {
					errs <- fmt.Errorf("Create(%s): %w", name, err)
					continue
				}
				if err := e.TS.Unpause(ctx, id); err != nil {
					errs <- fmt.Errorf("Unpause(%s): %w", name, err)
				}
				if d, err := e.TS.Domain(ctx, id); err != nil || d.Name != name {
					errs <- fmt.Errorf("Domain(%d) = %v, %v; want %s", id, d, err, name)
				}
				if _, err := e.TS.ListDomains(ctx); err != nil {
					errs <- fmt.Errorf("ListDomains: %w", err)
				}
				if err := e.TS.Destroy(ctx, id); err != nil {
					errs <- fmt.Errorf("Destroy(%s): %w", name, err)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	doms, err := e.TS.ListDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range doms {
		if strings.HasPrefix(d.Name, "conf-conc-") {
			t.Errorf("domain %s (%d) left after every worker destroyed its own", d.Name, d.Domid)
		}
	}
}
