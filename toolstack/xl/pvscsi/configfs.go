package pvscsi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FS is the part of a file system the controller uses for configfs. In
// configfs a directory made by mkdir is a kernel object (backstore, target
// port, portal group, LUN), its files are attributes, a symlink binds a
// LUN to a backstore, and rmdir destroys the object along with its
// attribute files and default groups. OSFS is the real one; tests use a
// fake tree with the same rules.
type FS interface {
	// MkdirAll creates a group and the groups above it.
	MkdirAll(path string) error
	// WriteAttr writes an attribute file.
	WriteAttr(path, value string) error
	// ReadAttr reads an attribute file.
	ReadAttr(path string) (string, error)
	// Symlink creates link pointing at target.
	Symlink(target, link string) error
	// Remove unlinks a symlink or removes a group (rmdir).
	Remove(path string) error
	// Exists reports whether path exists (a symlink counts, not followed).
	Exists(path string) bool
	// ReadDir lists the names in a directory.
	ReadDir(path string) ([]string, error)
}

// OSFS is FS on the real file system.
type OSFS struct{}

// MkdirAll implements FS.
func (OSFS) MkdirAll(path string) error { return os.MkdirAll(path, 0o755) }

// WriteAttr implements FS; configfs attributes exist once their object
// does, so the file is never created.
func (OSFS) WriteAttr(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadAttr implements FS.
func (OSFS) ReadAttr(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// Symlink implements FS.
func (OSFS) Symlink(target, link string) error { return os.Symlink(target, link) }

// Remove implements FS.
func (OSFS) Remove(path string) error { return os.Remove(path) }

// Exists implements FS.
func (OSFS) Exists(path string) bool { _, err := os.Lstat(path); return err == nil }

// ReadDir implements FS.
func (OSFS) ReadDir(path string) ([]string, error) {
	ents, err := os.ReadDir(path)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}

// Names xendshim gives the kernel objects it creates, so that Reconcile
// can tell them from others: target ports "naa.6001405ec5" + 6 hex digits
// (a locally made-up NAA-6 name under the Linux target's 001405 OUI
// prefix; scsiback accepts any "naa." name), backstores "xendshim_" +
// the same 6 digits, on the HBAs "iblock_0" and "fileio_0" (shared with
// other users of the target framework, so never removed).
const (
	wwnPrefix       = "naa.6001405ec5"
	backstorePrefix = "xendshim_"
	tpgDir          = "tpgt_1"
	lunDir          = "lun_0"
	lunLink         = "xendshim_port"
	fabric          = "xen-pvscsi"
)

// Backstore kinds.
const (
	KindBlock = "iblock" // a block device (target_core_iblock)
	KindFile  = "fileio" // a regular file (target_core_file)
)

// target names the configfs objects of one exported LUN.
type target struct {
	Kind string `json:"kind"`          // KindBlock or KindFile
	Path string `json:"path"`          // the block device or file
	Size int64  `json:"size,omitzero"` // bytes, for fileio
	Tag  string `json:"tag"`           // the 6 hex digits naming the objects
}

// newTag returns 6 random hex digits.
func newTag() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (t target) wwn() string  { return wwnPrefix + t.Tag }
func (t target) hba() string  { return t.Kind + "_0" }
func (t target) name() string { return backstorePrefix + t.Tag }
func (t target) pdev() string { return t.wwn() + ":0" } // scsiback's "<port>:<lun>"
func (t target) store(r string) string {
	return filepath.Join(r, "target", "core", t.hba(), t.name())
}
func (t target) port(r string) string { return filepath.Join(r, "target", fabric, t.wwn()) }
func (t target) tpg(r string) string  { return filepath.Join(t.port(r), tpgDir) }
func (t target) lun(r string) string  { return filepath.Join(t.tpg(r), "lun", lunDir) }

// configfs creates and destroys targets under a configfs root.
type configfs struct {
	fs   FS
	root string // e.g. /sys/kernel/config
}

// ready checks that the kernel target framework and xen-scsiback are there.
func (c configfs) ready() error {
	top := filepath.Join(c.root, "target")
	if !c.fs.Exists(filepath.Join(top, "core")) {
		return fmt.Errorf("%s/core is missing: the kernel SCSI target framework is not loaded (modprobe target_core_iblock target_core_file xen-scsiback; configfs mounted on %s)", top, c.root)
	}
	if !c.fs.Exists(filepath.Join(top, fabric)) {
		// mkdir of a fabric directory is how the target framework
		// registers a loaded fabric module.
		if err := c.fs.MkdirAll(filepath.Join(top, fabric)); err != nil {
			return fmt.Errorf("no %s fabric in %s (modprobe xen-scsiback): %w", fabric, top, err)
		}
	}
	return nil
}

// create builds the backstore, the xen-pvscsi port with its LUN, and the
// nexus. On failure it removes what it made and returns the first error.
func (c configfs) create(t target) error {
	if err := c.ready(); err != nil {
		return err
	}
	if err := c.build(t); err != nil {
		if uerr := c.destroy(t); uerr != nil {
			return fmt.Errorf("%w (and undoing it: %v)", err, uerr)
		}
		return err
	}
	return nil
}

func (c configfs) build(t target) error {
	store := t.store(c.root)
	if c.fs.Exists(store) || c.fs.Exists(t.port(c.root)) {
		return fmt.Errorf("configfs: %s or %s exists already", store, t.port(c.root))
	}
	if err := c.fs.MkdirAll(store); err != nil {
		return fmt.Errorf("configfs: backstore %s: %w", store, err)
	}
	control := "udev_path=" + t.Path
	if t.Kind == KindFile {
		control = fmt.Sprintf("fd_dev_name=%s,fd_dev_size=%d", t.Path, t.Size)
	}
	if err := c.fs.WriteAttr(filepath.Join(store, "control"), control); err != nil {
		return fmt.Errorf("configfs: backstore %s control %q: %w", store, control, err)
	}
	// udev_path is informational (the backing path, as targetcli shows
	// it; control alone is what the backstore uses), so a kernel that
	// refuses it does not fail the attach
	_ = c.fs.WriteAttr(filepath.Join(store, "udev_path"), t.Path)
	if err := c.fs.WriteAttr(filepath.Join(store, "enable"), "1"); err != nil {
		return fmt.Errorf("configfs: enabling backstore %s on %s: %w", store, t.Path, err)
	}
	lun := t.lun(c.root)
	if err := c.fs.MkdirAll(lun); err != nil {
		return fmt.Errorf("configfs: target LUN %s: %w", lun, err)
	}
	if err := c.fs.Symlink(store, filepath.Join(lun, lunLink)); err != nil {
		return fmt.Errorf("configfs: linking %s to %s: %w", lun, store, err)
	}
	if err := c.fs.WriteAttr(filepath.Join(t.tpg(c.root), "nexus"), t.wwn()); err != nil {
		return fmt.Errorf("configfs: nexus of %s: %w", t.tpg(c.root), err)
	}
	return nil
}

// destroy removes whatever exists of t, in reverse order of creation:
// LUN link, LUN, nexus, portal group, port, backstore. A missing object is
// not an error, so destroy can run again after a partial failure.
func (c configfs) destroy(t target) error {
	var errs []error
	rm := func(p string) {
		if c.fs.Exists(p) {
			if err := c.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("configfs: removing %s: %w", p, err))
			}
		}
	}
	lun := t.lun(c.root)
	rm(filepath.Join(lun, lunLink))
	rm(lun)
	nexus := filepath.Join(t.tpg(c.root), "nexus")
	if c.fs.Exists(nexus) {
		// reading a nexus that was never set fails (ENODEV): nothing to drop
		if v, err := c.fs.ReadAttr(nexus); err == nil && v != "" && v != "NULL" {
			if err := c.fs.WriteAttr(nexus, "NULL"); err != nil {
				errs = append(errs, fmt.Errorf("configfs: dropping nexus %s: %w", nexus, err))
			}
		}
	}
	rm(t.tpg(c.root))
	rm(t.port(c.root))
	rm(t.store(c.root))
	return errors.Join(errs...)
}

// exists reports whether any object of t is present.
func (c configfs) exists(t target) bool {
	return c.fs.Exists(t.port(c.root)) || c.fs.Exists(t.store(c.root))
}

// orphans lists the tags of xendshim's objects present in configfs.
func (c configfs) orphans() []target {
	seen := map[string]bool{}
	var out []target
	ports, _ := c.fs.ReadDir(filepath.Join(c.root, "target", fabric))
	for _, p := range ports {
		if tag, ok := strings.CutPrefix(p, wwnPrefix); ok && !seen[tag] {
			seen[tag] = true
			out = append(out, target{Kind: KindBlock, Tag: tag})
		}
	}
	for _, kind := range []string{KindBlock, KindFile} {
		names, _ := c.fs.ReadDir(filepath.Join(c.root, "target", "core", kind+"_0"))
		for _, n := range names {
			if tag, ok := strings.CutPrefix(n, backstorePrefix); ok {
				if !seen[tag] {
					seen[tag] = true
					out = append(out, target{Kind: kind, Tag: tag})
				} else {
					for i := range out {
						if out[i].Tag == tag {
							out[i].Kind = kind
						}
					}
				}
			}
		}
	}
	return out
}
