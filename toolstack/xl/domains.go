package xl

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// listParseRetries is how often an `xl list` whose output does not parse is
// run again: xl 4.17 in xenlab now and then printed a domain line with
// binary garbage after the name (lane run, pause/unpause step).
const listParseRetries = 2

// listRows runs an `xl list` command and parses it, running it again when
// the output does not parse.
func (b *Backend) listRows(ctx context.Context, op string, dom any, args ...string) ([]ListRow, error) {
	for attempt := 0; ; attempt++ {
		res, err := b.xl(ctx, op, dom, args...)
		if err != nil {
			return nil, err
		}
		rows, err := ParseList(res.Stdout)
		if err == nil {
			return rows, nil
		}
		if attempt == listParseRetries {
			return nil, wrapClass(toolstack.ErrBadState, op, dom, err)
		}
		b.opts.Logf("xl backend: xl %s printed unparsable output (%v); running it again", strings.Join(args, " "), err)
	}
}

// fetchConfigs runs `xl list -l` for every domain.
func (b *Backend) fetchConfigs(ctx context.Context) (map[toolstack.Domid]*toolstack.DomainConfig, error) {
	res, err := b.xl(ctx, "list -l", nil, "list", "-l")
	if err != nil {
		return nil, err
	}
	entries, err := toolstack.ParseXLList(res.Stdout)
	if err != nil {
		return nil, wrapClass(toolstack.ErrBadState, "list -l", nil, err)
	}
	out := make(map[toolstack.Domid]*toolstack.DomainConfig, len(entries))
	for i := range entries {
		out[entries[i].Domid] = &entries[i].Config
	}
	return out, nil
}

// HostInfo implements toolstack.Toolstack from `xl info`, /proc/cpuinfo and
// the bridges in /sys/class/net.
func (b *Backend) HostInfo(ctx context.Context) (*toolstack.HostInfo, error) {
	res, err := b.xl(ctx, "host info", nil, "info")
	if err != nil {
		return nil, err
	}
	kvs, err := ParseInfo(res.Stdout)
	if err != nil {
		return nil, wrapClass(toolstack.ErrBadState, "host info", nil, err)
	}
	h, err := HostInfoFromXLInfo(kvs)
	if err != nil {
		return nil, wrapClass(toolstack.ErrBadState, "host info", nil, err)
	}
	b.schedMu.Lock()
	b.schedName, b.nrCPUs, b.totalKB = h.Sched.Name, h.Phys.NrCPUs, h.Phys.TotalMemKB
	b.schedMu.Unlock()
	h.CPU = readCPUModel("/proc/cpuinfo")
	h.Bridges = listBridges("/sys/class/net")
	for i := 0; i < h.Phys.NrCPUs; i++ {
		h.Topology = append(h.Topology, toolstack.CPUTopology{Core: i % max(h.Phys.CoresPerSocket, 1), Socket: i / max(h.Phys.CoresPerSocket*max(h.Phys.ThreadsPerCore, 1), 1)})
	}
	return h, nil
}

func readCPUModel(path string) toolstack.CPUModel {
	var m toolstack.CPUModel
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			if m.VendorID != "" {
				break // first processor only
			}
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "vendor_id":
			m.VendorID = v
		case "model name":
			m.ModelName = v
		case "cpu MHz":
			m.MHz = v
		case "stepping":
			m.Stepping = v
		case "flags":
			m.Flags = v
		}
	}
	return m
}

func listBridges(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "bridge")); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// Dmesg implements toolstack.Toolstack with `xl dmesg [-c]`.
func (b *Backend) Dmesg(ctx context.Context, clear bool) (string, error) {
	args := []string{"dmesg"}
	if clear {
		args = append(args, "-c")
	}
	res, err := b.xl(ctx, "dmesg", nil, args...)
	if err != nil {
		return "", err
	}
	s, err := ParseDmesg(res.Stdout)
	if err != nil {
		return "", wrapClass(toolstack.ErrBadState, "dmesg", nil, err)
	}
	return s, nil
}

