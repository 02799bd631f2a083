package xl

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xendshim/xendshim/toolstack"
)

// ListRow is one line of `xl list` (or `xl list -v`).
type ListRow struct {
	Name    string
	Domid   toolstack.Domid
	MemMiB  uint64
	VCPUs   int
	State   toolstack.DomainState
	CPUTime time.Duration
	// With -v only: UUID, and the shutdown reason code (-1 when "-").
	UUID   string
	Reason int
}

// listLine matches a domain line: name (which may hold spaces), id, memory
// MiB, vCPUs, the six state flags, CPU seconds, then what -v adds (UUID,
// reason code, security label) or -n adds (NODE affinity). Columns are separated by spaces or tabs
// depending on the xl version.
var listLine = regexp.MustCompile(`^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([r-][b-][p-][s-][c-][d-])\s+(\d+(?:\.\d+)?)(?:\s+([0-9a-fA-F-]{36})\s+(-|-?\d+)(?:\s+.*)?|\s+[0-9,-]+|\s+all|\s+none)?\s*$`)

// ParseList parses `xl list` and `xl list -v` output (Xen 4.1 to 4.17+).
// The header line is recognised by its "Name" column and skipped. A line
// that is not a domain line is an error naming the line number.
func ParseList(out []byte) ([]ListRow, error) {
	var rows []ListRow
	lines, err := tableRows(out, listLine, "xl list", "a domain line (name, id, mem, vcpus, state, time)")
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		m := l.m
		id, _ := strconv.ParseUint(m[2], 10, 32)
		mem, _ := strconv.ParseUint(m[3], 10, 64)
		vc, _ := strconv.Atoi(m[4])
		st, _ := toolstack.ParseDomainState(m[5])
		secs, _ := strconv.ParseFloat(m[6], 64)
		r := ListRow{Name: m[1], Domid: toolstack.Domid(id), MemMiB: mem, VCPUs: vc, State: st,
			CPUTime: time.Duration(secs * float64(time.Second)), UUID: strings.ToLower(m[7]), Reason: -1}
		if m[8] != "" && m[8] != "-" {
			r.Reason, _ = strconv.Atoi(m[8])
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// tableLine is one matched line of an xl table: its 1-based line number
// and the regexp's submatches.
type tableLine struct {
	n int
	m []string
}

// tableRows matches every line of a table that xl printed against re,
// skipping blank lines and a first line that is the "Name …" header. A
// line that does not match is an error naming the command, the line number
// and what the line should have been.
func tableRows(out []byte, re *regexp.Regexp, cmd, want string) ([]tableLine, error) {
	var rows []tableLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || (n == 1 && strings.HasPrefix(line, "Name")) {
			continue
		}
		m := re.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s output line %d: %q is not %s", cmd, n, line, want)
		}
		rows = append(rows, tableLine{n, m})
	}
	return rows, sc.Err()
}

// VCPURow is one line of `xl vcpu-list`.
type VCPURow struct {
	Name  string
	Domid toolstack.Domid
	VCPU  int
	// CPU is -1 when the vCPU is offline ("-").
	CPU int
	// State is the three flags "rbp" (running, blocked, paused) with '-'.
	State string
	Time  time.Duration
	// Hard and Soft are the affinities; nil means all CPUs.
	Hard, Soft toolstack.Bitmap
}

var vcpuLine = regexp.MustCompile(`^(.*?)\s+(\d+)\s+(\d+)\s+(-|\d+)\s+([r-][b-][p-])\s+(\d+(?:\.\d+)?)\s+(any cpu|\S+)(?:\s*/\s*(any cpu|\S+))?\s*$`)

