package toolstacktest

import (
	"context"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func testMemory(t *testing.T, e *Env) {
	ctx := context.Background()
	cfg := e.NewConfig("conf-mem")
	id := createCfg(t, e, cfg)
	maxKB := cfg.BInfo.MaxMemKB
	lower := cfg.BInfo.TargetMemKB / 2
	tests := []struct {
		name       string
		call       func() error
		class      error
		wantTarget uint64
	}{
		{"lower target", func() error { return e.TS.SetMemoryTarget(ctx, id, lower) }, nil, lower},
		{"target above max", func() error { return e.TS.SetMemoryTarget(ctx, id, maxKB*4) }, toolstack.ErrInvalid, lower},
		{"max below target", func() error { return e.TS.SetMemoryMax(ctx, id, lower/2) }, toolstack.ErrInvalid, lower},
		{"raise max", func() error { return e.TS.SetMemoryMax(ctx, id, maxKB*2) }, nil, lower},
		{"target up to old max", func() error { return e.TS.SetMemoryTarget(ctx, id, maxKB) }, nil, maxKB},
	}
	for _, tc := range tests {
		err := tc.call()
		wantClass(t, tc.name, err, tc.class)
		if d := domain(t, e, id); d.TargetMemKB != tc.wantTarget {
			t.Errorf("after %s: TargetMemKB = %d; want %d", tc.name, d.TargetMemKB, tc.wantTarget)
		}
	}
	if d := domain(t, e, id); d.MaxMemKB != maxKB*2 {
		t.Errorf("MaxMemKB = %d; want %d", d.MaxMemKB, maxKB*2)
	}
}

func testVCPUs(t *testing.T, e *Env) {
	ctx := context.Background()
	cfg := e.NewConfig("conf-vcpu")
	id := createCfg(t, e, cfg)
	h, err := e.TS.HostInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := domain(t, e, id)
	max := d.MaxVCPUs
	if len(d.VCPUs) != max || max < 1 {
		t.Fatalf("Domain(%d) has %d vCPU records, MaxVCPUs %d", id, len(d.VCPUs), max)
	}
	tests := []struct {
		name  string
		call  func() error
		class error
	}{
		{"set 0", func() error { return e.TS.SetVCPUs(ctx, id, 0) }, toolstack.ErrInvalid},
		{"set max+1", func() error { return e.TS.SetVCPUs(ctx, id, max+1) }, toolstack.ErrInvalid},
		{"set 1", func() error { return e.TS.SetVCPUs(ctx, id, 1) }, nil},
		{"pin vcpu 0 to cpu 0", func() error { return e.TS.PinVCPU(ctx, id, 0, toolstack.Bitmap{0}) }, nil},
		{"pin to a missing cpu", func() error { return e.TS.PinVCPU(ctx, id, 0, toolstack.Bitmap{h.Phys.NrCPUs}) }, toolstack.ErrInvalid},
		{"pin a missing vcpu", func() error { return e.TS.PinVCPU(ctx, id, max, toolstack.Bitmap{0}) }, toolstack.ErrInvalid},
	}
	for _, tc := range tests {
		wantClass(t, tc.name, tc.call(), tc.class)
	}
	d = domain(t, e, id)
	if got := d.VCPUs[0].HardAffinity.String(); got != "0" && !(h.Phys.NrCPUs == 1 && got == "") {
		t.Errorf("vCPU 0 hard affinity = %q after pinning to 0; want \"0\"", got)
	}
	if err := e.TS.PinVCPU(ctx, id, -1, nil); err != nil {
		t.Fatalf("PinVCPU(all, any) = %v", err)
	}
	if d = domain(t, e, id); len(d.VCPUs[0].HardAffinity) != 0 && len(d.VCPUs[0].HardAffinity) != h.Phys.NrCPUs {
		t.Errorf("vCPU 0 hard affinity = %v after unpinning; want all", d.VCPUs[0].HardAffinity)
	}
}

func testSched(t *testing.T, e *Env) {
	ctx := context.Background()
	id := create(t, e, "conf-sched")
	h, err := e.TS.HostInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Sched.Name != "credit" && h.Sched.Name != "credit2" {
		t.Skipf("host scheduler is %s; weight tests need credit or credit2", h.Sched.Name)
	}
	p, err := e.TS.SchedParams(ctx, id)
	if err != nil || p.Weight == nil {
		t.Fatalf("SchedParams(%d) = %+v, %v; want a weight", id, p, err)
	}
	tests := []struct {
		name   string
		params toolstack.SchedParams
		class  error
	}{
		{"weight 512", toolstack.SchedParams{Weight: intp(512)}, nil},
		{"weight 0", toolstack.SchedParams{Weight: intp(0)}, toolstack.ErrInvalid},
		{"weight 65536", toolstack.SchedParams{Weight: intp(65536)}, toolstack.ErrInvalid},
		{"cap -1", toolstack.SchedParams{Cap: intp(-1)}, toolstack.ErrInvalid},
		{"other scheduler", toolstack.SchedParams{Sched: "rtds", Weight: intp(1)}, toolstack.ErrUnsupported},
	}
	for _, tc := range tests {
		wantClass(t, "SetSchedParams("+tc.name+")", e.TS.SetSchedParams(ctx, id, tc.params), tc.class)
	}
	p, err = e.TS.SchedParams(ctx, id)
	if err != nil || p.Weight == nil || *p.Weight != 512 {
		t.Errorf("SchedParams(%d) after setting 512 = %+v, %v; want weight 512", id, p, err)
	}
}
