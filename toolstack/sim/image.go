package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xendshim/xendshim/toolstack"
)

// Image layout: the simulator's save images, migration streams and core
// files share one container.
//
//	offset  size  field
//	0       16    magic "XendShimSimImage" (ASCII)
//	16      4     version, big-endian uint32 (1)
//	20      4     kind, big-endian uint32 (1 save, 2 migration, 3 core)
//	24      8     payload length N, big-endian uint64 (at most maxPayload)
//	32      N     payload: JSON of imageRecord
//	32+N    32    SHA-256 of bytes 0 .. 32+N
const (
	imageMagic   = "XendShimSimImage"
	imageVersion = 1
	headerLen    = 32
	maxPayload   = 64 << 20
)

// Image kinds.
const (
	kindSave      uint32 = 1
	kindMigration uint32 = 2
	kindCore      uint32 = 3
)

var kindNames = map[uint32]string{kindSave: "save image", kindMigration: "migration stream", kindCore: "core file"}

// imageRecord is what an image carries: the live config and the runtime
// values a restored domain keeps.
type imageRecord struct {
	Config  *toolstack.DomainConfig `json:"config"`
	Runtime *domain                 `json:"runtime"`
}

func encodeImage(kind uint32, rec *imageRecord) ([]byte, error) {
	payload, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(imageMagic)
	var hdr [16]byte
	binary.BigEndian.PutUint32(hdr[0:], imageVersion)
	binary.BigEndian.PutUint32(hdr[4:], kind)
	binary.BigEndian.PutUint64(hdr[8:], uint64(len(payload)))
	buf.Write(hdr[:])
	buf.Write(payload)
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes(), nil
}

// decodeImage reads one image of the given kind from r. Errors are
// ErrInvalid with what was wrong; a file that is not an image at all
// reports its first bytes, as xend did ("found '# Paravirtualise'").
func decodeImage(r io.Reader, kind uint32) (*imageRecord, error) {
	var hdr [headerLen]byte
	n, err := io.ReadFull(r, hdr[:])
	if n < len(imageMagic) || string(hdr[:len(imageMagic)]) != imageMagic {
		return nil, fmt.Errorf("not a valid guest state file: found '%s'", hdr[:min(n, len(imageMagic))])
	}
	if err != nil {
		return nil, fmt.Errorf("truncated header (%d of %d bytes)", n, headerLen)
	}
	if v := binary.BigEndian.Uint32(hdr[16:]); v != imageVersion {
		return nil, fmt.Errorf("image version %d; this simulator reads version %d", v, imageVersion)
	}
	if k := binary.BigEndian.Uint32(hdr[20:]); k != kind {
		return nil, fmt.Errorf("this is a %s, not a %s", orUnknown(kindNames[k]), kindNames[kind])
	}
	size := binary.BigEndian.Uint64(hdr[24:])
	if size > maxPayload {
		return nil, fmt.Errorf("payload of %d bytes exceeds the %d byte limit", size, maxPayload)
	}
	body := make([]byte, size+sha256.Size)
	if n, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("truncated: %d of %d bytes after the header", n, len(body))
	}
	h := sha256.New()
	h.Write(hdr[:])
	h.Write(body[:size])
	if !bytes.Equal(h.Sum(nil), body[size:]) {
		return nil, fmt.Errorf("checksum mismatch: the image is corrupt")
	}
	var rec imageRecord
	if err := json.Unmarshal(body[:size], &rec); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if rec.Config == nil || rec.Runtime == nil {
		return nil, fmt.Errorf("payload lacks the config or the runtime state")
	}
	return &rec, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "file of unknown kind"
	}
	return s
}

// record builds the image record of d. Caller holds s.mu.
func (s *Sim) record(d *domain) *imageRecord {
	s.accrue(d, s.now())
	rt := *d
	rt.Config = nil
	return &imageRecord{Config: s.liveConfig(d), Runtime: &rt}
}

// checkPath validates a host path argument.
func checkPath(op string, dom any, path string) error {
	if path == "" || !filepath.IsAbs(path) {
		return toolstack.Errorf(toolstack.ErrInvalid, op, dom, "%q is not an absolute path on the host", path)
	}
	return nil
}

// Save implements toolstack.Toolstack. The guest suspends at once; the
// image is written atomically under the host root.
func (s *Sim) Save(ctx context.Context, id toolstack.Domid, path string, checkpoint bool) error {
	if err := s.begin(ctx, "Save"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "save"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if id == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "cannot save Domain-0")
	}
	if err := checkPath(op, id, path); err != nil {
		return err
	}
	if d.Crashed || (d.Shutdown && d.Reason != toolstack.ReasonSuspend) {
		return toolstack.Errorf(toolstack.ErrBadState, op, id, "domain is %s", d.state())
	}
	data, err := encodeImage(kindSave, s.record(d))
	if err != nil {
		return ioErr(op, id, err)
	}
	if err := s.writeHostFile(op, id, path, data); err != nil {
		return err
	}
	if checkpoint {
		return nil
	}
	return s.destroy(op, d)
}