// ParseVCPUList parses `xl vcpu-list` output. Xen 4.5+ prints "hard / soft"
// affinities; older versions print one affinity column.
func ParseVCPUList(out []byte) ([]VCPURow, error) {
	var rows []VCPURow
	lines, err := tableRows(out, vcpuLine, "xl vcpu-list", "a vCPU line")
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		n, m := l.n, l.m
		id, _ := strconv.ParseUint(m[2], 10, 32)
		v, _ := strconv.Atoi(m[3])
		cpu := -1
		if m[4] != "-" {
			cpu, _ = strconv.Atoi(m[4])
		}
		secs, _ := strconv.ParseFloat(m[6], 64)
		hard, err := ParseCPUList(m[7])
		if err != nil {
			return nil, fmt.Errorf("xl vcpu-list output line %d: hard affinity: %w", n, err)
		}
		soft, err := ParseCPUList(m[8])
		if err != nil {
			return nil, fmt.Errorf("xl vcpu-list output line %d: soft affinity: %w", n, err)
		}
		rows = append(rows, VCPURow{Name: m[1], Domid: toolstack.Domid(id), VCPU: v, CPU: cpu, State: m[5],
			Time: time.Duration(secs * float64(time.Second)), Hard: hard, Soft: soft})
	}
	return rows, nil
}

// ParseCPUList parses an xl CPU list: "all" or "" (nil: all CPUs), "none"
// (empty, non-nil), or ranges such as "0-3,6".
func ParseCPUList(s string) (toolstack.Bitmap, error) {
	switch s {
	case "", "all", "any cpu":
		return nil, nil
	case "none":
		return toolstack.Bitmap{}, nil
	}
	var b toolstack.Bitmap
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("cpu list %q: %q is not a CPU number", s, lo)
		}
		z := a
		if isRange {
			if z, err = strconv.Atoi(hi); err != nil || z < a {
				return nil, fmt.Errorf("cpu list %q: bad range %q", s, part)
			}
		}
		if z-a > 4096 {
			return nil, fmt.Errorf("cpu list %q: range %q too large", s, part)
		}
		for c := a; c <= z; c++ {
			b = append(b, c)
		}
	}
	return b, nil
}

// FormatCPUList renders a bitmap for xl's command line ("all" when empty).
func FormatCPUList(b toolstack.Bitmap) string {
	if len(b) == 0 {
		return "all"
	}
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

// KV is one "key : value" line of `xl info`, in output order.
type KV struct{ Key, Value string }

// ParseInfo parses `xl info` (and `xl info -n`): "key   : value" lines. The
// multi-line NUMA and topology tables of -n are skipped.
func ParseInfo(out []byte) ([]KV, error) {
	var kvs []KV
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		kvs = append(kvs, KV{k, strings.TrimSpace(v)})
	}
	if len(kvs) == 0 {
		return nil, fmt.Errorf("xl info output has no \"key : value\" lines")
	}
	return kvs, sc.Err()
}

// HostInfoFromXLInfo builds the hypervisor part of HostInfo from `xl info`.
// Memory is converted from MiB to KiB; unknown keys are ignored and missing
// ones stay zero, so output from 4.1 to 4.17+ is accepted.
func HostInfoFromXLInfo(kvs []KV) (*toolstack.HostInfo, error) {
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(m[k]); return n }
	mib := func(k string) uint64 { n, _ := strconv.ParseUint(m[k], 10, 64); return n * 1024 }
	h := &toolstack.HostInfo{}
	h.Uname = toolstack.Uname{Sysname: "Linux", Nodename: m["host"], Release: m["release"], Version: m["version"], Machine: m["machine"]}
	h.Phys = toolstack.PhysInfo{
		NrCPUs: atoi("nr_cpus"), NrNodes: atoi("nr_nodes"), CoresPerSocket: atoi("cores_per_socket"),
		ThreadsPerCore: atoi("threads_per_core"), VirtCaps: m["virt_caps"], TotalMemKB: mib("total_memory"),
		FreeMemKB: mib("free_memory"), FreeCPUs: atoi("free_cpus"),
	}
	if mhz, err := strconv.ParseFloat(m["cpu_mhz"], 64); err == nil {
		h.Phys.CPUkHz = int(mhz*1000 + 0.5)
	}
	for i, w := range strings.Split(m["hw_caps"], ":") {
		if i >= len(h.Phys.HWCaps) {
			break
		}
		v, err := strconv.ParseUint(w, 16, 32)
		if err == nil {
			h.Phys.HWCaps[i] = uint32(v)
		}
	}
	h.Xen = toolstack.XenVersion{
		Major: atoi("xen_major"), Minor: atoi("xen_minor"), Extra: m["xen_extra"], Caps: strings.TrimSpace(m["xen_caps"]),
		PageSize: atoi("xen_pagesize"), PlatformParams: m["platform_params"], Changeset: m["xen_changeset"],
		Commandline: m["xen_commandline"], Compiler: m["cc_compiler"], CompileBy: m["cc_compile_by"],
		CompileDomain: m["cc_compile_domain"], CompileDate: m["cc_compile_date"],
	}
	h.Sched = toolstack.SchedulerInfo{Name: m["xen_scheduler"]}
	switch h.Sched.Name {
	case "credit":
		h.Sched.ID, h.Sched.DefaultWeight = 5, 256
	case "credit2":
		h.Sched.ID, h.Sched.DefaultWeight = 6, 256
	case "rtds":
		h.Sched.ID = 8
	case "arinc653":
		h.Sched.ID = 7
	case "null":
		h.Sched.ID = 9
	}
	if h.Xen.Major == 0 && h.Phys.NrCPUs == 0 {
		return nil, fmt.Errorf("xl info output lacks xen_major and nr_cpus")
	}
	return h, nil
}

