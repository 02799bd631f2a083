package xl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
	"github.com/xendshim/xendshim/xenstore/xenstoretest"
)

// fakeXL is a Runner that behaves like xl 4.17 on a small host: it keeps
// domains, answers in the exact formats captured in testdata/xen-4.17, and
// mirrors what libxl writes to xenstore (through the fake xenstored), so
// the backend's command construction, parsing and error mapping are tested
// without Xen. Failures can be injected per command.
type fakeXL struct {
	mu      sync.Mutex
	xs      *xenstoretest.Server
	doms    map[toolstack.Domid]*fakeDom
	next    toolstack.Domid
	calls   [][]string
	configs []string // xl.cfg texts given to create
	inject  map[string][]Result
	// monitorCrash makes the next create build the domain and exit 3.
	monitorCrash bool
}

type fakeDom struct {
	name, uuid      string
	memKB, maxKB    uint64
	vcpus, maxVCPUs int
	state           toolstack.DomainState
	weight          int
	reason          int            // shutdown reason code while state has StateShutdown
	pauses          int            // the hypervisor's pause count
	hard            map[int]string // vcpu-pin hard affinities ("" = all)
	cfg             toolstack.DomainConfig
	restored        bool // made by restore: its kernel was up already
}

func newFakeXL(xs *xenstoretest.Server) *fakeXL {
	f := &fakeXL{xs: xs, doms: map[toolstack.Domid]*fakeDom{}, next: 1, inject: map[string][]Result{}}
	f.doms[0] = &fakeDom{name: "Domain-0", uuid: "00000000-0000-0000-0000-000000000000", memKB: 1048576, maxKB: 1048576, vcpus: 2, maxVCPUs: 2, state: toolstack.StateRunning, weight: 256}
	xs.Seed(map[string]string{
		"/local/domain/0/name": "Domain-0", "/local/domain/0/domid": "0",
		"/local/domain/0/memory/target": "1048576", "/local/domain/0/memory/static-max": "1048576",
	})
	return f
}

// failNext makes the next run of xl subcommand cmd answer res.
func (f *fakeXL) failNext(cmd string, res Result) {
	f.mu.Lock()
	f.inject[cmd] = append(f.inject[cmd], res)
	f.mu.Unlock()
}

func (f *fakeXL) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

func ok(stdout string) (Result, error) { return Result{Stdout: []byte(stdout)}, nil }

func bad(code int, stderr string) (Result, error) {
	return Result{ExitCode: code, Stderr: []byte(stderr)}, nil
}

