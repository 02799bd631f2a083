// Package chaos is a fault-injecting TCP proxy for migration tests (the
// xs-chaos of specs/migration.md §4.3): it relays one connection at a time
// between a client and a target and can cut (FIN or RST), stall, or flip a
// byte after a given number of bytes in either direction, and record what
// the client sent so a session can be replayed verbatim.
package chaos

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Dir is a direction of traffic.
type Dir int

// Directions.
const (
	Up   Dir = iota // client to target
	Down            // target to client
)

// Kind is a fault.
type Kind int

// Faults.
const (
	Cut   Kind = iota // close both sides (FIN)
	Reset             // close both sides with RST (linger 0)
	Stall             // stop relaying both ways (a black hole) until closed
	Flip              // invert the byte at offset After
	Drop              // accept, then close at once (After ignored)
)

// Fault fires once in Conn (1 = the first connection; 0 = every one) when
// Dir has carried After bytes.
type Fault struct {
	Conn  int
	Dir   Dir
	After int64
	Kind  Kind
}

// Proxy relays to Target with Faults applied.
type Proxy struct {
	// Target is the upstream address.
	Target string
	// Dial opens the upstream connection (default net.Dial "tcp").
	Dial func(addr string) (net.Conn, error)
	// Faults to inject; set before Serve, or change with SetFaults.
	Faults []Fault

	mu       sync.Mutex
	n        int
	recorded [][]byte
	counts   [][2]int64
	fired    []Fault
}

// Serve relays every accepted connection until ln is closed or ctx ends.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	go func() { <-ctx.Done(); ln.Close() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		p.mu.Lock()
		p.n++
		idx := p.n
		p.recorded = append(p.recorded, nil)
		p.counts = append(p.counts, [2]int64{})
		p.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.relay(ctx, idx, c)
		}()
	}
}

// SetFaults replaces the faults for connections accepted from now on.
func (p *Proxy) SetFaults(fs []Fault) {
	p.mu.Lock()
	p.Faults = fs
	p.mu.Unlock()
}

// SetTarget changes the upstream address for connections accepted from now
// on (a receiver restarted elsewhere).
func (p *Proxy) SetTarget(addr string) {
	p.mu.Lock()
	p.Target = addr
	p.mu.Unlock()
}

// Recorded returns what the client sent on connection n (1-based).
func (p *Proxy) Recorded(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.recorded) {
		return nil
	}
	return append([]byte(nil), p.recorded[n-1]...)
}

// Bytes returns how many bytes connection n carried each way.
func (p *Proxy) Bytes(n int) (up, down int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.counts) {
		return 0, 0
	}
	return p.counts[n-1][Up], p.counts[n-1][Down]
}

// Fired returns the faults that fired.
func (p *Proxy) Fired() []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Fault(nil), p.fired...)
}

func (p *Proxy) faultsFor(idx int, d Dir) []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Fault
	for _, f := range p.Faults {
		if (f.Conn == 0 || f.Conn == idx) && (f.Dir == d || f.Kind == Drop) {
			out = append(out, f)
		}
	}
	return out
}

func (p *Proxy) relay(ctx context.Context, idx int, client net.Conn) {
	defer client.Close()
	for _, f := range p.faultsFor(idx, Up) {
		if f.Kind == Drop {
			p.fire(f)
			return
		}
	}
	dial := p.Dial
	if dial == nil {
		dial = func(a string) (net.Conn, error) { return net.DialTimeout("tcp", a, 5*time.Second) }
	}
	p.mu.Lock()
	target := p.Target
	p.mu.Unlock()
	up, err := dial(target)
	if err != nil {
		return
	}
	defer up.Close()
	stalled := make(chan struct{})
	var stallOnce sync.Once
	closeAll := func(rst bool) {
		for _, c := range []net.Conn{client, up} {
			if tc, ok := c.(*net.TCPConn); ok && rst {
				tc.SetLinger(0)
			}
			c.Close()
		}
	}
	done := make(chan struct{}, 2)
	pump := func(dst, src net.Conn, d Dir) {
		defer func() { done <- struct{}{} }()
		faults := p.faultsFor(idx, d)
		var off int64
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			chunk := buf[:n]
			for len(chunk) > 0 {
				// Split the chunk at the next fault's offset.
				next := int64(len(chunk))
				var hit *Fault
				for i := range faults {
					f := &faults[i]
					if f.After >= off && f.After < off+next {
						next, hit = f.After-off, f
					}
				}
				if hit != nil && hit.Kind == Flip {
					next++ // the flipped byte goes through
				}
				part := chunk[:next]
				if hit != nil && hit.Kind == Flip {
					part[len(part)-1] ^= 0xFF
				}
				if len(part) > 0 {
					if d == Up {
						p.mu.Lock()
						p.recorded[idx-1] = append(p.recorded[idx-1], part...)
						p.mu.Unlock()
					}
					if _, werr := dst.Write(part); werr != nil {
						closeAll(false)
						return
					}
					p.mu.Lock()
					p.counts[idx-1][d] += int64(len(part))
					p.mu.Unlock()
				}
				off += int64(len(part))
				chunk = chunk[len(part):]
				if hit != nil {
					p.fire(*hit)
					faults = remove(faults, *hit)
					switch hit.Kind {
					case Cut:
						closeAll(false)
						return
					case Reset:
						closeAll(true)
						return
					case Stall:
						stallOnce.Do(func() { close(stalled) })
						<-ctx.Done()
						return
					}
				}
			}
			select {
			case <-stalled:
				<-ctx.Done()
				return
			default:
			}
			if err != nil {
				if err == io.EOF {
					if cw, ok := dst.(interface{ CloseWrite() error }); ok {
						cw.CloseWrite()
						return
					}
				}
				closeAll(false)
				return
			}
		}
	}
	go pump(up, client, Up)
	go pump(client, up, Down)
	<-done
	select {
	case <-done:
	case <-ctx.Done():
		closeAll(false)
		<-done
	}
}

func (p *Proxy) fire(f Fault) {
	p.mu.Lock()
	p.fired = append(p.fired, f)
	p.mu.Unlock()
}

func remove(fs []Fault, f Fault) []Fault {
	for i := range fs {
		if fs[i] == f {
			return append(fs[:i:i], fs[i+1:]...)
		}
	}
	return fs
}
