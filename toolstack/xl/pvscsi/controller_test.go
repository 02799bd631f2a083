package pvscsi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
)

func lunsOf(pairs ...string) []toolstack.VSCSILUN {
	var l []toolstack.VSCSILUN
	for i := 0; i+1 < len(pairs); i += 2 {
		l = append(l, toolstack.VSCSILUN{PDev: pairs[i], VDev: pairs[i+1]})
	}
	return l
}

func (e *env) get(path string) string {
	v, _ := e.srv.Get(path)
	return v
}

func (e *env) has(path string) bool {
	_, ok := e.srv.Get(path)
	return ok
}

// TestAttachDetachWithGuest walks xm's scsi-attach / scsi-list /
// scsi-detach through a guest running a frontend: a new controller with
// an iblock LUN (given as H:C:T:L), a hot-plugged fileio LUN, detaching
// one LUN and then the last, which removes the controller.
func TestAttachDetachWithGuest(t *testing.T) {
	e := newEnv(t)
	d := e.startDrivers(true)
	ctx := context.Background()
	be := backendPath(testDomid, 0)
	fe := frontendPath(testDomid, 0)

	ref, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: -1, LUNs: lunsOf("2:0:0:0", "0:0:0:0")})
	if err != nil {
		t.Fatalf("Attach = %v", err)
	}
	if ref.Class != toolstack.ClassVSCSI || ref.Devid != 0 {
		t.Errorf("Attach ref = %+v; want vscsi 0", ref)
	}
	j := e.journal()
	if len(j) != 1 || j[0].Phase != PhaseExported {
		t.Fatalf("journal = %+v; want one exported LUN", j)
	}
	tg := j[0].Target
	store := tg.store(e.root)
	for path, want := range map[string]string{
		filepath.Join(store, "control"):        "udev_path=" + filepath.Join(e.dev, "sdb"),
		filepath.Join(store, "enable"):         "1",
		filepath.Join(tg.tpg(e.root), "nexus"): tg.wwn(),
		be + "/frontend":                       fe,
		be + "/frontend-id":                    "5",
		be + "/online":                         "1",
		be + "/feature-host":                   "0",
		be + "/vscsi-devs/dev-0/p-dev":         tg.wwn() + ":0",
		be + "/vscsi-devs/dev-0/p-devname":     "sdb",
		be + "/vscsi-devs/dev-0/v-dev":         "0:0:0:0",
		be + "/vscsi-devs/dev-0/state":         "4",
		be + "/state":                          "4",
		fe + "/backend":                        be,
		fe + "/backend-id":                     "0",
		fe + "/state":                          "4",
	} {
		got := ""
		if strings.HasPrefix(path, "/local/") {
			got = e.get(path)
		} else {
			b, _ := os.ReadFile(path)
			got = string(b)
		}
		if got != want {
			t.Errorf("%s = %q; want %q", path, got, want)
		}
	}
	if link, err := os.Readlink(filepath.Join(tg.lun(e.root), lunLink)); err != nil || link != store {
		t.Errorf("LUN link = %q, %v; want %q", link, err, store)
	}
	if !slices.Equal(d.disks(), []string{"0/0:0:0"}) {
		t.Errorf("guest disks = %v; want [0/0:0:0]", d.disks())
	}

	// hot-plug a file-backed LUN into the connected controller
	if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf(e.file(), "0:0:1:0")}); err != nil {
		t.Fatalf("hot-plug Attach = %v", err)
	}
	if got := e.get(be + "/vscsi-devs/dev-1/state"); got != "4" {
		t.Errorf("hot-plugged LUN state = %q; want 4", got)
	}
	j = e.journal()
	if len(j) != 2 || j[1].Target.Kind != KindFile {
		t.Fatalf("journal after hot-plug = %+v", j)
	}
	if b, _ := os.ReadFile(filepath.Join(j[1].Target.store(e.root), "control")); string(b) != "fd_dev_name="+e.file()+",fd_dev_size=4096" {
		t.Errorf("fileio control = %q", b)
	}
	devs, err := e.c.List(ctx, testDomid)
	if err != nil || len(devs) != 1 {
		t.Fatalf("List = %+v, %v; want one controller", devs, err)
	}
	v := devs[0].Config.VSCSI
	wantLUNs := []toolstack.VSCSILUN{{PDev: "2:0:0:0", PDevname: "sdb", VDev: "0:0:0:0"}, {PDev: e.file(), PDevname: e.file(), VDev: "0:0:1:0"}}
	if !slices.Equal(v.LUNs, wantLUNs) || devs[0].BackendState != toolstack.XenbusConnected || devs[0].FrontendState != toolstack.XenbusConnected {
		t.Errorf("List = %+v %v/%v; want LUNs %+v, Connected/Connected", v.LUNs, devs[0].BackendState, devs[0].FrontendState, wantLUNs)
	}
	if st, _ := devs[0].Backend.Get("vscsi-devs/dev-1/state"); st != "4" {
		t.Errorf("List backend vscsi-devs/dev-1/state = %q; want 4", st)
	}
	// xend's records and scsi-list show p-dev as it was asked for, not
	// scsiback's target name (found in xenlab: the record said naa.…:0).
	if pd, _ := devs[0].Backend.Get("vscsi-devs/dev-0/p-dev"); pd != "2:0:0:0" {
		t.Errorf("List backend vscsi-devs/dev-0/p-dev = %q; want 2:0:0:0 (as asked)", pd)
	}

	// detach the file LUN: the controller stays
	if err := e.c.Detach(ctx, testDomid, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 0, Sub: "0:0:1:0"}, false); err != nil {
		t.Fatalf("Detach LUN = %v", err)
	}
	if e.has(be+"/vscsi-devs/dev-1") || !e.has(be+"/vscsi-devs/dev-0") || e.get(be+"/state") != "4" {
		t.Errorf("after LUN detach: dev-1 present %v, dev-0 present %v, state %q", e.has(be+"/vscsi-devs/dev-1"), e.has(be+"/vscsi-devs/dev-0"), e.get(be+"/state"))
	}
	if !slices.Equal(d.disks(), []string{"0/0:0:0"}) || len(e.ourObjects()) != 1 || len(e.journal()) != 1 {
		t.Errorf("after LUN detach: guest %v, configfs %v, journal %d", d.disks(), e.ourObjects(), len(e.journal()))
	}

	// detaching the last LUN removes the controller
	if err := e.c.Detach(ctx, testDomid, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 0, Sub: "0:0:0:0"}, false); err != nil {
		t.Fatalf("Detach last LUN = %v", err)
	}
	if e.has(be) || e.has(fe) || e.has(backendPath(testDomid, 0)[:len(be)-2]) {
		t.Errorf("controller left in xenstore: %v %v", e.has(be), e.has(fe))
	}
	if len(d.disks()) != 0 || len(e.ourObjects()) != 0 || len(e.journal()) != 0 {
		t.Errorf("after last detach: guest %v, configfs %v, journal %d; want all empty", d.disks(), e.ourObjects(), len(e.journal()))
	}
}