// SendDebugKeys implements toolstack.Toolstack with `xl debug-keys`.
func (b *Backend) SendDebugKeys(ctx context.Context, keys string) error {
	if keys == "" {
		return fail(toolstack.ErrInvalid, "debug-keys", nil, "no keys given")
	}
	_, err := b.xl(ctx, "debug-keys", nil, "debug-keys", keys)
	return err
}

// ListDomains implements toolstack.Toolstack: `xl list -v` for states,
// memory, vCPUs and CPU time and, run at the same time, `xl vcpu-list` for
// every vCPU; xenstore for targets, maxima, types, start times and consoles.
//
// Before returning, domains that shut down with no xl monitor watching
// them get their configured action (see reap).
func (b *Backend) ListDomains(ctx context.Context) ([]toolstack.DomainInfo, error) {
	return b.listDomains(ctx, true)
}

// listDomains lists; with reap it also applies the shutdown actions of
// unmonitored domains (never from inside Create or Restore, which hold the
// host lock that a restart needs).
func (b *Backend) listDomains(ctx context.Context, reap bool) ([]toolstack.DomainInfo, error) {
	var (
		wg   sync.WaitGroup
		vres Result
		verr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		vres, verr = b.xl(ctx, "vcpu-list", nil, "vcpu-list")
	}()
	rows, err := b.listRows(ctx, "list", nil, "list", "-v")
	if err != nil {
		wg.Wait()
		return nil, err
	}
	out := make([]toolstack.DomainInfo, len(rows))
	for i := range rows {
		out[i] = b.infoFromRow(rows[i])
	}
	if b.store() != nil {
		for i := range out {
			wg.Add(1)
			go func(d *toolstack.DomainInfo) {
				defer wg.Done()
				b.fillFromXenstore(ctx, d)
			}(&out[i])
		}
	}
	wg.Wait()
	if verr == nil {
		vrows, err := ParseVCPUList(vres.Stdout)
		if err != nil {
			return nil, wrapClass(toolstack.ErrBadState, "vcpu-list", nil, err)
		}
		byID := map[toolstack.Domid][]VCPURow{}
		for _, v := range vrows {
			byID[v.Domid] = append(byID[v.Domid], v)
		}
		for i := range out {
			setVCPUs(&out[i], byID[out[i].Domid])
		}
	}
	slices.SortFunc(out, func(a, b toolstack.DomainInfo) int { return int(a.Domid) - int(b.Domid) })
	if reap && b.reaping.TryLock() {
		gone := b.reap(ctx, out)
		b.reaping.Unlock()
		if len(gone) > 0 {
			// restarted domains appear in the next listing
			out = slices.DeleteFunc(out, func(d toolstack.DomainInfo) bool { return gone[d.Domid] })
		}
	}
	return out, nil
}

// setVCPUs records per-vCPU facts from vcpu-list rows (a domain that
// vanished between the two xl runs keeps none).
func setVCPUs(d *toolstack.DomainInfo, rows []VCPURow) {
	if len(rows) == 0 {
		return
	}
	d.VCPUs = nil
	for _, v := range rows {
		d.VCPUs = append(d.VCPUs, toolstack.VCPUInfo{
			ID: v.VCPU, Online: v.CPU >= 0, Running: v.State[0] == 'r', Blocked: v.State[1] == 'b',
			CPU: v.CPU, Time: v.Time, HardAffinity: v.Hard, SoftAffinity: v.Soft,
		})
	}
	if len(rows) > d.MaxVCPUs {
		d.MaxVCPUs = len(rows)
	}
}

// Domain implements toolstack.Toolstack: ListDomains' facts for one domain
// plus its vCPUs from `xl vcpu-list`.
func (b *Backend) Domain(ctx context.Context, id toolstack.Domid) (*toolstack.DomainInfo, error) {
	var (
		wg   sync.WaitGroup
		vres Result
		verr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		vres, verr = b.xl(ctx, "vcpu-list", id, "vcpu-list", did(id))
	}()
	rows, lerr := b.listRows(ctx, "domain info", id, "list", "-v", did(id))
	wg.Wait()
	if lerr != nil {
		return nil, lerr
	}
	if len(rows) != 1 {
		return nil, fail(toolstack.ErrBadState, "domain info", id, "xl list -v %d printed %d domains", id, len(rows))
	}
	d := b.infoFromRow(rows[0])
	b.fillFromXenstore(ctx, &d)
	if verr == nil {
		vrows, err := ParseVCPUList(vres.Stdout)
		if err != nil {
			return nil, wrapClass(toolstack.ErrBadState, "vcpu-list", id, err)
		}
		setVCPUs(&d, vrows)
	}
	return &d, nil
}

