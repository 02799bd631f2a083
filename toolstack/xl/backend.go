package xl

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
)

// Options configure a Backend. The zero value drives the xl in $PATH and the
// local xenstored.
type Options struct {
	// XL is the xl binary; default "xl". Ignored when Runner is set.
	XL string
	// Runner runs xl; default ExecRunner{Path: XL}.
	Runner Runner
	// Xenstore opens the xenstore connection; default xenstore.Open. If it
	// fails the backend still works, without what only xenstore knows
	// (console tty, VNC port, device states, start times).
	Xenstore func() (*xenstore.Client, error)
	// ConfigDir holds the xl.cfg files handed to `xl create` while it
	// runs; default a private directory under os.TempDir().
	ConfigDir string
	// ImageDir holds the save images of outgoing migrations while they are
	// written and sent, and incoming streams that do not arrive as files;
	// default ConfigDir. Images are as large as the guest's memory.
	ImageDir string
	// Timeout bounds one ordinary xl call; default 60 s.
	Timeout time.Duration
	// LongTimeout bounds create, restore, save, dump-core and detach;
	// default 10 min.
	LongTimeout time.Duration
	// CacheTTL is how long one `xl list -l` answer serves DomainConfig
	// calls; every change made through the backend drops it. Default 1 s.
	CacheTTL time.Duration
	// NoMonitor runs `xl create -e`: no xl monitor process per domain, so
	// on_poweroff/on_reboot/on_crash are not acted on by xl.
	NoMonitor bool
	// Logf receives warnings (the xl monitor crash, fallbacks); default
	// discards them.
	Logf func(format string, args ...any)
}

// Backend implements toolstack.Toolstack on a real Xen host by running xl
// and reading xenstore. It is safe for concurrent use: commands that
// change one domain run one at a time per domain, and domain creation
// (create, restore, reset) runs one at a time per host.
type Backend struct {
	opts     Options
	run      Runner
	cfgDir   string
	imageDir string

	xsOnce sync.Once
	xs     *xenstore.Client
	xsErr  error

	hostMu  sync.Mutex // create, restore
	locksMu sync.Mutex
	locks   map[toolstack.Domid]*sync.Mutex

	cache   configCache
	unmon   unmonitored
	reaping sync.Mutex // one reap at a time

	schedMu   sync.Mutex
	schedName string // host scheduler, learnt from xl info
	nrCPUs    int    // host CPUs, learnt from xl info
	totalKB   uint64 // host memory, learnt from xl info
}

var _ toolstack.Toolstack = (*Backend)(nil)

