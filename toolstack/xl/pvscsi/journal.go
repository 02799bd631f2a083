package pvscsi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Phases of a journal entry, in the order attach goes through them.
const (
	// PhaseConfigfs: the kernel target is being created; nothing is in
	// xenstore yet.
	PhaseConfigfs = "configfs"
	// PhaseXenstore: the target exists and the xenstore nodes are being
	// written and the xenbus states driven.
	PhaseXenstore = "xenstore"
	// PhaseExported: the LUN is the guest's.
	PhaseExported = "exported"
	// PhaseRemoving: detach (or teardown after the domain died) has begun.
	PhaseRemoving = "removing"
)

// Entry is the journal record of one LUN given to a guest.
type Entry struct {
	Domid uint32 `json:"domid"`
	// VM is the domain's /local/domain/N/vm value when attached: a
	// different (or no) value later means the domain is gone.
	VM    string `json:"vm"`
	Devid int    `json:"devid"`
	// VDev is the guest's H:C:T:L; PDev and PDevname are the host device
	// as asked for and as resolved.
	VDev     string `json:"v_dev"`
	PDev     string `json:"p_dev"`
	PDevname string `json:"p_devname"`
	// Node is the LUN's entry under the backend's vscsi-devs ("dev-0").
	Node string `json:"node"`
	// NewController is true when this LUN's attach created the
	// controller's xenstore directories.
	NewController bool   `json:"new_controller"`
	Target        target `json:"target"`
	Phase         string `json:"phase"`
}

// journal keeps one JSON file per LUN in dir, written atomically (temp
// file, fsync, rename, fsync of the directory).
type journal struct{ dir string }

func (j journal) path(tag string) string { return filepath.Join(j.dir, tag+".json") }

// put writes e, replacing its previous record.
func (j journal) put(e *Entry) error {
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return fmt.Errorf("pvscsi journal: %w", err)
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(j.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("pvscsi journal: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(append(data, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path(e.Target.Tag))
	}
	if err == nil {
		err = syncDir(j.dir)
	}
	if err != nil {
		return fmt.Errorf("pvscsi journal: recording %s: %w", e.Target.Tag, err)
	}
	return nil
}

// drop removes the record of tag.
func (j journal) drop(tag string) error {
	if err := os.Remove(j.path(tag)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pvscsi journal: %w", err)
	}
	return syncDir(j.dir)
}

// list returns every record, ordered by domid, devid and node. A record
// that cannot be read is reported in the error and skipped.
func (j journal) list() ([]*Entry, error) {
	names, err := os.ReadDir(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pvscsi journal: %w", err)
	}
	var out []*Entry
	var errs []error
	for _, n := range names {
		if !strings.HasSuffix(n.Name(), ".json") || strings.HasPrefix(n.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(j.dir, n.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e := new(Entry)
		if err := json.Unmarshal(data, e); err != nil || e.Target.Tag+".json" != n.Name() {
			errs = append(errs, fmt.Errorf("pvscsi journal: %s is not a journal record (%v); move it away", filepath.Join(j.dir, n.Name()), err))
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.Domid != y.Domid {
			return x.Domid < y.Domid
		}
		if x.Devid != y.Devid {
			return x.Devid < y.Devid
		}
		return nodeNum(x.Node) < nodeNum(y.Node)
	})
	return out, errors.Join(errs...)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
