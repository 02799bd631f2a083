package xend

import (
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// parseCpus reads xend's cpus setting: a string such as "1-2,^2" or a list
// of such strings (one per vCPU), into per-vCPU affinity.
func parseCpus(v sxp.Value, vcpus int) ([][]int, error) {
	out := make([][]int, vcpus)
	if v.IsList() {
		for i := 0; i < vcpus && i < v.Len(); i++ {
			if item := v.Index(i); item.IsList() {
				for _, c := range item.Items() {
					n, err := c.AsInt()
					if err != nil {
						return nil, xendError("Invalid Configuration: cpus: %s is not a CPU number", sxp.Quote(c.Text()))
					}
					out[i] = append(out[i], int(n))
				}
				continue
			}
			cpus, err := parseCPUList(v.Index(i).Text())
			if err != nil {
				return nil, err
			}
			out[i] = cpus
		}
		return out, nil
	}
	cpus, err := parseCPUList(v.Text())
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = append([]int(nil), cpus...)
	}
	return out, nil
}

// parseCPUList parses "0,2-3,^2" into a sorted list of CPU numbers.
func parseCPUList(s string) ([]int, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		neg := strings.HasPrefix(part, "^")
		part = strings.TrimPrefix(part, "^")
		lo, hi := part, part
		if i := strings.IndexByte(part, '-'); i > 0 {
			lo, hi = part[:i], part[i+1:]
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b || a < 0 {
			return nil, xendError("Invalid Configuration: cpus: bad CPU list %s", sxp.Quote(s))
		}
		for c := a; c <= b; c++ {
			if neg {
				delete(set, c)
			} else {
				set[c] = true
			}
		}
	}
	out := make([]int, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sortInts(out)
	return out, nil
}

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
