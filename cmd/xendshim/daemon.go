package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// daemon runs the protocol servers on their listeners, replaces the
// listeners on SIGHUP and shuts everything down on SIGTERM.
type daemon struct {
	log     *slog.Logger
	servers map[string]protocolServer // by protocol

	mu    sync.Mutex
	bound []*binding
	wg    sync.WaitGroup
}

// binding is one listener being served.
type binding struct {
	ep        endpoint
	ln        net.Listener
	inherited bool        // from systemd: kept across SIGHUP
	closing   atomic.Bool // closed on purpose; Serve's error is expected
}

// start serves ln with its protocol's server.
func (d *daemon) start(b *binding) {
	srv := d.servers[b.ep.proto]
	d.mu.Lock()
	d.bound = append(d.bound, b)
	d.mu.Unlock()
	d.log.Info("listening", "listener", b.ep.name, "address", b.ep.addr, "tls", b.ep.tls != nil, "systemd", b.inherited)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		err := srv.Serve(b.ln)
		if !b.closing.Load() {
			d.log.Error("listener stopped", "listener", b.ep.name, "address", b.ep.addr, "err", err)
		}
	}()
}

// servable drops the endpoints whose protocol has no server, with a warning.
func (d *daemon) servable(eps []endpoint) []endpoint {
	var out []endpoint
	for _, ep := range eps {
		if d.servers[ep.proto] == nil {
			d.log.Warn("no server for this listener in this build; not listening", "listener", ep.name, "address", ep.addr)
			continue
		}
		out = append(out, ep)
	}
	return out
}

// open binds and serves eps. On error, what this call opened is closed
// again and the error returned.
func (d *daemon) open(eps []endpoint) error {
	var opened []*binding
	for _, ep := range d.servable(eps) {
		ln, err := ep.bind()
		if err != nil {
			for _, b := range opened {
				b.closing.Store(true)
				b.ln.Close()
			}
			return err
		}
		b := &binding{ep: ep, ln: ln}
		opened = append(opened, b)
	}
	for _, b := range opened {
		d.start(b)
	}
	return nil
}

// adopt serves sockets inherited from systemd.
func (d *daemon) adopt(acts []activatedEndpoint) {
	for _, a := range acts {
		if d.servers[a.ep.proto] == nil {
			d.log.Warn("no server for this systemd socket in this build; closing it", "listener", a.ep.name, "address", a.ep.addr)
			a.ln.Close()
			continue
		}
		d.start(&binding{ep: a.ep, ln: a.ln, inherited: true})
	}
}

// reopen closes the listeners xendshim bound itself and binds eps in their
// place, as xend did on SIGHUP; connections in flight and sockets inherited
// from systemd are kept. An endpoint that fails to bind is logged and left
// closed; the error lists every such failure.
func (d *daemon) reopen(eps []endpoint) error {
	d.mu.Lock()
	var keep, old []*binding
	for _, b := range d.bound {
		if b.inherited {
			keep = append(keep, b)
		} else {
			old = append(old, b)
		}
	}
	d.bound = keep
	d.mu.Unlock()
	for _, b := range old {
		b.closing.Store(true)
		b.ln.Close()
	}
	var errs []error
	for _, ep := range d.servable(eps) {
		if inheritedCovers(keep, ep) {
			continue
		}
		ln, err := ep.bind()
		if err != nil {
			d.log.Error("reopening listener failed; it stays closed", "listener", ep.name, "address", ep.addr, "err", err)
			errs = append(errs, err)
			continue
		}
		d.start(&binding{ep: ep, ln: ln})
	}
	return errors.Join(errs...)
}

// inheritedCovers reports whether a systemd socket already serves ep.
func inheritedCovers(keep []*binding, ep endpoint) bool {
	for _, b := range keep {
		if b.ep.name == ep.name {
			return true
		}
	}
	return false
}

// shutdown stops accepting, lets calls in flight finish until ctx ends,
// then closes what is left. It returns ctx's error if calls were cut off.
func (d *daemon) shutdown(ctx context.Context) error {
	d.mu.Lock()
	for _, b := range d.bound {
		b.closing.Store(true)
	}
	bound := d.bound
	d.bound = nil
	d.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for proto, srv := range d.servers {
		if srv == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				if c, ok := srv.(interface{ Close() error }); ok {
					c.Close()
				}
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", proto, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, b := range bound { // servers close their listeners; make sure
		b.ln.Close()
	}
	d.wg.Wait()
	return errors.Join(errs...)
}
