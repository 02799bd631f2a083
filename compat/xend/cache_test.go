package xend

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
	"github.com/xendshim/xendshim/xmlrpc"
)

// TestCacheEqualCoversFields fails when a type the record cache compares
// gains or loses a field: cache_equal.go must then compare it too, or the
// cache would serve records that no longer match what rendering gives.
func TestCacheEqualCoversFields(t *testing.T) {
	tests := []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeOf(vmRecord{}), []string{"UUID", "Name", "HasDescription", "Description", "CPUWeight", "CPUCap",
			"PoolName", "Bootloader", "BootloaderArgs", "VCPUs", "Cpus", "OnPoweroff", "OnReboot", "OnCrash", "MaxMem",
			"Memory", "ShadowMemory", "Features", "OnXendStart", "OnXendStop", "VCPUAvail", "VCPUAvailLong", "Cpu",
			"Extra", "Image", "Devices", "StartTime", "Built", "Managed", "Refreshed"}},
		{reflect.TypeOf(imageRecord{}), []string{"Type", "Kernel", "Ramdisk", "Args", "Superpages", "Platform", "Notes", "Restored"}},
		{reflect.TypeOf(devRecord{}), []string{"Class", "UUID", "Cfg", "Devid"}},
		{reflect.TypeOf(field{}), []string{"key", "val"}},
		{reflect.TypeOf(toolstack.DomainInfo{}), []string{"Domid", "UUID", "Name", "Type", "State", "ShutdownReason",
			"CurrentMemKB", "TargetMemKB", "MaxMemKB", "OnlineVCPUs", "MaxVCPUs", "VCPUs", "CPUTime", "StartTime",
			"StoreMFN", "ConsoleMFN", "Sched", "ConsoleTTY"}},
		{reflect.TypeOf(toolstack.SchedParams{}), []string{"Sched", "Weight", "Cap", "Period", "Slice", "Latency", "Extratime", "Budget"}},
		{reflect.TypeOf(toolstack.DeviceState{}), []string{"Class", "Devid", "Config", "BackendDomid", "BackendState",
			"FrontendState", "BackendPath", "FrontendPath", "Frontend", "Backend", "TTY", "VNCListen", "VNCPort"}},
		{reflect.TypeOf(toolstack.ConsoleInfo{}), []string{"TTY", "Port"}},
		{reflect.TypeOf(toolstack.VNCEndpoint{}), []string{"Listen", "Port", "Display"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ.Name(), func(t *testing.T) {
			var got []string
			for i := 0; i < tt.typ.NumField(); i++ {
				got = append(got, tt.typ.Field(i).Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields of %s = %v; want %v (update cache_equal.go and this list)", tt.typ, got, tt.want)
			}
		})
	}
	t.Run("Device", func(t *testing.T) {
		typ := reflect.TypeOf(toolstack.Device{})
		var got []string
		for i := 0; i < typ.NumField(); i++ {
			got = append(got, typ.Field(i).Name)
		}
		want := []string{"Class", "Disk", "NIC", "VFB", "VKB", "PCI", "USBCtrl", "USBDev", "VSCSI", "Channel", "VTPM"}
		if !slices.Equal(got, want) {
			t.Errorf("fields of toolstack.Device = %v; want %v (update devicesEqual and this list)", got, want)
		}
	})
}

