package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

func testConfig(name string) *toolstack.DomainConfig {
	return &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
		BInfo: toolstack.BuildInfo{
			MaxVCPUs: 2, MaxMemKB: 131072, TargetMemKB: 65536,
			Kernel: "/var/lib/xen/boot/vmlinuz-guest", PV: &toolstack.BuildInfoPV{},
		},
	}
}

// snapshot renders everything a client can observe, for comparison.
func snapshot(t *testing.T, s *Sim) string {
	t.Helper()
	ctx := context.Background()
	doms, err := s.ListDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, d := range doms {
		cfg, err := s.DomainConfig(ctx, d.Domid)
		if err != nil {
			t.Fatal(err)
		}
		devs, err := s.Devices(ctx, d.Domid, "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d, cfg, devs)
	}
	h, err := s.HostInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dm, _ := s.Dmesg(ctx, false)
	out = append(out, h, dm)
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixedClock never moves.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestRestartFindsSameState(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{StateDir: dir, Profile: DefaultProfile(), Clock: fixedClock{time.Unix(1795547903, 0).UTC()}, Seed: 3}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Create(ctx, testConfig("a"))
	b, _ := s.Create(ctx, testConfig("b"))
	c, _ := s.Create(ctx, testConfig("c"))
	steps := []error{
		s.Unpause(ctx, a),
		s.SetMemoryTarget(ctx, a, 100000),
		s.PinVCPU(ctx, b, 1, toolstack.Bitmap{2, 3}),
		s.SetSchedParams(ctx, b, toolstack.SchedParams{Weight: intp(1000)}),
		s.Rename(ctx, b, "b2"),
		s.Destroy(ctx, c),
		s.SetVCPUs(ctx, a, 1),
		s.Shutdown(ctx, a, toolstack.RequestSuspend),
	}
	if _, err := s.AddDevice(ctx, b, toolstack.Device{Class: toolstack.ClassVFB, VFB: &toolstack.DeviceVFB{}}); err != nil {
		steps = append(steps, err)
	}
	if _, err := s.Dmesg(ctx, true); err != nil {
		steps = append(steps, err)
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	before := snapshot(t, s)
	s2, err := New(opts)
	if err != nil {
		t.Fatalf("New on the same state = %v", err)
	}
	if after := snapshot(t, s2); after != before {
		t.Errorf("state after restart differs:\n--- before\n%s\n--- after\n%s", before, after)
	}
	// Ids are not reused after a restart.
	d, err := s2.Create(ctx, testConfig("d"))
	if err != nil || d != 4 {
		t.Errorf("Create after restart = %d, %v; want domid 4", d, err)
	}
}

func intp(n int) *int { return &n }

// onChurnCreate, if set, is called after each domain churn creates.
var onChurnCreate func()

// Counts of expected failures seen by churn, for the test log.
var churnNoMem, churnExists atomic.Int64

// TestConcurrentDomains runs 64 goroutines creating, changing and
// destroying domains on a host too small for all of them at once, and
// checks the accounting and the persisted state afterwards.
func TestConcurrentDomains(t *testing.T) {
	ctx := context.Background()
	prof := DefaultProfile()
	prof.Physinfo.TotalMemory = 1048576 + 131072 + 40*65536 // room for 40 guests
	dir := t.TempDir()
	s, err := New(Options{StateDir: dir, Profile: prof, NoSync: true, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	h0, _ := s.HostInfo(ctx)
	const workers, rounds = 64, 8
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			errs <- churn(ctx, s, fmt.Sprintf("w%d", w), rounds, rand.New(rand.NewPCG(uint64(w), 1)))
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	doms, _ := s.ListDomains(ctx)
	if len(doms) != 1 {
		t.Errorf("%d domains left after every worker destroyed its own; want only dom0", len(doms))
	}
	h1, _ := s.HostInfo(ctx)
	if h1.Phys.FreeMemKB != h0.Phys.FreeMemKB {
		t.Errorf("free memory %d KiB after the run; want %d as before", h1.Phys.FreeMemKB, h0.Phys.FreeMemKB)
	}
	t.Logf("expected failures: %d not enough memory, %d name taken", churnNoMem.Load(), churnExists.Load())
	checkInvariants(t, dir)
}

// churn does rounds of create/change/destroy on domains named prefix-N.
// Errors of the classes a busy host produces (no memory, name taken by
// the shared name) are expected; anything else is returned.
func churn(ctx context.Context, s *Sim, prefix string, rounds int, rng *rand.Rand) error {
	expected := func(err error) bool {
		switch {
		case errors.Is(err, toolstack.ErrNoMemory):
			churnNoMem.Add(1)
		case errors.Is(err, toolstack.ErrExists):
			churnExists.Add(1)
		}
		return err == nil || errors.Is(err, toolstack.ErrNoMemory) || errors.Is(err, toolstack.ErrExists)
	}
	for r := 0; rounds < 0 || r < rounds; r++ {
		name := fmt.Sprintf("%s-%d", prefix, r)
		if rng.IntN(4) == 0 {
			name = "shared"
		}
		id, err := s.Create(ctx, testConfig(name))
		if !expected(err) {
			return fmt.Errorf("Create(%s): %w", name, err)
		}
		if err != nil {
			continue
		}
		if onChurnCreate != nil {
			onChurnCreate()
		}
		ops := []func() error{
			func() error { return s.Unpause(ctx, id) },
			func() error { return s.SetMemoryTarget(ctx, id, uint64(32768+rng.IntN(32768))) },
			func() error { return s.PinVCPU(ctx, id, rng.IntN(2), toolstack.Bitmap{rng.IntN(4)}) },
			func() error {
				return s.SetSchedParams(ctx, id, toolstack.SchedParams{Weight: intp(1 + rng.IntN(1000))})
			},
			func() error {
				_, err := s.AddDevice(ctx, id, toolstack.Device{Class: toolstack.ClassVIF, NIC: &toolstack.DeviceNIC{Bridge: "xenbr0"}})
				return err
			},
			func() error { _, err := s.ListDomains(ctx); return err },
			func() error { return s.Pause(ctx, id) },
			func() error { _, err := s.HostInfo(ctx); return err },
		}
		for _, i := range rng.Perm(len(ops)) {
			if err := ops[i](); !expected(err) {
				return fmt.Errorf("%s op %d: %w", name, i, err)
			}
		}
		if err := s.Destroy(ctx, id); err != nil {
			return fmt.Errorf("Destroy(%s): %w", name, err)
		}
	}
	return nil
}

// checkInvariants loads the state in dir afresh and checks it is whole:
// it loads, no temp files remain, dom0 exists, names and UUIDs are unique,
// every domid is below the next one, memory fits the host, every
// configured device has its runtime record, and the host still works.
func checkInvariants(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	s, err := New(Options{StateDir: dir, Profile: DefaultProfile(), NoSync: true})
	if err != nil {
		t.Fatalf("New after the run = %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "domains"))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file %s left after load", e.Name())
		}
	}
	if _, ok := s.doms[0]; !ok {
		t.Fatalf("dom0 missing")
	}
	names, uuids := map[string]bool{}, map[string]bool{}
	for id, d := range s.doms {
		if n := d.Config.CInfo.Name; names[n] {
			t.Errorf("name %s used twice", n)
		} else {
			names[n] = true
		}
		if u := d.Config.CInfo.UUID; uuids[u] {
			t.Errorf("uuid %s used twice", u)
		} else {
			uuids[u] = true
		}
		if id != 0 && uint32(id) >= s.host.NextDomid {
			t.Errorf("domid %d not below next domid %d", id, s.host.NextDomid)
		}
		if d.CurMemKB > d.MaxMemKB || d.TargetMemKB > d.MaxMemKB {
			t.Errorf("domain %d memory cur %d target %d above max %d", id, d.CurMemKB, d.TargetMemKB, d.MaxMemKB)
		}
		recs := map[toolstack.DeviceRef]bool{}
		for _, r := range d.Devices {
			recs[toolstack.DeviceRef{Class: r.Class, Devid: r.Devid}] = true
		}
		for _, dev := range configured(d.Config) {
			if !recs[toolstack.DeviceRef{Class: dev.Class, Devid: devidOf(dev)}] {
				t.Errorf("domain %d: configured %s %d has no runtime record", id, dev.Class, devidOf(dev))
			}
		}
	}
	if used := s.usedMemKB() + s.prof.XenReservedKB; used > s.prof.Physinfo.TotalMemory {
		t.Errorf("domains hold %d KiB, more than the host's %d", used, s.prof.Physinfo.TotalMemory)
	}
	id, err := s.Create(ctx, testConfig("after-restart"))
	if err != nil && !errors.Is(err, toolstack.ErrNoMemory) {
		t.Fatalf("Create after restart = %v", err)
	}
	if err == nil {
		if err := s.Destroy(ctx, id); err != nil {
			t.Errorf("Destroy after restart = %v", err)
		}
	}
}

const crashChildEnv = "XENDSHIM_SIM_CRASH_CHILD"

// TestCrashRestart starts this test binary again as a child that churns
// domains with fsync on, kills it with SIGKILL at a random moment, and
// checks the state it left. Five rounds on the same directory.
func TestCrashRestart(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var lastNext uint32
	for round := 0; round < 5; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRestart$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		ready, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The child prints one line per domain created; wait for a few
		// (so it is busy whatever the disk speed), then a random moment.
		lines := bufio.NewScanner(ready)
		for n := 0; n < 4; n++ {
			if !lines.Scan() {
				t.Fatalf("round %d: child stopped early: %v", round, lines.Err())
			}
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		var torn []string
		ents, _ := os.ReadDir(filepath.Join(dir, "domains"))
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp") {
				torn = append(torn, e.Name())
			}
		}
		t.Logf("round %d: killed the child; %d domain files, interrupted writes: %v", round, len(ents)-len(torn), torn)
		checkInvariants(t, dir)
		s, err := New(Options{StateDir: dir, Profile: DefaultProfile(), NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if s.host.NextDomid <= lastNext+1 {
			t.Errorf("round %d: next domid %d; the child made no progress since %d", round, s.host.NextDomid, lastNext)
		}
		lastNext = s.host.NextDomid
	}
}

// crashChild churns until killed.
func crashChild(dir string) {
	s, err := New(Options{StateDir: dir, Profile: DefaultProfile()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	onChurnCreate = func() {
		mu.Lock()
		os.Stdout.WriteString("created\n")
		mu.Unlock()
	}
	ctx := context.Background()
	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func(w int) {
			done <- churn(ctx, s, fmt.Sprintf("c%d-%d", w, time.Now().UnixNano()), -1, rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano()))))
		}(w)
	}
	err = <-done
	fmt.Fprintln(os.Stderr, "crash child:", err)
	os.Exit(3)
}

func TestCorruptState(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{"host.json", "host.json", "{not json", "host.json"},
		{"domain file", "domains/1.json", `{"domid": "one"}`, "domains/1.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := New(Options{StateDir: dir, Profile: ReferenceProfile(), NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(context.Background(), testConfig("a")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = New(Options{StateDir: dir, Profile: ReferenceProfile(), NoSync: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(corrupt %s) = %v; want an error naming %s", tc.file, err, tc.want)
			}
		})
	}
}