// New returns a backend. It does not touch the host until the first call.
func New(opts Options) (*Backend, error) {
	if opts.XL == "" {
		opts.XL = "xl"
	}
	if opts.Runner == nil {
		opts.Runner = ExecRunner{Path: opts.XL}
	}
	if opts.Xenstore == nil {
		opts.Xenstore = xenstore.Open
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.LongTimeout == 0 {
		opts.LongTimeout = 10 * time.Minute
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	dir := opts.ConfigDir
	if dir == "" {
		d, err := os.MkdirTemp("", "xendshim-xl-")
		if err != nil {
			return nil, fmt.Errorf("xl backend: config directory: %w", err)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("xl backend: config directory: %w", err)
	}
	imageDir, err := filepath.Abs(cmp.Or(opts.ImageDir, dir))
	if err == nil {
		err = os.MkdirAll(imageDir, 0o700)
	}
	if err != nil {
		return nil, fmt.Errorf("xl backend: image directory: %w", err)
	}
	b := &Backend{opts: opts, run: opts.Runner, cfgDir: dir, imageDir: imageDir, locks: map[toolstack.Domid]*sync.Mutex{}}
	b.cache.ttl = opts.CacheTTL
	b.cache.fetch = b.fetchConfigs
	return b, nil
}

// Close releases the xenstore connection.
func (b *Backend) Close() error {
	if b.xs != nil {
		return b.xs.Close()
	}
	return nil
}

// store returns the xenstore client, or nil when xenstore is unreachable.
func (b *Backend) store() *xenstore.Client {
	b.xsOnce.Do(func() {
		b.xs, b.xsErr = b.opts.Xenstore()
		if b.xsErr != nil {
			b.opts.Logf("xl backend: working without xenstore: %v", b.xsErr)
		}
	})
	return b.xs
}

// xsRead reads a xenstore value, "" when absent or xenstore is unreachable.
func (b *Backend) xsRead(ctx context.Context, path string) string {
	xs := b.store()
	if xs == nil {
		return ""
	}
	v, err := xs.Read(ctx, path)
	if err != nil {
		return ""
	}
	return v
}

// exists returns ErrNotFound unless domain id is live. It asks xenstore
// (/local/domain/N/name, cheap) and falls back to `xl domid`.
func (b *Backend) exists(ctx context.Context, op string, id toolstack.Domid) error {
	if xs := b.store(); xs != nil {
		_, err := xs.Read(ctx, "/local/domain/"+did(id)+"/name")
		if err == nil {
			return nil
		}
		if xenstore.IsNotFound(err) {
			return fail(toolstack.ErrNotFound, op, id, "no domain with id %d", id)
		}
	}
	_, err := b.xl(ctx, op, id, "domid", did(id))
	return err
}

// domLock serialises changes to one domain.
func (b *Backend) domLock(id toolstack.Domid) func() {
	b.locksMu.Lock()
	m := b.locks[id]
	if m == nil {
		m = &sync.Mutex{}
		b.locks[id] = m
	}
	b.locksMu.Unlock()
	m.Lock()
	return m.Unlock
}

// xl runs one xl command with the ordinary timeout and turns a failure
// into a classed error for op on dom.
func (b *Backend) xl(ctx context.Context, op string, dom any, args ...string) (Result, error) {
	return b.xlT(ctx, b.opts.Timeout, op, dom, args...)
}

func (b *Backend) xlT(ctx context.Context, timeout time.Duration, op string, dom any, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := b.run.Run(ctx, args...)
	if err != nil {
		return res, &toolstack.Error{Op: op, Domain: domString(dom), Class: toolstack.ErrBadState,
			Detail: "xl did not complete", Cause: err}
	}
	if res.ExitCode != 0 {
		return res, classify(op, dom, args, res)
	}
	return res, nil
}

// change runs a mutating xl command on one domain under its lock and drops
// the config cache.
//
// xl takes a numeric domain id on trust: `xl pause 999` succeeds and `xl
// destroy 999` fails with a generic error. So the domain's existence is
// checked first, and a missing one is ErrNotFound.
func (b *Backend) change(ctx context.Context, op string, id toolstack.Domid, args ...string) error {
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	_, err := b.xl(ctx, op, id, args...)
	return err
}

func did(id toolstack.Domid) string { return strconv.FormatUint(uint64(id), 10) }

// configCache keeps the last `xl list -l` answer for a short time and
// shares one in-flight fetch between concurrent callers.
type configCache struct {
	ttl   time.Duration
	fetch func(context.Context) (map[toolstack.Domid]*toolstack.DomainConfig, error)

	mu       sync.Mutex
	gen      uint64
	at       time.Time
	atGen    uint64
	entries  map[toolstack.Domid]*toolstack.DomainConfig
	inflight *cacheCall
}

type cacheCall struct {
	gen     uint64
	done    chan struct{}
	entries map[toolstack.Domid]*toolstack.DomainConfig
	err     error
}

// invalidate drops the cached answer; fetches started before do not fill it.
func (c *configCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}

// start begins a fetch unless a current one is running; it returns the call.
func (c *configCache) start() *cacheCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil && c.inflight.gen == c.gen {
		return c.inflight
	}
	call := &cacheCall{gen: c.gen, done: make(chan struct{})}
	c.inflight = call
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		call.entries, call.err = c.fetch(ctx)
		c.mu.Lock()
		if call.err == nil && call.gen == c.gen {
			c.entries, c.at, c.atGen = call.entries, time.Now(), call.gen
		}
		if c.inflight == call {
			c.inflight = nil
		}
		c.mu.Unlock()
		close(call.done)
	}()
	return call
}

// get returns configs no older than ttl (or fresh ones when force).
func (c *configCache) get(ctx context.Context, force bool) (map[toolstack.Domid]*toolstack.DomainConfig, error) {
	c.mu.Lock()
	if !force && c.entries != nil && c.atGen == c.gen && time.Since(c.at) < c.ttl {
		e := c.entries
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	call := c.start()
	if force {
		// a fetch that began before this call may predate the change the
		// caller looks for; wait for it, then run a new one
		<-call.done
		c.invalidate()
		call = c.start()
	}
	select {
	case <-call.done:
		return call.entries, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