// TestListRecordsMatchesRendering drives a simulated host through the
// changes a record can see and checks, after each, that the cached listing
// (first call and repeated call) is byte for byte the freshly rendered one.
func TestListRecordsMatchesRendering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := sim.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	guest := func(name string, extra ...sxp.Value) sxp.Value {
		items := []sxp.Value{sxp.Atom("vm"), kv("name", sxp.Atom(name)), kv("memory", sxp.Int(64)), kv("vcpus", sxp.Int(2)),
			kv("image", sxp.List(sxp.Atom("linux"), kv("kernel", sxp.Atom("/var/lib/xen/boot/vmlinuz-guest")))),
			kv("device", sxp.List(sxp.Atom("vbd"), kv("uname", sxp.Atom("file:/var/lib/xen/images/pv1.img")), kv("dev", sxp.Atom("xvda1")), kv("mode", sxp.Atom("r")))),
			kv("device", sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0"))))}
		return sxp.List(append(items, extra...)...)
	}
	for i, name := range []string{"g0", "g1", "g2"} {
		var extra []sxp.Value
		if i == 2 {
			extra = append(extra, kv("device", sxp.List(sxp.Atom("vfb"), kv("vnc", sxp.Int(1)))))
		}
		if _, err := svc.Create(ctx, guest(name, extra...)); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if name != "g1" {
			if err := svc.Unpause(ctx, Name(name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	weight := 512
	steps := []struct {
		name string
		do   func() error
	}{
		{"start", func() error { return nil }},
		{"time passes", func() error { clock.Advance(3 * time.Second); return nil }},
		{"unpause", func() error { return svc.Unpause(ctx, Name("g1")) }},
		{"pause", func() error { _, err := svc.Pause(ctx, Name("g0")); return err }},
		{"mem-set", func() error { return svc.SetMemoryTarget(ctx, Name("g0"), 48) }},
		{"vcpu-set", func() error { return svc.SetVCPUCount(ctx, Name("g2"), 1) }},
		{"vcpu-pin", func() error { return svc.PinVCPU(ctx, Name("g2"), "0", "1") }},
		{"sched-credit", func() error { return svc.SetSchedCredit(ctx, Name("g1"), &weight, nil) }},
		{"network-attach", func() error {
			_, err := svc.DeviceCreate(ctx, Name("g1"), sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr1"))))
			return err
		}},
		{"network-detach", func() error { return svc.DestroyDevice(ctx, Name("g1"), "vif", "1", false, false) }},
		{"rename", func() error { return svc.SetName(ctx, Name("g1"), "g1b") }},
		{"new (inactive managed)", func() error { return svc.New(ctx, guest("m0")) }},
		{"shutdown", func() error { return svc.Shutdown(ctx, Name("g0"), "poweroff") }},
		{"destroy", func() error { return svc.Destroy(ctx, Name("g2")) }},
		{"time passes again", func() error { clock.Advance(time.Minute); return nil }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, state := range []string{"all", "running", "paused", "halted"} {
			for _, full := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s/full=%v", st.name, state, full)
				recs, err := svc.DomainsWithState(ctx, state, full)
				want := xmlrpc.EncodeResult(encodedRecords(recs), err)
				for call := 1; call <= 2; call++ {
					v, err := svc.listRecords(ctx, state, full)
					if got := xmlrpc.EncodeResult(v, err); !bytes.Equal(got, want) {
						t.Errorf("%s: listRecords call %d =\n%s\nwant\n%s", name, call, got, want)
					}
				}
			}
		}
	}
}

// TestSameInputsSeesEveryChange checks that the cache key notices a change
// of any single input, and accepts an equal copy.
func TestSameInputsSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	sm, err := sim.New(sim.Options{StateDir: t.TempDir(), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sxp.List(sxp.Atom("vm"), kv("name", sxp.Atom("g")), kv("memory", sxp.Int(64)),
		kv("image", sxp.List(sxp.Atom("linux"), kv("kernel", sxp.Atom("/var/lib/xen/boot/vmlinuz-guest")))),
		kv("device", sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0")))),
		kv("device", sxp.List(sxp.Atom("vfb"), kv("vnc", sxp.Int(1)))))
	if _, err := svc.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	d, err := svc.lookup(ctx, Name("g"))
	if err == nil {
		d = svc.detach(d)
	}
	svc.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	base, ok := svc.gatherInputs(ctx, d, true)
	if !ok || len(base.devs) == 0 {
		t.Fatalf("gatherInputs = %+v, %v; want device states", base, ok)
	}
	copyOf := func(in recordInputs) recordInputs {
		c := in
		c.rec = in.rec.clone()
		c.devs = nil
		for _, st := range in.devs {
			st.Frontend = slices.Clone(st.Frontend)
			st.Backend = slices.Clone(st.Backend)
			if st.Config.NIC != nil {
				nic := *st.Config.NIC
				st.Config.NIC = &nic
			}
			c.devs = append(c.devs, st)
		}
		return c
	}
	nic := func(in *recordInputs) *toolstack.DeviceState {
		for i := range in.devs {
			if in.devs[i].Config.NIC != nil {
				return &in.devs[i]
			}
		}
		t.Fatal("no vif state")
		return nil
	}
	tests := []struct {
		name   string
		change func(in *recordInputs)
		same   bool
	}{
		{"equal copy", func(in *recordInputs) {}, true},
		{"cpu time", func(in *recordInputs) { in.info.CPUTime = 0 }, true},
		{"memory", func(in *recordInputs) { in.rec.Memory++ }, false},
		{"name", func(in *recordInputs) { in.rec.Name += "x" }, false},
		{"cpus", func(in *recordInputs) { in.rec.Cpus = [][]int{{1}} }, false},
		{"extra", func(in *recordInputs) { in.rec.Extra = append(in.rec.Extra, field{"cpuid", sxp.Atom("x")}) }, false},
		{"platform", func(in *recordInputs) { in.rec.Image.Platform["vnc"] = sxp.Int(1) }, false},
		{"notes", func(in *recordInputs) { in.rec.Image.Notes = append(in.rec.Image.Notes, field{"X", sxp.Atom("1")}) }, false},
		{"device config", func(in *recordInputs) {
			in.rec.Devices[0].Cfg = append(in.rec.Devices[0].Cfg, field{"rate", sxp.Atom("1")})
		}, false},
		{"device value", func(in *recordInputs) { in.rec.Devices[0].Cfg[0].val = sxp.Atom("other") }, false},
		{"device dropped", func(in *recordInputs) { in.rec.Devices = in.rec.Devices[1:] }, false},
		{"status", func(in *recordInputs) { in.status++ }, false},
		{"full", func(in *recordInputs) { in.full = !in.full }, false},
		{"online vcpus", func(in *recordInputs) { in.info.OnlineVCPUs++ }, false},
		{"store mfn", func(in *recordInputs) { in.info.StoreMFN++ }, false},
		{"sched weight", func(in *recordInputs) { w := 7; in.info.Sched.Weight = &w }, false},
		{"backend domid", func(in *recordInputs) { nic(in).BackendDomid++ }, false},
		{"frontend node", func(in *recordInputs) { nic(in).Frontend[0].Value += "x" }, false},
		{"backend state", func(in *recordInputs) { nic(in).BackendState = toolstack.XenbusClosed }, false},
		{"nic mac", func(in *recordInputs) { nic(in).Config.NIC.MAC = "00:16:3e:00:00:99" }, false},
		{"device gone", func(in *recordInputs) { in.devs = in.devs[:len(in.devs)-1] }, false},
		{"console port", func(in *recordInputs) { in.console.Port++ }, false},
		{"console error", func(in *recordInputs) { in.conOK = !in.conOK }, false},
		{"vnc port", func(in *recordInputs) { in.vnc.Port++ }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := copyOf(base)
			tt.change(&in)
			if got := sameInputs(&base, &in); got != tt.same {
				t.Errorf("sameInputs(base, base with %s) = %v; want %v", tt.name, got, tt.same)
			}
		})
	}
}

// TestListRecordsConcurrent lists from several goroutines while another
// changes a domain, for the race detector; every listing must hold every
// domain.
func TestListRecordsConcurrent(t *testing.T) {
	ctx := context.Background()
	sm, err := sim.New(sim.Options{StateDir: t.TempDir(), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		cfg := sxp.List(sxp.Atom("vm"), kv("name", sxp.Atom(fmt.Sprintf("c%d", i))), kv("memory", sxp.Int(64)),
			kv("image", sxp.List(sxp.Atom("linux"), kv("kernel", sxp.Atom("/var/lib/xen/boot/vmlinuz-guest")))),
			kv("device", sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0")))))
		if _, err := svc.Create(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 4)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				v, err := svc.listRecords(ctx, "all", true)
				if err != nil {
					done <- err
					return
				}
				if n := len(v.([]any)); n != 5 {
					done <- fmt.Errorf("listRecords(all) = %d records; want 5", n)
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := 0; i < 20; i++ {
			if err := svc.SetMemoryTarget(ctx, Name("c1"), 40+i%8); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestAppendEncodedSplicesMovingItems checks that a cached record with a
// new cpu_time and new running/blocked flags encodes as the record rendered
// afresh with them.
func TestAppendEncodedSplicesMovingItems(t *testing.T) {
	ctx := context.Background()
	sm, err := sim.New(sim.Options{StateDir: t.TempDir(), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sxp.List(sxp.Atom("vm"), kv("name", sxp.Atom("g")), kv("memory", sxp.Int(64)),
		kv("image", sxp.List(sxp.Atom("linux"), kv("kernel", sxp.Atom("/var/lib/xen/boot/vmlinuz-guest")))),
		kv("device", sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0")))))
	if _, err := svc.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unpause(ctx, Name("g")); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	d, err := svc.lookup(ctx, Name("g"))
	if err == nil {
		d = svc.detach(d)
	}
	svc.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	render := func(d *domain) []byte {
		v, err := svc.sxpr(ctx, d, true, modeNormal)
		if err != nil {
			t.Fatal(err)
		}
		return xmlrpc.EncodeResult(encodedRecords([]sxp.Value{v}), nil)
	}
	v, err := svc.sxpr(ctx, d, true, modeNormal)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encodeItems(v, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []dynamicItem{itemCPUTime, itemState}; !slices.Equal(enc.slots, want) {
		t.Fatalf("encodeItems slots = %v; want %v", enc.slots, want)
	}
	tests := []struct {
		name  string
		cpu   time.Duration
		state toolstack.DomainState
	}{
		{"as rendered", d.info.CPUTime, d.info.State},
		{"more cpu time", d.info.CPUTime + 1234567891*time.Nanosecond, d.info.State},
		{"blocked", d.info.CPUTime, toolstack.StateBlocked},
		{"running", 3 * time.Hour, toolstack.StateRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := *d.info
			info.CPUTime, info.State = tt.cpu, tt.state
			nd := &domain{rec: d.rec, info: &info, status: d.status, statusSet: true}
			var b xmlrpc.Builder
			appendEncoded(&b, &enc, nd)
			r, err := b.Take()
			if err != nil {
				t.Fatal(err)
			}
			got := xmlrpc.EncodeResult([]any{r}, nil)
			if want := render(nd); !bytes.Equal(got, want) {
				t.Errorf("cached record with %s =\n%s\nwant\n%s", tt.name, got, want)
			}
		})
	}
}
