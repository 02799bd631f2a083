package convert

// Disks already written in xl's syntax, as xl-era files have them.

import (
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

var xlFormats = map[string]bool{"raw": true, "qcow": true, "qcow2": true, "vhd": true, "qed": true, "empty": true}

// isXLDisk reports whether a disk string is already in xl's syntax
// (key=value parameters, or TARGET,FORMAT,VDEV,ACCESS positional form), as
// xl-era files in the corpus have.
func isXLDisk(spec string) bool {
	f := strings.Split(spec, ",")
	for _, x := range f {
		k, _, ok := strings.Cut(strings.TrimSpace(x), "=")
		if ok && (k == "vdev" || k == "target" || k == "format" || k == "access" || k == "backendtype" || k == "devtype") {
			return true
		}
	}
	return len(f) >= 2 && (xlFormats[strings.TrimSpace(f[1])] || (len(f) >= 4 && strings.TrimSpace(f[1]) == ""))
}

// parseXLDisk reads xl's disk syntax (xl-disk-configuration(5)).
func (c *conv) parseXLDisk(spec string) (toolstack.DeviceDisk, error) {
	d := toolstack.DeviceDisk{Format: "raw", Readwrite: 1}
	pos := 0
	parts := strings.Split(spec, ",")
	for i := 0; i < len(parts); i++ {
		p := strings.TrimSpace(parts[i])
		k, v, kv := strings.Cut(p, "=")
		if kv && k == "target" {
			d.PdevPath = strings.Join(append([]string{v}, parts[i+1:]...), ",")
			break
		}
		if !kv {
			switch {
			case p == "cdrom":
				d.IsCDROM = 1
				continue
			case p == "":
				pos++
				continue
			}
			switch pos {
			case 0:
				d.PdevPath = p
			case 1:
				d.Format = p
			case 2:
				d.Vdev = p
			case 3:
				k, v = "access", p
			default:
				return d, c.refuse("disk", "see xl-disk-configuration(5)", "%q: too many positional parameters", spec)
			}
			pos++
			if pos <= 3 {
				continue
			}
		}
		switch k {
		case "format":
			d.Format = v
		case "vdev":
			d.Vdev = v
		case "access":
			switch v {
			case "r", "ro":
				d.Readwrite = 0
			case "w", "rw":
				d.Readwrite = 1
			default:
				return d, c.refuse("disk", "use ro or rw", "%q: unknown access %q", spec, v)
			}
		case "devtype":
			if v == "cdrom" {
				d.IsCDROM = 1
			}
		case "backendtype":
			d.Backend = v
		case "backend":
			d.BackendDomname = v
		case "script":
			d.Script = v
		default:
			c.note("disk", xmconfig.Info, "%q: xl disk parameter %s not carried", spec, k)
		}
	}
	if d.Vdev == "" {
		return d, c.refuse("disk", "name the guest device (vdev=)", "%q: no vdev", spec)
	}
	if d.IsCDROM != 0 {
		d.Readwrite = 0
	}
	if d.PdevPath == "" && d.IsCDROM != 0 {
		d.Format = "empty"
	}
	return d, nil
}