func (s *Sim) writeHostFile(op string, id any, path string, data []byte) error {
	hp := s.hostPath(path)
	if fi, err := os.Stat(filepath.Dir(hp)); err != nil || !fi.IsDir() {
		return toolstack.Errorf(toolstack.ErrNotFound, op, id, "directory %s does not exist", filepath.Dir(path))
	}
	if err := writeFileAtomic(hp, data, !s.opts.NoSync); err != nil {
		return ioErr(op+" to "+path, id, err)
	}
	return nil
}

// Restore implements toolstack.Toolstack.
func (s *Sim) Restore(ctx context.Context, path string, paused bool) (toolstack.Domid, error) {
	if err := s.begin(ctx, "Restore"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	const op = "restore"
	if err := checkPath(op, nil, path); err != nil {
		return 0, err
	}
	f, err := os.Open(s.hostPath(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, toolstack.Errorf(toolstack.ErrNotFound, op, nil, "%s does not exist", path)
		}
		return 0, ioErr(op+" from "+path, nil, err)
	}
	defer f.Close()
	rec, err := decodeImage(f, kindSave)
	if err != nil {
		return 0, &toolstack.Error{Op: op, Class: toolstack.ErrInvalid, Detail: err.Error()}
	}
	return s.create(rec.Config, op, createOpts{restored: rec.Runtime, paused: paused})
}

// CoreDump implements toolstack.Toolstack: the core file is a core-kind
// image holding the domain's state (the simulator has no memory pages).
func (s *Sim) CoreDump(ctx context.Context, id toolstack.Domid, path string, opts toolstack.DumpOptions) error {
	if err := s.begin(ctx, "CoreDump"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "dump-core"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	if id == 0 {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "cannot dump Domain-0")
	}
	if err := checkPath(op, id, path); err != nil {
		return err
	}
	if opts.Crash && opts.Reset {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "crash and reset exclude each other")
	}
	data, err := encodeImage(kindCore, s.record(d))
	if err != nil {
		return ioErr(op, id, err)
	}
	if err := s.writeHostFile(op, id, path, data); err != nil {
		return err
	}
	switch {
	case opts.Crash:
		return s.destroy(op, d)
	case opts.Reset:
		_, err := s.reset(op, d, false)
		return err
	}
	return nil
}

// MigrateSend implements toolstack.Migrator. The stream is a migration
// image; the domain is destroyed here once it is written. The simulator is
// not locked while the stream is written, so a slow peer blocks nobody.
func (s *Sim) MigrateSend(ctx context.Context, id toolstack.Domid, w io.Writer, opts toolstack.MigrateOptions) error {
	if err := s.begin(ctx, "MigrateSend"); err != nil {
		return err
	}
	const op = "migrate"
	d, err := s.lookup(op, id)
	if err == nil && id == 0 {
		err = toolstack.Errorf(toolstack.ErrInvalid, op, id, "cannot migrate Domain-0")
	}
	if err == nil && (d.Shutdown || d.Crashed) {
		err = toolstack.Errorf(toolstack.ErrBadState, op, id, "domain is %s", d.state())
	}
	if err == nil && d.Config.BInfo.DisableMigrate.IsTrue() {
		err = toolstack.Errorf(toolstack.ErrInvalid, op, id, "migration is disabled for this domain (disable_migrate)")
	}
	var data []byte
	if err == nil {
		if data, err = encodeImage(kindMigration, s.record(d)); err != nil {
			err = ioErr(op, id, err)
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return &toolstack.Error{Op: op, Domain: strconv.FormatUint(uint64(id), 10), Detail: "sending the stream", Cause: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.doms[id]; ok && cur == d {
		return s.destroy(op, d)
	}
	// Destroyed (or replaced) here while the stream was on its way: the
	// peer has the domain now either way.
	return nil
}

// MigrateReceive implements toolstack.Migrator.
func (s *Sim) MigrateReceive(ctx context.Context, r io.Reader, opts toolstack.ReceiveOptions) (toolstack.Domid, error) {
	const op = "migrate receive"
	// Read the stream before taking the lock: the peer may be slow.
	rec, err := decodeImage(r, kindMigration)
	if err != nil {
		return 0, &toolstack.Error{Op: op, Class: toolstack.ErrInvalid, Detail: err.Error()}
	}
	if opts.Policy != nil {
		for _, p := range rec.Config.HostPaths() {
			if err := opts.Policy(p); err != nil {
				return 0, &toolstack.Error{Op: op, Domain: rec.Config.CInfo.Name, Class: toolstack.ErrInvalid, Detail: "path " + p + " refused by policy", Cause: err}
			}
		}
	}
	if err := s.begin(ctx, "MigrateReceive"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	rt := rec.Runtime
	id, err := s.create(rec.Config, op, createOpts{restored: rt, migrated: true, paused: opts.Paused})
	if err != nil {
		return 0, err
	}
	// A migrated domain keeps its CPU time.
	d := s.doms[id]
	d.CPUTime = rt.CPUTime
	copy(d.VCPUTime, rt.VCPUTime)
	return id, s.commit(op, d, nil)
}
