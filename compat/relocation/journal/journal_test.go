package journal

import (
	"errors"
	"testing"
	"time"
)

const id1 = "0123456789abcdef0123456789abcdef"

func TestCreateIsSingleUse(t *testing.T) {
	j, err := Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Create(Entry{ID: id1, State: Accepted}); err != nil {
		t.Fatalf("Create = %v", err)
	}
	if err := j.Create(Entry{ID: id1, State: Accepted}); !errors.Is(err, ErrSeen) {
		t.Errorf("second Create = %v; want ErrSeen", err)
	}
	if err := j.Put(Entry{ID: id1, State: Committed}); err != nil {
		t.Fatal(err)
	}
	e, err := j.Get(id1)
	if err != nil || e.State != Committed {
		t.Errorf("Get = %+v, %v; want COMMITTED", e, err)
	}
	if err := j.Create(Entry{ID: "../../etc/passwd"}); err == nil {
		t.Error("Create(bad id) = nil; want error")
	}
	if _, err := j.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) = %v; want ErrNotFound", err)
	}
}

func TestLock(t *testing.T) {
	j, _ := Open(t.TempDir(), true)
	unlock, err := j.Lock(id1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Lock(id1); !errors.Is(err, ErrLocked) {
		t.Errorf("second Lock = %v; want ErrLocked", err)
	}
	unlock()
	u2, err := j.Lock(id1)
	if err != nil {
		t.Errorf("Lock after unlock = %v", err)
	} else {
		u2()
	}
}

func TestPrune(t *testing.T) {
	j, _ := Open(t.TempDir(), true)
	j.Create(Entry{ID: id1, State: Aborted})
	j.Create(Entry{ID: "1123456789abcdef0123456789abcdef", State: GoSent})
	if err := j.Prune(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	es, _ := j.List()
	if len(es) != 1 || es[0].State != GoSent {
		t.Errorf("after Prune: %+v; want only the unfinished GO_SENT entry", es)
	}
}