// TestAttachPausedGuest: with no frontend yet (a paused, just created
// guest), attach returns once scsiback is waiting; the guest connects
// later and gets the LUN; detach of a whole controller needs no guest.
func TestAttachPausedGuest(t *testing.T) {
	e := newEnv(t)
	d := e.startDrivers(false)
	ctx := context.Background()
	be := backendPath(testDomid, 1)
	if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 1, LUNs: lunsOf("/dev/sdb", "1:0:0:0", "sdc", "1:0:0:1")}); err != nil {
		t.Fatalf("Attach = %v", err)
	}
	if got := e.get(be + "/state"); got != "2" {
		t.Errorf("backend state = %q; want 2 (InitWait)", got)
	}
	if e.get(be+"/vscsi-devs/dev-1/p-devname") != "sdc" {
		t.Errorf("second LUN p-devname = %q", e.get(be+"/vscsi-devs/dev-1/p-devname"))
	}
	d.mu.Lock()
	d.guest = true // the guest runs and its frontend connects
	d.mu.Unlock()
	ok, _ := waitFor(ctx, 2*time.Second, time.Millisecond, func() (bool, error) { return len(d.disks()) == 2, nil })
	if !ok {
		t.Fatalf("guest disks = %v; want 2 after it connected", d.disks())
	}
	if err := e.c.Detach(ctx, testDomid, toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 1}, false); err != nil {
		t.Fatalf("Detach controller = %v", err)
	}
	if e.has(be) || len(e.ourObjects()) != 0 || len(e.journal()) != 0 || len(d.disks()) != 0 {
		t.Errorf("after detach: backend %v, configfs %v, journal %d, guest %v", e.has(be), e.ourObjects(), len(e.journal()), d.disks())
	}
}

