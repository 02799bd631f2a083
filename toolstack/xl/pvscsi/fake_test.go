package pvscsi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/xenstore"
	"github.com/xendshim/xendshim/xenstore/xenstoretest"
)

// fakeFS is configfs on a plain directory, with configfs's rules where the
// controller depends on them: rmdir of an object drops its attribute files
// and its (empty) default "lun" group but fails while it holds child
// objects or links; a nexus is set once and dropped by writing "NULL";
// reading an unset nexus fails with ENODEV. fail makes chosen operations
// fail ("mkdir:NAME", "write:NAME", "symlink:NAME", "remove:NAME", by base
// name).
type fakeFS struct {
	mu   sync.Mutex
	fail map[string]error
}

func (f *fakeFS) check(op, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err, ok := f.fail[op+":"+filepath.Base(path)]; ok {
		delete(f.fail, op+":"+filepath.Base(path))
		return &fs.PathError{Op: op, Path: path, Err: err}
	}
	return nil
}

func (f *fakeFS) failOnce(key string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]error{}
	}
	f.fail[key] = err
}

func (f *fakeFS) MkdirAll(path string) error {
	if err := f.check("mkdir", path); err != nil {
		return err
	}
	return os.MkdirAll(path, 0o755)
}

func (f *fakeFS) WriteAttr(path, value string) error {
	if err := f.check("write", path); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return err
	}
	if filepath.Base(path) == "nexus" {
		cur, _ := os.ReadFile(path)
		if value == "NULL" {
			if len(cur) == 0 {
				return &fs.PathError{Op: "write", Path: path, Err: syscall.ENODEV}
			}
			return os.WriteFile(path, nil, 0o644)
		}
		if len(cur) > 0 {
			return &fs.PathError{Op: "write", Path: path, Err: syscall.EEXIST}
		}
	}
	return os.WriteFile(path, []byte(value), 0o644)
}

func (f *fakeFS) ReadAttr(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && filepath.Base(path) == "nexus" && len(b) == 0 {
		return "", &fs.PathError{Op: "read", Path: path, Err: syscall.ENODEV}
	}
	return strings.TrimSpace(string(b)), err
}

func (f *fakeFS) Symlink(target, link string) error {
	if err := f.check("symlink", link); err != nil {
		return err
	}
	return os.Symlink(target, link)
}

func (f *fakeFS) Remove(path string) error {
	if err := f.check("remove", path); err != nil {
		return err
	}
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return os.Remove(path)
	}
	ents, _ := os.ReadDir(path)
	for _, e := range ents {
		p := filepath.Join(path, e.Name())
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			return &fs.PathError{Op: "rmdir", Path: path, Err: syscall.ENOTEMPTY}
		case e.IsDir():
			if sub, _ := os.ReadDir(p); e.Name() != "lun" || len(sub) > 0 {
				return &fs.PathError{Op: "rmdir", Path: path, Err: syscall.ENOTEMPTY}
			}
		}
	}
	return os.RemoveAll(path)
}

func (f *fakeFS) Exists(path string) bool { _, err := os.Lstat(path); return err == nil }

func (f *fakeFS) ReadDir(path string) ([]string, error) { return OSFS{}.ReadDir(path) }

// env is one test host: fake configfs, sysfs, /dev, journal and xenstore
// with guest domain 5 running.
type env struct {
	t         *testing.T
	root      string // fake configfs root
	sys, dev  string
	state     string
	fs        *fakeFS
	srv       *xenstoretest.Server
	xs        *xenstore.Client
	c         *Controller
	drivers   *fakeDrivers
	cancelDrv context.CancelFunc
}

