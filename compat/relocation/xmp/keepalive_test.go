package xmp

import (
	"net"
	"testing"
	"time"
)

func TestKeepalive(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	ca, cb := NewConn(a), NewConn(b)
	stop := ca.Keepalive(5 * time.Millisecond)
	got := make(chan []Type, 1)
	go func() {
		var seen []Type
		for {
			f, err := cb.Read()
			if err != nil {
				got <- seen
				return
			}
			seen = append(seen, f.Type)
		}
	}()
	time.Sleep(40 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v; want nil while the peer reads", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second stop() = %v; want nil", err)
	}
	ca.Send(TypeReady, Ready{Domid: 7})
	a.Close()
	seen := <-got
	if len(seen) < 2 || seen[len(seen)-1] != TypeReady {
		t.Fatalf("peer read %v; want some KEEPALIVEs, then READY last", seen)
	}
	for _, ty := range seen[:len(seen)-1] {
		if ty != TypeKeepalive {
			t.Fatalf("peer read %v; want only KEEPALIVEs before READY", seen)
		}
	}
}

func TestKeepaliveReportsDeadPeer(t *testing.T) {
	a, b := net.Pipe()
	b.Close()
	stop := NewConn(a).Keepalive(time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if err := stop(); err == nil {
		t.Fatal("stop() = nil; want the write error to the closed peer")
	}
}

func TestReadActiveSkipsKeepalives(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		c := NewConn(a)
		c.Send(TypeKeepalive, struct{}{})
		c.Send(TypeKeepalive, struct{}{})
		c.Send(TypeGo, struct{}{})
	}()
	calls := 0
	f, err := NewConn(b).ReadActive(func() { calls++ })
	if err != nil || f.Type != TypeGo || calls != 3 {
		t.Fatalf("ReadActive = %v, %v after %d deadline resets; want GO after 3", f.Type, err, calls)
	}
	a.Close()
	if _, err := NewConn(b).ReadActive(nil); err == nil {
		t.Fatal("ReadActive after the peer closed succeeded")
	}
}