// TestAttachRefused: requests that are wrong change nothing.
func TestAttachRefused(t *testing.T) {
	e := newEnv(t)
	e.startDrivers(true)
	ctx := context.Background()
	if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:0:0", "0:0:0:0")}); err != nil {
		t.Fatal(err)
	}
	before := e.journal()
	tests := []struct {
		name  string
		domid uint32
		dev   toolstack.DeviceVSCSI
		class error
	}{
		{"dom0", 0, toolstack.DeviceVSCSI{LUNs: lunsOf("2:0:1:0", "0:0:0:1")}, toolstack.ErrInvalid},
		{"feature-host", testDomid, toolstack.DeviceVSCSI{FeatureHost: true, LUNs: lunsOf("2:0:1:0", "0:0:0:1")}, toolstack.ErrUnsupported},
		{"driver domain", testDomid, toolstack.DeviceVSCSI{BackendDomid: 3, LUNs: lunsOf("2:0:1:0", "0:0:0:1")}, toolstack.ErrUnsupported},
		{"no LUNs", testDomid, toolstack.DeviceVSCSI{}, toolstack.ErrInvalid},
		{"v-dev not HCTL", testDomid, toolstack.DeviceVSCSI{LUNs: lunsOf("2:0:1:0", "0:0:1")}, toolstack.ErrInvalid},
		{"v-dev twice", testDomid, toolstack.DeviceVSCSI{Devid: 2, LUNs: lunsOf("2:0:1:0", "2:0:0:1", e.file(), "2:0:0:1")}, toolstack.ErrInvalid},
		{"v-dev taken", testDomid, toolstack.DeviceVSCSI{LUNs: lunsOf("2:0:1:0", "0:0:0:0")}, toolstack.ErrExists},
		{"p-dev taken", testDomid, toolstack.DeviceVSCSI{Devid: 3, LUNs: lunsOf("/dev/sdb", "3:0:0:0")}, toolstack.ErrExists},
		{"p-dev twice", testDomid, toolstack.DeviceVSCSI{Devid: 3, LUNs: lunsOf("sdc", "3:0:0:0", "2:0:1:0", "3:0:0:1")}, toolstack.ErrInvalid},
		{"no such HCTL", testDomid, toolstack.DeviceVSCSI{LUNs: lunsOf("9:0:0:0", "0:0:0:1")}, toolstack.ErrNotFound},
		{"no such device", testDomid, toolstack.DeviceVSCSI{LUNs: lunsOf("/dev/sdz", "0:0:0:1")}, toolstack.ErrNotFound},
		{"relative path", testDomid, toolstack.DeviceVSCSI{LUNs: lunsOf("x/y", "0:0:0:1")}, toolstack.ErrNotFound},
		{"no such domain", 77, toolstack.DeviceVSCSI{LUNs: lunsOf("2:0:1:0", "0:0:0:1")}, toolstack.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.Attach(ctx, tt.domid, tt.dev)
			if !errors.Is(err, tt.class) {
				t.Fatalf("Attach(%s) = %v; want class %v", tt.name, err, tt.class)
			}
			if got := e.journal(); len(got) != len(before) || len(e.ourObjects()) != 1 {
				t.Errorf("Attach(%s) left journal %d, configfs %v; want unchanged", tt.name, len(got), e.ourObjects())
			}
			if e.get(backendPath(testDomid, 0)+"/state") != "4" || e.has(backendPath(testDomid, 0)+"/vscsi-devs/dev-1") {
				t.Errorf("Attach(%s) changed controller 0", tt.name)
			}
		})
	}
}

