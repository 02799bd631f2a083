package convert

// PCI passthrough (config.md §3.4) and PVSCSI (§3.5) specs.

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

var pciRe = regexp.MustCompile(`^(?:([0-9a-fA-F]{1,4})[:,])?([0-9a-fA-F]{1,2})[:,]([0-9a-fA-F]{1,2})[.,]([0-7*](?:[-,=][0-7])*)(?:@([0-9a-fA-F]{1,2}))?((?:,[a-z_]+=[a-z0-9]+)*)$`)

// parsePCI converts one xm pci string (§3.4) into one entry per function.
func (c *conv) parsePCI(spec string) ([]toolstack.DevicePCI, error) {
	s := strings.ReplaceAll(strings.TrimSpace(spec), " ", "")
	m := pciRe.FindStringSubmatch(s)
	if m == nil {
		return nil, c.refuse("pci", "write [DOMAIN:]BUS:SLOT.FUNC[@VSLOT][,opt=val]", "%q is not a PCI address", spec)
	}
	hex := func(x string) uint64 { v, _ := strconv.ParseUint(x, 16, 32); return v }
	base := toolstack.DevicePCI{Domain: int(hex(m[1])), Bus: uint8(hex(m[2])), Dev: uint8(hex(m[3])), MSITranslate: true}
	if m[5] != "" {
		base.Vdevfn = uint32(hex(m[5])) << 3
	}
	for _, opt := range strings.Split(strings.TrimPrefix(m[6], ","), ",") {
		if opt == "" {
			continue
		}
		k, v, _ := strings.Cut(opt, "=")
		on := v == "1" || v == "yes"
		if !on && v != "0" && v != "no" {
			return nil, c.refuse("pci", "use 0, 1, yes or no", "%q: bad value for %s", spec, k)
		}
		switch k {
		case "msitranslate":
			base.MSITranslate = on
		case "power_mgmt":
			base.PowerMgmt = on
		case "permissive":
			base.Permissive = on
			c.note("pci", xmconfig.Info, "%q: permissive is an xl option (xm took it from xend-pci-permissive.sxp)", spec)
		case "seize":
			base.Seize = on
		default:
			return nil, c.refuse("pci", "only msitranslate and power_mgmt are xm options", "%q: unknown option %s", spec, k)
		}
	}
	var out []toolstack.DevicePCI
	fn := m[4]
	switch {
	case fn == "*":
		d := base
		d.VfuncMask = 0xff
		c.note("pci", xmconfig.Info, "%q: all functions", spec)
		return append(out, d), nil
	case strings.ContainsAny(fn, "-,="):
		if strings.Contains(fn, "=") {
			c.note("pci", xmconfig.Warning, "%q: physical=virtual function mapping cannot be expressed in xl; functions passed as they are", spec)
		}
		for _, part := range strings.Split(fn, ",") {
			part, _, _ = strings.Cut(part, "=")
			lo, hi, isRange := strings.Cut(part, "-")
			a := hex(lo)
			b := a
			if isRange {
				b = hex(hi)
			}
			for f := a; f <= b && f < 8; f++ {
				d := base
				d.Func = uint8(f)
				out = append(out, d)
			}
		}
		c.note("pci", xmconfig.Info, "%q: function list expanded into %d entries", spec, len(out))
		return out, nil
	}
	base.Func = uint8(hex(fn))
	return append(out, base), nil
}

// vscsi parses 'PDEV, VDEV[, BACKEND]' strings into controllers keyed by
// the virtual host number, as xend grouped them.
func (c *conv) parseVSCSI(specs []string) ([]toolstack.DeviceVSCSI, error) {
	var out []toolstack.DeviceVSCSI
	idx := map[string]int{}
	for _, spec := range specs {
		f := strings.Split(spec, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) < 2 || len(f) > 3 || f[0] == "" || f[1] == "" {
			return nil, c.refuse("vscsi", "write 'PDEV, VDEV[, BACKEND]'", "%q is not a vscsi entry", spec)
		}
		host := "host"
		if f[1] != "host" {
			h := strings.Split(f[1], ":")
			if len(h) != 4 {
				return nil, c.refuse("vscsi", "VDEV is H:C:T:L or host", "%q: bad virtual device %q", spec, f[1])
			}
			host = h[0]
		}
		i, ok := idx[host]
		if !ok {
			dev := toolstack.DeviceVSCSI{Devid: len(out), FeatureHost: f[1] == "host"}
			if len(f) == 3 {
				if n, err := strconv.Atoi(f[2]); err == nil {
					dev.BackendDomid = uint32(n)
				}
			}
			out = append(out, dev)
			i = len(out) - 1
			idx[host] = i
		}
		out[i].LUNs = append(out[i].LUNs, toolstack.VSCSILUN{PDev: f[0], VDev: f[1]})
	}
	return out, nil
}