func (f *fakeXL) Run(ctx context.Context, args ...string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, args)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if len(args) == 0 {
		return bad(1, "usage")
	}
	if q := f.inject[args[0]]; len(q) > 0 {
		f.inject[args[0]] = q[1:]
		return q[0], nil
	}
	dom := func(s string) (*fakeDom, toolstack.Domid, bool) {
		n, err := strconv.Atoi(s)
		if err == nil {
			d, found := f.doms[toolstack.Domid(n)]
			return d, toolstack.Domid(n), found
		}
		for id, d := range f.doms {
			if d.name == s {
				return d, id, true
			}
		}
		return nil, 0, false
	}
	invalid := func(s string) (Result, error) { return bad(1, s+" is an invalid domain identifier (rc=-6)\n") }
	rest := args[1:]
	switch args[0] {
	case "info":
		b, _ := os.ReadFile("testdata/xen-4.17/info.stdout")
		return ok(string(b))
	case "dmesg":
		return ok("(XEN) Xen version 4.17.7\n(XEN) fake ring\n")
	case "domid":
		if _, id, found := dom(rest[0]); found {
			return ok(fmt.Sprintf("%d\n", id))
		}
		return invalid(rest[0])
	case "list":
		long, verbose := false, false
		var sel []string
		for _, a := range rest {
			switch a {
			case "-l":
				long = true
			case "-v":
				verbose = true
			default:
				sel = append(sel, a)
			}
		}
		ids := f.sortedIDs()
		if len(sel) == 1 {
			_, id, found := dom(sel[0])
			if !found {
				return invalid(sel[0])
			}
			ids = []toolstack.Domid{id}
		}
		if long {
			var entries []toolstack.ListEntry
			for _, id := range ids {
				entries = append(entries, toolstack.ListEntry{Domid: id, Config: f.doms[id].cfg})
			}
			out, _ := toolstack.MarshalXLList(entries)
			return ok(string(out) + "\n")
		}
		var b strings.Builder
		if verbose {
			b.WriteString("Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n")
		} else {
			b.WriteString("Name                                        ID   Mem VCPUs\tState\tTime(s)\n")
		}
		for _, id := range ids {
			d := f.doms[id]
			fmt.Fprintf(&b, "%-40s %5d %5d %5d     %s %9.1f", d.name, id, d.memKB/1024, d.vcpus, d.state, 1.5)
			if verbose {
				reason := "-"
				if d.state&toolstack.StateShutdown != 0 {
					reason = strconv.Itoa(d.reason)
				}
				fmt.Fprintf(&b, " %s        %s                -", d.uuid, reason)
			}
			b.WriteString("\n")
		}
		return ok(b.String())
	case "vcpu-list":
		ids := f.sortedIDs()
		if len(rest) > 0 {
			_, id, found := dom(rest[0])
			if !found {
				return invalid(rest[0])
			}
			ids = []toolstack.Domid{id}
		}
		var b strings.Builder
		b.WriteString("Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n")
		for _, id := range ids {
			d := f.doms[id]
			for v := 0; v < d.maxVCPUs; v++ {
				cpu, st := strconv.Itoa(v%2), "-b-"
				if v >= d.vcpus {
					cpu, st = "-", "--p"
				}
				aff := d.hard[v]
				if aff == "" {
					aff = "all"
				}
				fmt.Fprintf(&b, "%-32s %5d %5d %5s   %s %9.1f  %s / all\n", d.name, id, v, cpu, st, 0.5, aff)
			}
		}
		return ok(b.String())
	case "create":
		var file string
		paused := false
		for _, a := range rest {
			switch {
			case a == "-p":
				paused = true
			case strings.HasPrefix(a, "-"):
			default:
				file = a
			}
		}
		text, err := os.ReadFile(file)
		if err != nil {
			return bad(3, "Failed to read config file: "+file+": No such file or directory\n")
		}
		f.configs = append(f.configs, string(text))
		kv := parseCfg(string(text))
		name := kv["name"]
		for _, d := range f.doms {
			if d.name == name {
				b, _ := os.ReadFile("testdata/xen-4.17/err-create-dup.err")
				return bad(3, string(b))
			}
		}
		if kv["kernel"] == "" {
			return bad(1, "Parsing config from "+file+"\nNeither kernel nor bootloader specified\n")
		}
		mem, _ := strconv.Atoi(kv["memory"])
		maxm, _ := strconv.Atoi(kv["maxmem"])
		if maxm == 0 {
			maxm = mem
		}
		if mem > 2014 {
			return bad(3, "Parsing config from "+file+"\nlibxl: error: libxl_create.c:1296:initiate_domain_create: cannot make domain: -5\n")
		}
		vc, _ := strconv.Atoi(kv["vcpus"])
		mv, _ := strconv.Atoi(kv["maxvcpus"])
		if mv == 0 {
			mv = vc
		}
		uuid := kv["uuid"]
		if uuid == "" {
			uuid = fmt.Sprintf("5a3e1f00-0000-4000-8000-%012d", f.next)
		}
		id := f.next
		f.next++
		d := &fakeDom{name: name, uuid: uuid, memKB: uint64(mem) * 1024, maxKB: uint64(maxm) * 1024, vcpus: vc, maxVCPUs: mv, state: toolstack.StateBlocked, weight: 256}
		if paused {
			d.state, d.pauses = toolstack.StatePaused, 1
		}
		w := 256
		cp := 0
		d.cfg = toolstack.DomainConfig{
			CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name, UUID: uuid, Domid: 4294967295},
			BInfo: toolstack.BuildInfo{MaxVCPUs: mv, MaxMemKB: d.maxKB, TargetMemKB: d.memKB, Kernel: kv["kernel"], Cmdline: kv["cmdline"],
				SchedParams: toolstack.SchedParams{Sched: "credit2", Weight: &w, Cap: &cp}, PV: &toolstack.BuildInfoPV{}},
			OnPoweroff: toolstack.Action(kv["on_poweroff"]), OnReboot: toolstack.Action(kv["on_reboot"]),
			OnCrash: toolstack.Action(kv["on_crash"]),
		}
		f.doms[id] = d
		home := fmt.Sprintf("/local/domain/%d", id)
		f.xs.Seed(map[string]string{
			home + "/name": name, home + "/domid": strconv.Itoa(int(id)), home + "/vm": "/vm/" + uuid,
			"/vm/" + uuid + "/start_time": "1795935245.13",
			home + "/memory/target":       strconv.Itoa(mem * 1024), home + "/memory/static-max": strconv.Itoa(maxm * 1024),
			home + "/console/tty": "/dev/pts/" + strconv.Itoa(int(id)), home + "/console/port": "2",
			home + "/console/ring-ref": "740354", home + "/store/ring-ref": "740353",
			home + "/control/feature-suspend":                             "1",
			fmt.Sprintf("/libxl/%d/type", id):                             "pv",
			fmt.Sprintf("/libxl/%d/device/console/0/frontend", id):        home + "/console",
			fmt.Sprintf("/libxl/%d/device/console/0/backend", id):         fmt.Sprintf("/local/domain/0/backend/console/%d/0", id),
			fmt.Sprintf("/local/domain/0/backend/console/%d/0/state", id): "1", // xenconsoled leaves it Initialising
		})
		for v := 0; v < mv; v++ {
			a := "online"
			if v >= vc {
				a = "offline"
			}
			f.xs.Set(fmt.Sprintf("%s/cpu/%d/availability", home, v), a)
		}
		if f.monitorCrash {
			f.monitorCrash = false
			return bad(3, "Parsing config from "+file+"\n")
		}
		return Result{Stderr: []byte("Parsing config from " + file + "\n")}, nil
	case "pause", "unpause", "destroy", "shutdown", "reboot", "rename", "sysrq", "trigger", "mem-set", "mem-max", "vcpu-set", "vcpu-pin", "save", "dump-core":
		var pos []string
		for _, a := range rest {
			if !strings.HasPrefix(a, "-") {
				pos = append(pos, a)
			}
		}
		d, id, found := dom(pos[0])
		if !found {
			if _, err := strconv.Atoi(pos[0]); err == nil && (args[0] == "pause" || args[0] == "unpause" || args[0] == "sysrq") {
				return ok("") // real xl: a numeric id is taken on trust (xenlab, 4.17)
			}
			return invalid(pos[0])
		}
		switch args[0] {
		case "pause": // Xen counts pauses
			d.pauses++
			d.state = toolstack.StatePaused
		case "unpause": // a booting kernel runs and announces itself; a restored one does not again
			if !d.restored {
				f.xs.Set(fmt.Sprintf("/local/domain/%d/control/feature-suspend", id), "1")
			}
			if d.pauses > 0 {
				d.pauses--
			}
			if d.pauses == 0 {
				d.state = toolstack.StateBlocked
			}
		case "destroy":
			f.remove(id)
		case "shutdown":
			f.remove(id)
		case "rename":
			d.name = pos[1]
			d.cfg.CInfo.Name = pos[1]
		case "mem-set":
			kb, _ := strconv.ParseUint(strings.TrimSuffix(pos[1], "k"), 10, 64)
			if kb > d.maxKB {
				return bad(1, "libxl: error: libxl_mem.c:278:libxl_set_memory_target: Domain 2:memory_dynamic_max must be less than or equal to memory_static_max\n\ncannot set domid 2 dynamic max memory to : "+pos[1]+"\n")
			}
			d.memKB = kb
			d.cfg.BInfo.TargetMemKB = kb
			f.xs.Set(fmt.Sprintf("/local/domain/%d/memory/target", id), strconv.FormatUint(kb, 10))
		case "mem-max":
			kb, _ := strconv.ParseUint(strings.TrimSuffix(pos[1], "k"), 10, 64)
			d.maxKB = kb
			f.xs.Set(fmt.Sprintf("/local/domain/%d/memory/static-max", id), strconv.FormatUint(kb, 10))
		case "vcpu-set":
			n, _ := strconv.Atoi(pos[1])
			d.vcpus = n
		case "vcpu-pin":
			if d.hard == nil {
				d.hard = map[int]string{}
			}
			aff := pos[2]
			if aff == "all" {
				aff = ""
			}
			if pos[1] == "all" {
				for v := 0; v < d.maxVCPUs; v++ {
					d.hard[v] = aff
				}
			} else {
				v, _ := strconv.Atoi(pos[1])
				d.hard[v] = aff
			}
		case "save":
			// xl's header with the config as libxl JSON, then a stand-in
			// for the libxl stream.
			js, _ := json.Marshal(d.cfg)
			img := append(xlsave.AppendHeader(nil, js), "fake image of "+d.name+" "+d.uuid...)
			if err := os.WriteFile(pos[1], img, 0o600); err != nil {
				return bad(1, "Failed to open temp file "+pos[1]+" for writing: No such file or directory\n")
			}
			if !slices.Contains(rest, "-c") {
				f.remove(id)
			}
		case "dump-core":
			if err := os.WriteFile(pos[1], []byte("core"), 0o600); err != nil {
				return bad(1, "libxl: error: Core dumping domain to "+pos[1]+": No such file or directory\ncore dump failed (rc=-3)\n")
			}
		}
		return ok("")
	case "restore":
		file := rest[len(rest)-1]
		b, err := os.ReadFile(file)
		if err != nil {
			return bad(1, "Can't open restore file: No such file or directory\n")
		}
		var cfg toolstack.DomainConfig
		if _, js, err := xlsave.ReadHeader(bytes.NewReader(b)); err == nil {
			json.Unmarshal(js, &cfg)
		} else if !strings.HasPrefix(string(b), saveMagic) {
			return bad(1, "File has wrong magic number - corrupt or for a different tool?\n")
		}
		_, tail, _ := strings.Cut(string(b), "fake image of ")
		name, uuid, _ := strings.Cut(tail, " ")
		if uuid == "" {
			uuid = "7e570000-0000-4000-8000-000000000000"
		}
		for _, d := range f.doms {
			if d.name == name {
				e, _ := os.ReadFile("testdata/xen-4.17/err-restore-dup.err")
				return bad(1, string(e))
			}
		}
		id := f.next
		f.next++
		st, pauses := toolstack.StateRunning, 0
		if slices.Contains(rest, "-p") {
			st, pauses = toolstack.StatePaused, 1
		}
		f.doms[id] = &fakeDom{name: name, uuid: uuid, memKB: 131072, maxKB: 131072, vcpus: 1, maxVCPUs: 2, state: st, pauses: pauses, weight: 256, cfg: cfg, restored: true}
		f.xs.Set(fmt.Sprintf("/local/domain/%d/name", id), name)
		f.xs.Set(fmt.Sprintf("/libxl/%d/type", id), "pv")
		// Like real Xen: a restored kernel does not announce
		// control/feature-suspend again.
		return ok("")
	case "sched-credit2":
		var id toolstack.Domid
		var d *fakeDom
		for i := 0; i+1 < len(rest); i += 2 {
			switch rest[i] {
			case "-d":
				var found bool
				if d, id, found = dom(rest[i+1]); !found {
					return invalid(rest[i+1])
				}
			case "-w":
				d.weight, _ = strconv.Atoi(rest[i+1])
				return ok("")
			}
		}
		return ok(fmt.Sprintf("Name                                ID Weight  Cap\n%-32s %5d %6d %4d\n", d.name, id, d.weight, 0))
	case "block-attach", "network-attach", "block-detach", "network-detach":
		var pos []string
		for _, a := range rest {
			if !strings.HasPrefix(a, "-") {
				pos = append(pos, a)
			}
		}
		d, id, found := dom(pos[0])
		if !found {
			return invalid(pos[0])
		}
		kind := map[string]string{"block-attach": "vbd", "block-detach": "vbd", "network-attach": "vif", "network-detach": "vif"}[args[0]]
		rec := func(n int) string { return fmt.Sprintf("/libxl/%d/device/%s/%d", id, kind, n) }
		if strings.HasSuffix(args[0], "-detach") {
			n, _ := strconv.Atoi(pos[1])
			if _, ok := f.xs.Get(rec(n) + "/backend"); !ok {
				if kind == "vbd" {
					return bad(1, "Error: Device "+pos[1]+" not connected.\n")
				}
				return bad(1, "Unknown device "+pos[1]+".\n")
			}
			f.xs.Remove(rec(n))
			f.xs.Remove(fmt.Sprintf("/local/domain/0/backend/%s/%d/%d", kind, id, n))
			if kind == "vbd" {
				d.cfg.Disks = nil
			}
			return ok("")
		}
		n := 0
		nodes := map[string]string{}
		if kind == "vbd" {
			spec := map[string]string{}
			for _, kv := range strings.Split(pos[1], ",") {
				k, v, _ := strings.Cut(kv, "=")
				spec[k] = v
			}
			n, _ = VdevNumber(spec["vdev"])
			nodes["dev"], nodes["params"], nodes["type"] = spec["vdev"], spec["target"], "phy"
			d.cfg.Disks = append(d.cfg.Disks, toolstack.DeviceDisk{Vdev: spec["vdev"], PdevPath: spec["target"]})
		} else {
			for {
				if _, ok := f.xs.Get(rec(n) + "/backend"); !ok {
					break
				}
				n++
			}
			nodes["mac"], nodes["bridge"] = "00:16:3e:00:00:0"+strconv.Itoa(n), "xenbr0"
			for _, kv := range pos[1:] {
				if k, v, _ := strings.Cut(kv, "="); k == "mac" {
					nodes["mac"] = v
				}
			}
		}
		be := fmt.Sprintf("/local/domain/0/backend/%s/%d/%d", kind, id, n)
		seed := map[string]string{rec(n) + "/backend": be, rec(n) + "/frontend": fmt.Sprintf("/local/domain/%d/device/%s/%d", id, kind, n), be + "/state": "2"}
		for k, v := range nodes {
			seed[be+"/"+k] = v
		}
		f.xs.Seed(seed)
		return ok("")
	}
	return bad(1, "command not implemented\n")
}

func (f *fakeXL) remove(id toolstack.Domid) {
	d := f.doms[id]
	delete(f.doms, id)
	f.xs.Remove(fmt.Sprintf("/local/domain/%d", id))
	f.xs.Remove(fmt.Sprintf("/libxl/%d", id))
	if d != nil {
		f.xs.Remove("/vm/" + d.uuid)
	}
}

func (f *fakeXL) sortedIDs() []toolstack.Domid {
	var ids []toolstack.Domid
	for id := range f.doms {
		ids = append(ids, id)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if ids[j] < ids[i] {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
	return ids
}

var cfgLine = regexp.MustCompile(`^(\w+) = "?(.*?)"?$`)

// parseCfg reads the simple "key = value" lines XLConfig writes.
func parseCfg(text string) map[string]string {
	kv := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if m := cfgLine.FindStringSubmatch(l); m != nil {
			kv[m[1]] = m[2]
		}
	}
	return kv
}