// TestAttachUndoesFailedStep: a failure at any step of attach leaves no
// kernel object, journal record or xenstore node behind.
func TestAttachUndoesFailedStep(t *testing.T) {
	tests := []struct {
		name   string
		hotadd bool // into a connected controller
		setup  func(e *env)
		class  error
	}{
		{"target LUN mkdir", false, func(e *env) { e.fs.failOnce("mkdir:"+lunDir, errInjected) }, toolstack.ErrBadState},
		{"enable backstore", false, func(e *env) { e.fs.failOnce("write:enable", syscall.EINVAL) }, toolstack.ErrBadState},
		{"LUN link", false, func(e *env) { e.fs.failOnce("symlink:"+lunLink, syscall.ENODEV) }, toolstack.ErrBadState},
		{"nexus", false, func(e *env) { e.fs.failOnce("write:nexus", syscall.ENOMEM) }, toolstack.ErrBadState},
		{"second LUN's target", false, func(e *env) { e.fs.failOnce("write:control", syscall.EINVAL) }, toolstack.ErrBadState},
		{"xenstore permissions", false, func(e *env) { e.srv.FailNext(xenstore.TypeSetPerms, "EACCES") }, toolstack.ErrBadState},
		{"scsiback refuses LUN", false, func(e *env) { e.drivers.refuse["0:0:0:1"] = true }, toolstack.ErrBadState},
		{"scsiback not loaded", false, func(e *env) { e.drivers.off = true }, toolstack.ErrBadState},
		{"hot-plug refused", true, func(e *env) { e.drivers.refuse["0:0:0:1"] = true }, toolstack.ErrBadState},
		{"hot-plug xenstore write", true, func(e *env) { e.srv.FailNext(xenstore.TypeWrite, "ENOSPC") }, toolstack.ErrBadState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.c.opts.Timeout = 300 * time.Millisecond
			e.startDrivers(true)
			ctx := context.Background()
			luns := lunsOf("2:0:0:0", "0:0:0:0", e.file(), "0:0:0:1")
			wantObjects, wantJournal := 0, 0
			if tt.hotadd {
				if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: luns[:1]}); err != nil {
					t.Fatal(err)
				}
				luns, wantObjects, wantJournal = luns[1:], 1, 1
			}
			e.drivers.mu.Lock()
			tt.setup(e)
			e.drivers.mu.Unlock()
			_, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: luns})
			if !errors.Is(err, tt.class) {
				t.Fatalf("Attach with %s failing = %v; want class %v", tt.name, err, tt.class)
			}
			if got := e.ourObjects(); len(got) != wantObjects {
				t.Errorf("configfs after failed attach = %v; want %d objects", got, wantObjects)
			}
			if got := e.journal(); len(got) != wantJournal {
				t.Errorf("journal after failed attach = %d records; want %d", len(got), wantJournal)
			}
			be := backendPath(testDomid, 0)
			if tt.hotadd {
				if e.has(be+"/vscsi-devs/dev-1") || e.get(be+"/vscsi-devs/dev-0/state") != "4" {
					t.Errorf("hot-plug failure: dev-1 present %v, dev-0 state %q", e.has(be+"/vscsi-devs/dev-1"), e.get(be+"/vscsi-devs/dev-0/state"))
				}
			} else if e.has(be) || e.has(frontendPath(testDomid, 0)) {
				t.Errorf("controller left in xenstore after failed attach")
			}
		})
	}
}

// TestDetachErrors: unknown controllers and LUNs, and controllers
// xendshim did not make.
func TestDetachErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.srv.Set(backendPath(testDomid, 4)+"/state", "4")
	tests := []struct {
		name  string
		ref   toolstack.DeviceRef
		class error
	}{
		{"no controller", toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 9}, toolstack.ErrNotFound},
		{"no LUN", toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 9, Sub: "0:0:0:0"}, toolstack.ErrNotFound},
		{"bad v-dev", toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 0, Sub: "0:0"}, toolstack.ErrInvalid},
		{"not ours", toolstack.DeviceRef{Class: toolstack.ClassVSCSI, Devid: 4}, toolstack.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.c.Detach(ctx, testDomid, tt.ref, false); !errors.Is(err, tt.class) {
				t.Errorf("Detach(%+v) = %v; want class %v", tt.ref, err, tt.class)
			}
		})
	}
	if e.get(backendPath(testDomid, 4)+"/state") != "4" {
		t.Errorf("Detach touched a controller xendshim did not make")
	}
}