// SchedRow is one domain line of `xl sched-credit` or `xl sched-credit2`.
type SchedRow struct {
	Name   string
	Domid  toolstack.Domid
	Weight int
	// Cap is -1 when the scheduler prints no cap column (credit2 before 4.10).
	Cap int
}

var schedLine = regexp.MustCompile(`^(.*?)\s+(\d+)\s+(\d+)(?:\s+(\d+))?\s*$`)

// ParseSched parses `xl sched-credit` / `xl sched-credit2` output. Pool
// lines ("Cpupool Pool-0: tslice=30ms ...") and headers are skipped.
func ParseSched(out []byte) ([]SchedRow, error) {
	var rows []SchedRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "Cpupool ") || strings.HasPrefix(line, "Name") {
			continue
		}
		m := schedLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("xl sched output line %d: %q is not a domain line (name, id, weight, cap)", n, line)
		}
		id, _ := strconv.ParseUint(m[2], 10, 32)
		w, _ := strconv.Atoi(m[3])
		c := -1
		if m[4] != "" {
			c, _ = strconv.Atoi(m[4])
		}
		rows = append(rows, SchedRow{Name: m[1], Domid: toolstack.Domid(id), Weight: w, Cap: c})
	}
	return rows, sc.Err()
}

// ParseTable parses the column tables of `xl block-list`, `xl network-list`,
// `xl vtpm-list` and `xl usbctrl-list`: a header line, then one line per
// device with whitespace-separated fields. Each row maps header names to
// fields; a row with more fields than the header puts the rest in the last
// column.
func ParseTable(out []byte) ([]map[string]string, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	var header []string
	var rows []map[string]string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if header == nil {
			header = tableHeader(line)
			continue
		}
		f := strings.Fields(line)
		row := map[string]string{}
		for i, h := range header {
			switch {
			case i < len(f) && i == len(header)-1:
				row[h] = strings.Join(f[i:], " ")
			case i < len(f):
				row[h] = f[i]
			}
		}
		rows = append(rows, row)
	}
	if header == nil && len(bytes.TrimSpace(out)) > 0 {
		return nil, fmt.Errorf("xl device list output has no header line")
	}
	return rows, sc.Err()
}

// tableHeader splits a device-list header into column names, keeping
// "Mac Addr." and "tx-/rx-ring-ref" whole.
func tableHeader(line string) []string {
	line = strings.Replace(line, "Mac Addr.", "Mac-Addr.", 1)
	return strings.Fields(line)
}

// ParseDmesg returns `xl dmesg` output as text; it only checks that it is
// text (the hypervisor ring is ASCII with occasional escape codes).
func ParseDmesg(out []byte) (string, error) {
	if bytes.IndexByte(out, 0) >= 0 {
		return "", fmt.Errorf("xl dmesg output contains NUL bytes")
	}
	return string(out), nil
}
