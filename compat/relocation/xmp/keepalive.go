package xmp

import (
	"sync"
	"time"
)

// Keepalive sends a KEEPALIVE frame on c every interval until stop is
// called, so that the peer's idle timer does not fire while this side does
// slow local work (each write bounded by c.WriteTimeout). Nothing else may
// write to c until stop returns. stop waits for the sender to finish and
// returns the first write error (the peer is gone); the caller's next
// write would fail the same way.
func (c *Conn) Keepalive(interval time.Duration) (stop func() error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var err error
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err = c.Send(TypeKeepalive, struct{}{}); err != nil {
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() { close(done); wg.Wait() })
		return err
	}
}

// ReadActive reads the next frame that is not a KEEPALIVE, calling before
// ahead of every read (to restart an idle deadline: each KEEPALIVE shows
// the peer is alive).
func (c *Conn) ReadActive(before func()) (Frame, error) {
	for {
		if before != nil {
			before()
		}
		f, err := c.Read()
		if err != nil || f.Type != TypeKeepalive {
			return f, err
		}
	}
}