const testDomid = 5

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, root: filepath.Join(dir, "config"), sys: filepath.Join(dir, "sys"), dev: filepath.Join(dir, "dev"),
		state: filepath.Join(dir, "state"), fs: &fakeFS{}}
	for _, d := range []string{filepath.Join(e.root, "target", "core"), filepath.Join(e.root, "target", fabric), e.dev,
		filepath.Join(e.sys, "bus", "scsi", "devices", "2:0:0:0", "block", "sdb"),
		filepath.Join(e.sys, "bus", "scsi", "devices", "2:0:1:0", "block", "sdc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"sdb", "sdc"} {
		if err := os.WriteFile(filepath.Join(e.dev, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "lun.img"), make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv = xenstoretest.NewServer()
	t.Cleanup(e.srv.Close)
	e.srv.Set("/local/domain/0/name", "Domain-0")
	e.srv.Set(fmt.Sprintf("/local/domain/%d/name", testDomid), "guest")
	e.srv.Set(fmt.Sprintf("/local/domain/%d/vm", testDomid), "/vm/00000000-0000-0000-0000-000000000005")
	e.xs = xenstore.NewClient(e.srv.Pipe())
	t.Cleanup(func() { e.xs.Close() })
	e.c = e.controller(e.xs)
	return e
}

func (e *env) controller(xs *xenstore.Client) *Controller {
	c, err := New(Options{Xenstore: xs, ConfigFS: e.root, FS: e.fs, SysFS: e.sys, DevDir: e.dev, StateDir: e.state,
		Timeout: 2 * time.Second, Poll: 2 * time.Millisecond, FrontendGrace: 300 * time.Millisecond, Logf: e.t.Logf})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) file() string { return filepath.Join(filepath.Dir(e.root), "lun.img") }

// startDrivers runs fake xen-scsiback (and xen-scsifront if guest) until
// the test ends.
func (e *env) startDrivers(guest bool) *fakeDrivers {
	ctx, cancel := context.WithCancel(context.Background())
	xs := xenstore.NewClient(e.srv.Pipe())
	d := &fakeDrivers{xs: xs, root: e.root, guest: guest, seen: map[string]bool{}, refuse: map[string]bool{}}
	done := make(chan struct{})
	go func() { defer close(done); d.run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done; xs.Close() })
	e.drivers = d
	return d
}

// ourObjects lists xendshim's objects left in the fake configfs.
func (e *env) ourObjects() []string {
	var out []string
	for _, t := range (configfs{fs: e.fs, root: e.root}).orphans() {
		out = append(out, t.Tag)
	}
	return out
}

func (e *env) journal() []*Entry {
	l, err := journal{dir: e.state}.list()
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// fakeDrivers plays xen-scsiback and (if guest) xen-scsifront over
// xenstore, following their state machines (vscsiif.h; drivers/xen/
// xen-scsiback.c, drivers/scsi/xen-scsifront.c): probe to InitWait, the
// connect handshake, LUN hot-plug through Reconfiguring/Reconfigured and
// close. A LUN is added only if its p-dev names a port in configfs with a
// LUN link and a nexus, as scsiback requires.
type fakeDrivers struct {
	xs     *xenstore.Client
	root   string
	guest  bool
	mu     sync.Mutex
	seen   map[string]bool // "devid/C:T:L" the guest has as a disk
	refuse map[string]bool // v-devs scsiback refuses
	off    bool            // scsiback not loaded: never answers
}

func (d *fakeDrivers) disks() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for k := range d.seen {
		out = append(out, k)
	}
	return out
}

func (d *fakeDrivers) run(ctx context.Context) {
	for ctx.Err() == nil {
		time.Sleep(time.Millisecond)
		d.mu.Lock()
		off, guest := d.off, d.guest
		d.mu.Unlock()
		if off {
			continue
		}
		doms, _ := d.xs.Directory(ctx, "/local/domain/0/backend/vscsi")
		for _, dom := range doms {
			devs, _ := d.xs.Directory(ctx, "/local/domain/0/backend/vscsi/"+dom)
			for _, dev := range devs {
				d.step(ctx, "/local/domain/0/backend/vscsi/"+dom+"/"+dev, dev, guest)
			}
		}
	}
}

func (d *fakeDrivers) step(ctx context.Context, be, devid string, guest bool) {
	rd := func(p string) int { return readState(ctx, d.xs, p) }
	// like xenbus_switch_state: write a state only where one exists, so
	// a driver never re-creates a directory the toolstack removed
	wr := func(p string, v int) {
		_ = d.xs.Transaction(ctx, func(tx *xenstore.Tx) error {
			if _, err := tx.Read(p); err != nil {
				return nil
			}
			return tx.Write(p, strconv.Itoa(v))
		})
	}
	fe, _ := d.xs.Read(ctx, be+"/frontend")
	if fe == "" {
		return
	}
	bs, fs := rd(be+"/state"), rd(fe+"/state")
	luns, _ := d.xs.Directory(ctx, be+"/vscsi-devs")
	lunDo := func(from, to int, guest func(vdev string)) {
		for _, n := range luns {
			p := be + "/vscsi-devs/" + n
			if rd(p+"/state") != from {
				continue
			}
			v, _ := d.xs.Read(ctx, p+"/v-dev")
			nt := to
			if from == stInitialising && !d.exported(ctx, p, v) {
				nt = stClosed
			}
			if guest != nil {
				guest(v)
			}
			wr(p+"/state", nt)
		}
	}
	gadd := func(v string) { d.mu.Lock(); d.seen[devid+"/"+v[strings.IndexByte(v, ':')+1:]] = true; d.mu.Unlock() }
	gdel := func(v string) { d.mu.Lock(); delete(d.seen, devid+"/"+v[strings.IndexByte(v, ':')+1:]); d.mu.Unlock() }
	switch {
	case bs == stInitialising:
		wr(be+"/state", stInitWait)
	case bs == stClosing:
		if guest && fs >= stInitialised && fs != stClosed {
			d.mu.Lock()
			for k := range d.seen {
				if strings.HasPrefix(k, devid+"/") {
					delete(d.seen, k)
				}
			}
			d.mu.Unlock()
			wr(fe+"/state", stClosed)
		}
		wr(be+"/state", stClosed)
	case !guest:
	case bs == stInitWait && fs == stInitialising:
		wr(fe+"/state", stInitialised)
	case bs == stInitWait && fs == stInitialised:
		lunDo(stInitialising, stInitialised, nil)
		wr(be+"/state", stConnected)
	case bs == stConnected && fs == stInitialised:
		lunDo(stInitialised, stInitialised, gadd)
		wr(fe+"/state", stConnected)
	case bs == stConnected && fs == stConnected:
		lunDo(stInitialised, stConnected, nil)
	case bs == stReconfig && fs == stConnected:
		lunDo(stClosing, stClosing, gdel)
		wr(fe+"/state", stReconfig)
	case bs == stReconfig && fs == stReconfig:
		lunDo(stInitialising, stInitialised, nil)
		lunDo(stClosing, stClosed, nil)
		wr(be+"/state", stReconfig+1)
	case bs == stReconfig+1 && fs == stReconfig:
		lunDo(stInitialised, stInitialised, gadd)
		wr(fe+"/state", stConnected)
	case bs == stReconfig+1 && fs == stConnected:
		lunDo(stInitialised, stConnected, nil)
		wr(be+"/state", stConnected)
	}
}

// exported reports whether scsiback would find the LUN's p-dev.
func (d *fakeDrivers) exported(ctx context.Context, p, vdev string) bool {
	d.mu.Lock()
	refused := d.refuse[vdev]
	d.mu.Unlock()
	if refused {
		return false
	}
	pdev, _ := d.xs.Read(ctx, p+"/p-dev")
	wwn, lun, ok := strings.Cut(pdev, ":")
	if !ok || lun != "0" {
		return false
	}
	tpg := filepath.Join(d.root, "target", fabric, wwn, tpgDir)
	nexus, _ := os.ReadFile(filepath.Join(tpg, "nexus"))
	_, err := os.Readlink(filepath.Join(tpg, "lun", lunDir, lunLink))
	return err == nil && len(nexus) > 0
}

var errInjected = errors.New("injected fault")
