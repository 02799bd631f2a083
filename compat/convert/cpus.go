package convert

// vCPUs, affinity and scheduler weights (config.md §2.2).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

func (c *conv) cpus(cfg *toolstack.DomainConfig) error {
	vcpus, ok, err := c.integer("vcpus")
	if err != nil {
		return err
	}
	if !ok {
		vcpus = 1
	}
	if vcpus < 1 || vcpus > 4096 {
		return c.refuse("vcpus", "give a count from 1", "vcpus = %d is out of range", vcpus)
	}
	maxv := vcpus
	if m, ok, err := c.integer("maxvcpus"); err != nil {
		return err
	} else if ok && m > 0 {
		maxv = m
		if maxv < vcpus {
			maxv = vcpus
		}
	}
	online := vcpus
	if avail, ok, err := c.integer("vcpu_avail"); err != nil {
		return err
	} else if ok {
		k := int64(0)
		for (avail>>k)&1 == 1 {
			k++
		}
		if avail>>k != 0 || k == 0 {
			c.note("vcpu_avail", xmconfig.Warning, "mask %#x has holes; xl can only bring up vCPUs 0..n-1, so %d vCPUs are online", avail, popcount(avail))
			k = popcount(avail)
		} else {
			c.note("vcpu_avail", xmconfig.Info, "mask %#x: %d of %d vCPUs online (vcpus/maxvcpus)", avail, k, maxv)
		}
		if k > maxv {
			k = maxv
		}
		online = k
	}
	cfg.BInfo.MaxVCPUs = int(maxv)
	avail := make(toolstack.Bitmap, online)
	for i := range avail {
		avail[i] = i
	}
	cfg.BInfo.AvailVCPUs = avail

	// cpus: string for all vCPUs or a list per vCPU; the deprecated cpu is
	// merged in front, as xend did.
	var cpuStr string
	var cpuList []string
	if v, ok, err := c.value("cpus"); err != nil {
		return err
	} else if ok {
		switch v.Kind {
		case xmconfig.Str:
			cpuStr = v.S
		case xmconfig.List:
			l, _, err := c.strList("cpus", false)
			if err != nil {
				return err
			}
			cpuList = l
		case xmconfig.Int:
			if !c.opts.Lenient {
				return c.refuse("cpus", "write cpus = \""+v.Str()+"\" or pass --lenient", "an int for cpus crashed xend")
			}
			cpuStr = v.Str()
			c.note("cpus", xmconfig.Warning, "int turned into a string (--lenient); xend crashed on it")
		}
	}
	if cpu, ok, err := c.integer("cpu"); err != nil {
		return err
	} else if ok && cpu >= 0 {
		if cpuStr != "" {
			cpuStr = strconv.FormatInt(cpu, 10) + "," + cpuStr
		} else if cpuList == nil {
			cpuStr = strconv.FormatInt(cpu, 10)
		}
		c.note("cpu", xmconfig.Info, "deprecated; merged into cpus as xend did")
	}
	if cpuStr != "" {
		bm, err := parseCPUList(cpuStr)
		if err != nil {
			return c.refuse("cpus", "use the form \"0-3,5,^1\"", "%v", err)
		}
		cfg.BInfo.CPUMap = bm
	}
	if cpuList != nil && len(cpuList) != int(maxv) {
		c.note("cpus", xmconfig.Warning, "%d affinity entries for %d vCPUs: xend required one per vCPU and refused this; xl accepts it", len(cpuList), maxv)
	}
	for _, s := range cpuList {
		bm, err := parseCPUList(s)
		if err != nil {
			return c.refuse("cpus", "use the form \"0-3,5,^1\"", "%v", err)
		}
		cfg.BInfo.VCPUHardAffinity = append(cfg.BInfo.VCPUHardAffinity, bm)
	}
	if w, ok, err := c.integer("cpu_weight"); err != nil {
		return err
	} else if ok && w != 256 {
		wi := int(w)
		cfg.BInfo.SchedParams.Weight = &wi
	}
	if cp, ok, err := c.integer("cpu_cap"); err != nil {
		return err
	} else if ok && cp != 0 {
		ci := int(cp)
		cfg.BInfo.SchedParams.Cap = &ci
		c.note("cpu_cap", xmconfig.Info, "renamed to cap")
	}
	return nil
}

func popcount(x int64) int64 {
	n := int64(0)
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// parseCPUList parses xm's cpus syntax "0-3,5,^1".
func parseCPUList(s string) (toolstack.Bitmap, error) {
	set := map[int]bool{}
	var order []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		neg := strings.HasPrefix(part, "^")
		part = strings.TrimPrefix(part, "^")
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err != nil || a < 0 || b < a || b > 4095 {
			return nil, fmt.Errorf("cpu list %q: bad element %q", s, part)
		}
		for i := a; i <= b; i++ {
			if neg {
				set[i] = false
			} else {
				if _, seen := set[i]; !seen {
					order = append(order, i)
				}
				set[i] = true
			}
		}
	}
	var out toolstack.Bitmap
	for _, i := range order {
		if set[i] {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cpu list %q selects no CPU", s)
	}
	return out.Normalized(), nil
}
