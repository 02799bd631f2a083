package xenstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/xenstore"
)

// TestRealXenstored runs against the xenstored of the host it runs on. It
// needs a Xen dom0 with xenstored (xenlab's dom0: scripts/xenlab/lane.sh runs
// the compiled test binary there) and skips anywhere else. It only touches
// /tool/xendshim-test/<pid> and removes it afterwards.
func TestRealXenstored(t *testing.T) {
	c, err := xenstore.Open()
	if err != nil {
		t.Skipf("no xenstored on this host: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name, err := c.Read(ctx, "/local/domain/0/name")
	if err != nil {
		t.Fatalf("Read(/local/domain/0/name) = %v", err)
	}
	t.Logf("dom0 is called %q", name)
	base := fmt.Sprintf("/tool/xendshim-test/%d", os.Getpid())
	defer c.Rm(context.Background(), base)

	if err := c.Write(ctx, base+"/a", "1"); err != nil {
		t.Fatalf("Write = %v", err)
	}
	if v, err := c.Read(ctx, base+"/a"); err != nil || v != "1" {
		t.Errorf("Read back = %q, %v", v, err)
	}
	if _, err := c.Read(ctx, base+"/missing"); !xenstore.IsNotFound(err) {
		t.Errorf("Read(missing) = %v; want ENOENT", err)
	}
	if err := c.Mkdir(ctx, base+"/dir"); err != nil {
		t.Errorf("Mkdir = %v", err)
	}
	kids, err := c.Directory(ctx, base)
	slices.Sort(kids)
	if err != nil || !slices.Equal(kids, []string{"a", "dir"}) {
		t.Errorf("Directory = %q, %v; want [a dir]", kids, err)
	}
	perms := []xenstore.Perm{{Domid: 0, Access: xenstore.AccessNone}, {Domid: 1, Access: xenstore.AccessRead}}
	if err := c.SetPerms(ctx, base+"/a", perms); err != nil {
		t.Errorf("SetPerms = %v", err)
	}
	if got, err := c.GetPerms(ctx, base+"/a"); err != nil || !slices.Equal(got, perms) {
		t.Errorf("GetPerms = %v, %v; want %v", got, err, perms)
	}
	if p, err := c.GetDomainPath(ctx, 0); err != nil || p != "/local/domain/0" {
		t.Errorf("GetDomainPath(0) = %q, %v", p, err)
	}

	// A watch fires at registration and on a write below it.
	w, err := c.Watch(ctx, base)
	if err != nil {
		t.Fatalf("Watch = %v", err)
	}
	waitFor := func(path string) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case e := <-w.Events():
				if e.Path == path {
					return
				}
			case <-deadline:
				t.Fatalf("no watch event for %s", path)
			}
		}
	}
	waitFor(base)
	if err := c.Write(ctx, base+"/dir/x", "y"); err != nil {
		t.Fatal(err)
	}
	waitFor(base + "/dir/x")
	if err := w.Close(); err != nil {
		t.Errorf("unwatch = %v", err)
	}

	// Transactions: commit, then a forced conflict that must be retried.
	if err := c.Transaction(ctx, func(tx *xenstore.Tx) error { return tx.Write(base+"/t", "committed") }); err != nil {
		t.Fatalf("Transaction = %v", err)
	}
	if v, _ := c.Read(ctx, base+"/t"); v != "committed" {
		t.Errorf("after commit /t = %q", v)
	}
	other, err := xenstore.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	runs := 0
	err = c.Transaction(ctx, func(tx *xenstore.Tx) error {
		runs++
		v, err := tx.Read(base + "/t")
		if err != nil {
			return err
		}
		if runs == 1 {
			if err := other.Write(ctx, base+"/t", "intruder"); err != nil {
				return err
			}
		}
		return tx.Write(base+"/t", v+"+tx")
	})
	if err != nil {
		t.Fatalf("conflicting Transaction = %v", err)
	}
	if runs < 2 {
		t.Errorf("fn ran %d times; want a retry after EAGAIN", runs)
	}
	if v, _ := c.Read(ctx, base+"/t"); v != "intruder+tx" {
		t.Errorf("after retry /t = %q; want intruder+tx", v)
	}
	err = c.Transaction(ctx, func(tx *xenstore.Tx) error { return errors.New("abort") })
	if err == nil || errors.Is(err, syscall.EAGAIN) {
		t.Errorf("aborting Transaction = %v", err)
	}

	// dom0's subtree is readable in full.
	tree, err := c.ReadTree(ctx, "/local/domain/0")
	if err != nil || tree["/local/domain/0/name"] != name {
		t.Errorf("ReadTree(/local/domain/0) = %d nodes, %v", len(tree), err)
	}
	if err := c.Rm(ctx, base); err != nil {
		t.Errorf("Rm = %v", err)
	}
}
