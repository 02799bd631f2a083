package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The state directory holds:
//
//	host.json          hostState: next domid, console ring, counters
//	domains/<domid>.json  one domain each (dom0 included)
//	root/              the simulated host's filesystem (unless Options.HostRoot)
//
// Every file is replaced atomically (writeFileAtomic), and every operation
// rewrites at most the files of one domain plus host.json, host.json first:
// a crash between the two leaves an id used up with no domain, which is
// what a hypervisor does too ("ids are never reused").

// writeFileAtomic replaces path with data: write a temp file in the same
// directory, fsync it, rename it over path, fsync the directory.
func writeFileAtomic(path string, data []byte, sync bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if sync {
		return syncDir(dir)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *Sim) domainPath(id uint32) string {
	return filepath.Join(s.stateDir, "domains", strconv.FormatUint(uint64(id), 10)+".json")
}

func (s *Sim) saveHost() error {
	data, err := json.Marshal(&s.host)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.stateDir, "host.json"), data, !s.opts.NoSync)
}

func (s *Sim) saveDomain(d *domain) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.domainPath(uint32(d.Domid)), data, !s.opts.NoSync)
}

func (s *Sim) removeDomainFile(id uint32) error {
	if err := os.Remove(s.domainPath(id)); err != nil && !os.IsNotExist(err) {
		return err
	}
	if s.opts.NoSync {
		return nil
	}
	return syncDir(filepath.Join(s.stateDir, "domains"))
}

// load reads the state directory. It returns false if there is no state
// yet. Leftover temp files of an interrupted write are removed.
func (s *Sim) load() (bool, error) {
	data, err := os.ReadFile(filepath.Join(s.stateDir, "host.json"))
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, &s.host); err != nil {
		return false, fmt.Errorf("%s: %w", filepath.Join(s.stateDir, "host.json"), err)
	}
	dir := filepath.Join(s.stateDir, "domains")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return false, err
		}
		d := new(domain)
		if err := json.Unmarshal(data, d); err != nil {
			return false, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		s.doms[d.Domid] = d
		if d.Domid != 0 && uint32(d.Domid) >= s.host.NextDomid {
			// host.json is written first, so this only happens if the
			// file was edited by hand; keep ids unique anyway.
			s.host.NextDomid = uint32(d.Domid) + 1
		}
	}
	return true, nil
}
