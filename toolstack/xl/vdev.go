package xl

import (
	"fmt"
	"strconv"
	"strings"
)

// validMAC reports whether s is six colon-separated hex pairs of a unicast address.
func validMAC(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return false
	}
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 16, 8)
		if len(p) != 2 || err != nil {
			return false
		}
		if i == 0 && v&1 == 1 {
			return false
		}
	}
	return true
}

// VdevNumber converts a guest disk name to Xen's device number (the vbd
// devid, docs/misc/vbd-interface.txt): xvda = 51712, xvdb1 = 51729,
// hda = 768, sdb = 2064; a plain number is taken as it is.
func VdevNumber(vdev string) (int, error) {
	v, _, _ := strings.Cut(vdev, ":")
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	prefix := ""
	for _, p := range []string{"xvd", "hd", "sd"} {
		if strings.HasPrefix(v, p) {
			prefix = p
			break
		}
	}
	if prefix == "" {
		return 0, fmt.Errorf("disk name %q: want xvdX, hdX, sdX or a device number", vdev)
	}
	rest := v[len(prefix):]
	i := 0
	for i < len(rest) && rest[i] >= 'a' && rest[i] <= 'z' {
		i++
	}
	if i == 0 || i > 3 {
		return 0, fmt.Errorf("disk name %q: no disk letter", vdev)
	}
	disk := 0
	for _, c := range rest[:i] {
		disk = disk*26 + int(c-'a') + 1
	}
	disk--
	part := 0
	if i < len(rest) {
		p, err := strconv.Atoi(rest[i:])
		if err != nil || p < 0 || p > 255 {
			return 0, fmt.Errorf("disk name %q: bad partition number", vdev)
		}
		part = p
	}
	switch {
	case prefix == "hd":
		if disk > 3 || part > 63 {
			return 0, fmt.Errorf("disk name %q: IDE disks are hda-hdd with partitions up to 63", vdev)
		}
		major := 3
		if disk >= 2 {
			major = 22
		}
		return major<<8 | (disk%2)<<6 | part, nil
	case prefix == "sd" && disk < 16 && part < 16:
		return 8<<8 | disk<<4 | part, nil
	case prefix == "xvd" && disk < 16 && part < 16:
		return 202<<8 | disk<<4 | part, nil
	}
	return 1<<28 | disk<<8 | part, nil
}