func (b *Backend) infoFromRow(r ListRow) toolstack.DomainInfo {
	d := toolstack.DomainInfo{
		Domid: r.Domid, UUID: r.UUID, Name: r.Name, Type: toolstack.TypePV, State: r.State,
		CurrentMemKB: r.MemMiB * 1024, TargetMemKB: r.MemMiB * 1024, MaxMemKB: r.MemMiB * 1024,
		OnlineVCPUs: r.VCPUs, MaxVCPUs: r.VCPUs, CPUTime: r.CPUTime,
	}
	if r.Reason >= 0 && r.State&toolstack.StateShutdown != 0 {
		d.ShutdownReason = toolstack.ShutdownReason(r.Reason)
	}
	if r.Domid != 0 && r.UUID == "" {
		d.UUID = ""
	}
	return d
}

// fillFromXenstore adds what only xenstore knows to d.
func (b *Backend) fillFromXenstore(ctx context.Context, d *toolstack.DomainInfo) {
	xs := b.store()
	if xs == nil {
		return
	}
	home := "/local/domain/" + did(d.Domid)
	num := func(p string) (uint64, bool) {
		v, err := xs.Read(ctx, p)
		if err != nil {
			return 0, false
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	if n, ok := num(home + "/memory/target"); ok {
		d.TargetMemKB = n
	}
	if n, ok := num(home + "/memory/static-max"); ok {
		d.MaxMemKB = n
	}
	if d.MaxMemKB < d.TargetMemKB {
		d.MaxMemKB = d.TargetMemKB
	}
	if t, err := xs.Read(ctx, "/libxl/"+did(d.Domid)+"/type"); err == nil {
		switch toolstack.DomainType(t) {
		case toolstack.TypeHVM, toolstack.TypePVH, toolstack.TypePV:
			d.Type = toolstack.DomainType(t)
		}
	}
	if cpus, err := xs.Directory(ctx, home+"/cpu"); err == nil && len(cpus) > d.MaxVCPUs {
		d.MaxVCPUs = len(cpus)
	}
	if tty, err := xs.Read(ctx, home+"/console/tty"); err == nil {
		d.ConsoleTTY = tty
	}
	if n, ok := num(home + "/store/ring-ref"); ok {
		d.StoreMFN = n
	}
	if n, ok := num(home + "/console/ring-ref"); ok {
		d.ConsoleMFN = n
	}
	if vm, err := xs.Read(ctx, home+"/vm"); err == nil && vm != "" {
		if st, err := xs.Read(ctx, vm+"/start_time"); err == nil {
			if f, err := strconv.ParseFloat(strings.TrimSpace(st), 64); err == nil {
				d.StartTime = time.Unix(0, int64(f*1e9)).UTC()
			}
		}
	}
}

// DomainConfig implements toolstack.Toolstack from `xl list -l` (cached
// for Options.CacheTTL, shared by concurrent callers). For dom0 it is the
// minimal config xl prints.
func (b *Backend) DomainConfig(ctx context.Context, id toolstack.Domid) (*toolstack.DomainConfig, error) {
	all, err := b.cache.get(ctx, false)
	if err != nil {
		return nil, wrapClass(toolstack.ErrBadState, "domain config", id, err)
	}
	cfg, ok := all[id]
	if !ok {
		// the domain may be newer than the cached answer
		if all, err = b.cache.get(ctx, true); err != nil {
			return nil, wrapClass(toolstack.ErrBadState, "domain config", id, err)
		}
		if cfg, ok = all[id]; !ok {
			return nil, fail(toolstack.ErrNotFound, "domain config", id, "no domain with id %d", id)
		}
	}
	return cfg.Clone(), nil
}
