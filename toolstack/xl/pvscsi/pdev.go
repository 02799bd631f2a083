package pvscsi

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// HCTL is a SCSI address: host, channel, target, LUN.
type HCTL [4]uint32

// ParseHCTL parses "H:C:T:L" (four decimal numbers).
func ParseHCTL(s string) (HCTL, error) {
	var h HCTL
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return h, fmt.Errorf("%q is not H:C:T:L (four numbers joined by ':')", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return h, fmt.Errorf("%q is not H:C:T:L: %q is not a number", s, p)
		}
		h[i] = uint32(n)
	}
	return h, nil
}

// String formats h as "H:C:T:L".
func (h HCTL) String() string { return fmt.Sprintf("%d:%d:%d:%d", h[0], h[1], h[2], h[3]) }

// resolver finds the dom0 device behind a p-dev.
type resolver struct {
	sys string // sysfs root, e.g. /sys
	dev string // device directory, e.g. /dev
}

// resolve turns a p-dev as xend accepted it ("H:C:T:L", "/dev/sdb",
// "sdb") or a regular file's absolute path into a backstore target and
// the device name xend showed as p-devname.
func (r resolver) resolve(pdev string) (target, string, error) {
	if _, err := ParseHCTL(pdev); err == nil {
		dir := filepath.Join(r.sys, "bus", "scsi", "devices", pdev, "block")
		names, err := os.ReadDir(dir)
		if err != nil || len(names) == 0 {
			return target{}, "", fmt.Errorf("p-dev %s: dom0 has no SCSI disk at %s (see /sys/bus/scsi/devices or lsscsi)", pdev, pdev)
		}
		name := names[0].Name()
		return target{Kind: KindBlock, Path: filepath.Join(r.dev, name)}, name, nil
	}
	path := pdev
	if rest, ok := strings.CutPrefix(pdev, "/dev/"); ok {
		path = filepath.Join(r.dev, rest) // DevDir stands for /dev
	} else if !strings.Contains(pdev, "/") {
		path = filepath.Join(r.dev, pdev)
	}
	if !filepath.IsAbs(path) {
		return target{}, "", fmt.Errorf("p-dev %q: want H:C:T:L, a device (/dev/sdb or sdb) or an absolute file path", pdev)
	}
	st, err := os.Stat(path)
	if err != nil {
		return target{}, "", fmt.Errorf("p-dev %s: %w", pdev, err)
	}
	inDev := strings.HasPrefix(path, filepath.Clean(r.dev)+"/")
	switch {
	case st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0, inDev && st.Mode().IsRegular():
		// a block device (in tests, a stand-in file under the fake /dev)
		return target{Kind: KindBlock, Path: path}, filepath.Base(path), nil
	case st.Mode().IsRegular():
		if st.Size() < 512 {
			return target{}, "", fmt.Errorf("p-dev %s: a file LUN needs at least one 512-byte block (it has %d bytes)", pdev, st.Size())
		}
		return target{Kind: KindFile, Path: path, Size: st.Size()}, path, nil
	}
	return target{}, "", fmt.Errorf("p-dev %s is neither a block device nor a regular file", pdev)
}

// nodeNum is n of a vscsi-devs entry "dev-n" (-1 if malformed).
func nodeNum(node string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(node, "dev-"))
	if err != nil || !strings.HasPrefix(node, "dev-") {
		return -1
	}
	return n
}
