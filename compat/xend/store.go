package xend

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// The managed-domain store keeps xend's layout, so that an old host's store
// is read as it is: <DomainsPath>/<uuid>/config.sxp holds the domain's
// config as one SXP (domain ...) expression. Every write is atomic: a temp
// file in the same directory, fsync, rename over config.sxp, fsync of the
// directory. A crash leaves either the old or the new file, never a torn
// one; a leftover temp file is ignored and cleaned up on the next write.

const storeFile = "config.sxp"

var uuidDir = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// loadStore reads every entry of the store into s.recs as managed inactive
// domains. A corrupt entry is logged and skipped; it is never deleted.
func (s *Service) loadStore() error {
	if err := ensureDir(s.opts.DomainsPath); err != nil {
		return fmt.Errorf("xend: domain store %s: %w", s.opts.DomainsPath, err)
	}
	ents, err := os.ReadDir(s.opts.DomainsPath)
	if err != nil {
		return fmt.Errorf("xend: domain store %s: %w", s.opts.DomainsPath, err)
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".deleted-") {
			// A delete that was committed (renamed away) before a crash.
			os.RemoveAll(filepath.Join(s.opts.DomainsPath, e.Name()))
			continue
		}
		if !e.IsDir() || !uuidDir.MatchString(e.Name()) {
			continue
		}
		// Temp files of writes that never committed.
		if tmps, _ := filepath.Glob(filepath.Join(s.opts.DomainsPath, e.Name(), "."+storeFile+".tmp-*")); len(tmps) > 0 {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
		path := filepath.Join(s.opts.DomainsPath, e.Name(), storeFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			// A define that never finished (its write was not
			// acknowledged): nothing to load.
			continue
		}
		rec, err := readStoreEntry(path, s.opts.NewUUID)
		if err != nil {
			s.opts.Logf("xend: skipping managed domain %s: %v (the entry is left in place; fix or remove it by hand)", path, err)
			continue
		}
		if rec.UUID != e.Name() {
			s.opts.Logf("xend: skipping managed domain %s: its uuid %s does not match the directory name", path, rec.UUID)
			continue
		}
		if _, err := os.Stat(filepath.Join(s.opts.DomainsPath, e.Name(), "checkpoint.chk")); err == nil {
			s.checkpoints[rec.UUID] = true
		}
		rec.Managed = true
		rec.VCPUAvailLong = true
		s.recs[rec.UUID] = rec
	}
	return nil
}

// readStoreEntry parses one config.sxp.
func readStoreEntry(path string, genUUID func() string) (*vmRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := sxp.Parse(data)
	if err != nil {
		return nil, err
	}
	if v.Name() != "domain" && v.Name() != "vm" {
		return nil, errors.New("not a (domain ...) expression")
	}
	rec, err := parseVMConfig(v, genUUID)
	if err != nil {
		return nil, err
	}
	if _, ok := v.ChildValue("uuid"); !ok {
		return nil, errors.New("no uuid")
	}
	return rec, nil
}

// storeSave writes rec's config to the store atomically. Caller holds s.mu.
func (s *Service) storeSave(rec *vmRecord) error {
	if s.opts.NoStore {
		return nil
	}
	dir := filepath.Join(s.opts.DomainsPath, rec.UUID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return xendError("cannot write the config of %s: %v", rec.Name, err)
	}
	var buf bytes.Buffer
	buf.WriteString(sxp.Show(storeSXP(rec)))
	buf.WriteByte('\n')
	if err := writeAtomic(dir, storeFile, buf.Bytes()); err != nil {
		return xendError("cannot write the config of %s: %v", rec.Name, err)
	}
	return nil
}

// storeDelete removes rec's store entry. Caller holds s.mu.
func (s *Service) storeDelete(rec *vmRecord) error {
	if s.opts.NoStore {
		return nil
	}
	// Rename first, so the entry disappears atomically; then remove it.
	dir := filepath.Join(s.opts.DomainsPath, rec.UUID)
	gone := filepath.Join(s.opts.DomainsPath, ".deleted-"+rec.UUID)
	os.RemoveAll(gone)
	if err := os.Rename(dir, gone); err != nil {
		return xendError("cannot remove the config of %s: %v", rec.Name, err)
	}
	if err := syncDir(s.opts.DomainsPath); err != nil {
		return xendError("cannot remove the config of %s: %v", rec.Name, err)
	}
	os.RemoveAll(gone)
	return nil
}

// writeAtomic replaces dir/name with data: temp file, fsync, rename, fsync
// of the directory.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, filepath.Join(dir, name))
	}
	if werr != nil {
		os.Remove(tmp)
		return werr
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// storeSXP renders rec as the (domain ...) config kept in the store: the
// record's config fields, image and devices in config form, no runtime
// state.
func storeSXP(rec *vmRecord) sxp.Value {
	items := []sxp.Value{sxp.Atom("domain"),
		num("cpu_weight", rec.CPUWeight), num("cpu_cap", rec.CPUCap),
		str("pool_name", rec.PoolName), str("bootloader", rec.Bootloader), num("vcpus", rec.VCPUs)}
	if len(rec.Cpus) > 0 {
		lists := make([]sxp.Value, len(rec.Cpus))
		for i, c := range rec.Cpus {
			lists[i] = intList(c)
		}
		items = append(items, kv("cpus", sxp.List(lists...)))
	}
	items = append(items, str("on_poweroff", rec.OnPoweroff), str("description", rec.Description),
		str("on_crash", rec.OnCrash), str("uuid", rec.UUID), str("bootloader_args", rec.BootloaderArgs),
		str("name", rec.Name), str("on_reboot", rec.OnReboot), num("maxmem", rec.MaxMem),
		num("memory", rec.Memory), num("shadow_memory", rec.ShadowMemory),
		kv("vcpu_avail", sxp.Int(int64(rec.vcpuAvail()))), str("features", rec.Features),
		str("on_xend_start", rec.OnXendStart), str("on_xend_stop", rec.OnXendStop))
	if rec.Cpu >= 0 {
		items = append(items, num("cpu", rec.Cpu))
	}
	for _, f := range rec.Extra {
		items = append(items, kv(f.key, f.val))
	}
	items = append(items, kv("image", renderImage(&rec.Image, false)))
	for _, d := range sortDevices(rec.Devices) {
		if d.Class == "console" {
			continue
		}
		items = append(items, kv("device", configDevice(d)))
	}
	return sxp.List(items...)
}
