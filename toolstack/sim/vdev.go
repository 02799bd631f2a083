package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// vdevNumber converts a guest disk name to Xen's device number, the vbd
// devid (docs/misc/vbd-interface.txt): xvda1 = 51713, hda = 768,
// sdb = 2064. A plain decimal number is taken as it is.
func vdevNumber(vdev string) (int, error) {
	v := vdev
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[:i] // "hdc:cdrom"
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	var prefix string
	for _, p := range []string{"xvd", "hd", "sd"} {
		if strings.HasPrefix(v, p) {
			prefix = p
			break
		}
	}
	if prefix == "" {
		return 0, fmt.Errorf("%q is not a disk name (xvdX, hdX, sdX or a device number)", vdev)
	}
	rest := v[len(prefix):]
	i := 0
	for i < len(rest) && rest[i] >= 'a' && rest[i] <= 'z' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q has no disk letter", vdev)
	}
	disk := 0
	for _, c := range rest[:i] {
		disk = disk*26 + int(c-'a') + 1
	}
	disk--
	part := 0
	if i < len(rest) {
		p, err := strconv.Atoi(rest[i:])
		if err != nil || p < 0 {
			return 0, fmt.Errorf("%q has a bad partition number", vdev)
		}
		part = p
	}
	switch prefix {
	case "hd":
		if disk > 3 || part > 63 {
			return 0, fmt.Errorf("%q: IDE disks are hda-hdd with partitions up to 63", vdev)
		}
		major := 3
		if disk >= 2 {
			major = 22
		}
		return major<<8 | (disk%2)<<6 | part, nil
	case "sd":
		if disk < 16 && part < 16 {
			return 8<<8 | disk<<4 | part, nil
		}
	case "xvd":
		if disk < 16 && part < 16 {
			return 202<<8 | disk<<4 | part, nil
		}
	}
	if part > 255 || disk >= 1<<20 {
		return 0, fmt.Errorf("%q is out of range", vdev)
	}
	return 1<<28 | disk<<8 | part, nil
}