// TestDomainGone: destroying the guest tears its LUNs down, through
// DomainGone and through Watch (@releaseDomain).
func TestDomainGone(t *testing.T) {
	for _, viaWatch := range []bool{false, true} {
		name := map[bool]string{false: "DomainGone", true: "Watch"}[viaWatch]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.startDrivers(true)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:0:0", "0:0:0:0", "2:0:1:0", "0:0:0:1")}); err != nil {
				t.Fatal(err)
			}
			watchDone := make(chan error, 1)
			if viaWatch {
				go func() { watchDone <- e.c.Watch(ctx) }()
			}
			e.srv.Remove("/local/domain/5") // the toolstack destroyed the domain
			if viaWatch {
				time.Sleep(20 * time.Millisecond) // let the watch register (it fires once at once)
				e.srv.Fire("@releaseDomain")
				ok, _ := waitFor(ctx, 3*time.Second, 2*time.Millisecond, func() (bool, error) { return len(e.journal()) == 0, nil })
				if !ok {
					t.Fatalf("Watch did not tear down: journal %d", len(e.journal()))
				}
			} else if err := e.c.DomainGone(ctx, testDomid); err != nil {
				t.Fatalf("DomainGone = %v", err)
			}
			if len(e.ourObjects()) != 0 || e.has(backendPath(testDomid, 0)) {
				t.Errorf("after the domain went: configfs %v, backend present %v", e.ourObjects(), e.has(backendPath(testDomid, 0)))
			}
			cancel()
			if viaWatch {
				if err := <-watchDone; err != nil {
					t.Errorf("Watch = %v", err)
				}
			}
		})
	}
}

// TestReconcileKeepsAndSweeps: Reconcile keeps the LUNs of live domains,
// tears down those of a domain that is gone, and removes xendshim-named
// kernel objects no journal record knows.
func TestReconcileKeepsAndSweeps(t *testing.T) {
	e := newEnv(t)
	e.startDrivers(true)
	ctx := context.Background()
	e.srv.Set("/local/domain/6/vm", "/vm/6")
	if _, err := e.c.Attach(ctx, testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:0:0", "0:0:0:0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Attach(ctx, 6, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:1:0", "0:0:0:0")}); err != nil {
		t.Fatal(err)
	}
	e.srv.Set("/local/domain/6/vm", "/vm/another") // domid 6 now names another domain
	orphan := target{Kind: KindFile, Path: e.file(), Size: 4096, Tag: "abcdef"}
	if err := (configfs{fs: e.fs, root: e.root}).create(orphan); err != nil {
		t.Fatal(err)
	}
	rep, err := e.controller(e.xs).Reconcile(ctx)
	if err != nil {
		t.Fatalf("Reconcile = %v", err)
	}
	if len(rep.Kept) != 1 || len(rep.Gone) != 1 || !slices.Equal(rep.Orphans, []string{wwnPrefix + "abcdef"}) || len(rep.Undone)+len(rep.Finished) != 0 {
		t.Errorf("Reconcile report = %+v; want 1 kept, 1 gone, the orphan", rep)
	}
	if got := e.ourObjects(); len(got) != 1 || len(e.journal()) != 1 || e.has(backendPath(6, 0)) || e.get(backendPath(testDomid, 0)+"/state") != "4" {
		t.Errorf("after Reconcile: configfs %v, journal %d, domain 6 backend %v", got, len(e.journal()), e.has(backendPath(6, 0)))
	}
}

func TestParseHCTL(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"0:0:0:0", "0:0:0:0", true}, {"1:2:3:4", "1:2:3:4", true}, {"01:0:0:7", "1:0:0:7", true},
		{"0:0:0", "", false}, {"a:0:0:0", "", false}, {"0:0:0:0:0", "", false}, {"", "", false}, {"-1:0:0:0", "", false},
	}
	for _, tt := range tests {
		h, err := ParseHCTL(tt.in)
		if (err == nil) != tt.ok || (tt.ok && h.String() != tt.want) {
			t.Errorf("ParseHCTL(%q) = %v, %v; want %q ok=%v", tt.in, h, err, tt.want, tt.ok)
		}
	}
}

func TestJournalRejectsForeignFile(t *testing.T) {
	dir := t.TempDir()
	j := journal{dir: dir}
	if err := j.put(&Entry{Domid: 1, Target: target{Tag: "000001"}, Phase: PhaseExported}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := j.list()
	if len(l) != 1 || err == nil || !strings.Contains(err.Error(), "junk.json") {
		t.Errorf("list = %d records, %v; want 1 and an error naming junk.json", len(l), err)
	}
}
