package xenstore

import (
	"context"
	"fmt"
	"sync"
)

// maxQueuedEvents bounds the events a watch keeps for a slow reader; past it
// the oldest are dropped (a watch event only says "look again").
const maxQueuedEvents = 1024

// Event is one watch firing: Path is the node that changed (at or below the
// watched path, or the special "@introduceDomain" / "@releaseDomain").
type Event struct {
	Path  string
	Token string
}

// Watch delivers the events of one registered xenstore watch. xenstored
// fires every watch once right after it is registered.
type Watch struct {
	c     *Client
	path  string
	token string
	ch    chan Event

	mu      sync.Mutex
	queue   []Event
	wake    chan struct{}
	stopped bool
	once    sync.Once
}

// Watch registers a watch on path (a node, or "@introduceDomain" /
// "@releaseDomain") and returns it. Close it when done.
func (c *Client) Watch(ctx context.Context, path string) (*Watch, error) {
	if err := checkPath(TypeWatch, path); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.nextToken++
	token := fmt.Sprintf("xendshim/%d", c.nextToken)
	w := &Watch{c: c, path: path, token: token, ch: make(chan Event), wake: make(chan struct{}, 1)}
	c.watches[token] = w
	c.mu.Unlock()
	go w.deliver()
	if _, err := c.request(ctx, 0, TypeWatch, path, joinNul(path, token)); err != nil {
		c.mu.Lock()
		delete(c.watches, token)
		c.mu.Unlock()
		w.stop()
		return nil, err
	}
	return w, nil
}

// Events returns the channel of events; it is closed by Close or when the
// connection ends.
func (w *Watch) Events() <-chan Event { return w.ch }

// Path returns the watched path.
func (w *Watch) Path() string { return w.path }

// Close unregisters the watch and closes its event channel.
func (w *Watch) Close() error {
	w.c.mu.Lock()
	_, live := w.c.watches[w.token]
	delete(w.c.watches, w.token)
	w.c.mu.Unlock()
	var err error
	if live {
		_, err = w.c.request(context.Background(), 0, TypeUnwatch, w.path, joinNul(w.path, w.token))
	}
	w.stop()
	return err
}

func (w *Watch) push(e Event) {
	w.mu.Lock()
	if !w.stopped {
		if len(w.queue) >= maxQueuedEvents {
			w.queue = w.queue[1:]
		}
		w.queue = append(w.queue, e)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Watch) stop() {
	w.once.Do(func() {
		w.mu.Lock()
		w.stopped = true
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	})
}

// deliver moves queued events to the unbuffered channel without ever
// blocking the client's read loop.
func (w *Watch) deliver() {
	defer close(w.ch)
	for {
		w.mu.Lock()
		if w.stopped {
			w.mu.Unlock()
			return
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			<-w.wake
			continue
		}
		e := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		select {
		case w.ch <- e:
		case <-w.wake:
			// woken while waiting: put the event back and re-check stopped
			w.mu.Lock()
			w.queue = append([]Event{e}, w.queue...)
			w.mu.Unlock()
		}
	}
}
