package xl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
)

var (
	_ toolstack.Migrator     = (*Backend)(nil)
	_ toolstack.FileMigrator = (*Backend)(nil)
)

// MigrateSend implements toolstack.Migrator with `xl save`: the domain is
// suspended and its xl save image (xl's header with the libxl JSON config,
// then the libxl stream) is written to a private file in Options.ImageDir,
// which xl save destroys the domain after; the image is then copied to w.
// If the copy fails the domain is restored here from the image, as it
// was (paused or running), so it keeps running here.
//
// The transfer is never live on this backend: xl's live mode needs
// log-dirty support in the hypervisor, and xendshim's migration protocol
// parks the whole image before sending it anyway. opts.Live is accepted
// and has no effect.
func (b *Backend) MigrateSend(ctx context.Context, id toolstack.Domid, w io.Writer, opts toolstack.MigrateOptions) error {
	const op = "migrate"
	wasPaused, err := b.migratable(ctx, op, id)
	if err != nil {
		return err
	}
	path, err := b.imagePath(op, id)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	if err := b.Save(ctx, id, path, false); err != nil {
		return err
	}
	// From here the image is the domain's only copy.
	if err := copyFileTo(w, path); err != nil {
		nid, rerr := b.Restore(context.WithoutCancel(ctx), path, wasPaused)
		if rerr != nil {
			return fail(toolstack.ErrBadState, op, id,
				"sending the stream failed (%v) and restoring the domain here failed too (%v); its image was %s", err, rerr, path)
		}
		return &toolstack.Error{Op: op, Domain: did(id), Detail: fmt.Sprintf("sending the stream failed; the domain was restored here as domid %d", nid), Cause: err}
	}
	return nil
}

// MigrateSendFile implements toolstack.FileMigrator: MigrateSend with
// `xl save` straight into path (an existing file, whose mode xl keeps).
func (b *Backend) MigrateSendFile(ctx context.Context, id toolstack.Domid, path string, opts toolstack.MigrateOptions) error {
	const op = "migrate"
	if _, err := b.migratable(ctx, op, id); err != nil {
		return err
	}
	if !filepath.IsAbs(path) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return wrapClass(toolstack.ErrInvalid, op, id, err)
		}
		path = abs
	}
	return b.Save(ctx, id, path, false)
}

// migratable checks that domain id may be sent and reports whether it is
// paused now.
func (b *Backend) migratable(ctx context.Context, op string, id toolstack.Domid) (paused bool, err error) {
	if err := notDom0(op, id); err != nil {
		return false, err
	}
	cfg, err := b.DomainConfig(ctx, id)
	if err != nil {
		return false, err
	}
	if cfg.BInfo.DisableMigrate.IsTrue() {
		return false, fail(toolstack.ErrInvalid, op, id, "migration is disabled for this domain (disable_migrate)")
	}
	r, err := b.row(ctx, op, id)
	if err != nil {
		return false, err
	}
	if r.State&(toolstack.StateShutdown|toolstack.StateCrashed|toolstack.StateDying) != 0 {
		return false, fail(toolstack.ErrBadState, op, id, "domain is shut down or crashed; only a live domain can migrate")
	}
	return r.State&toolstack.StatePaused != 0, nil
}

// MigrateReceive implements toolstack.Migrator with `xl restore -p`: the
// stream from r (an xl save image, as MigrateSend writes) is kept in a
// private file unless r already is one, the config in its header is
// decoded strictly (unknown fields refuse the stream) and every host path
// it names is put to opts.Policy before xl reads a page. The domain is
// restored paused and unpaused unless opts.Paused; if that fails it is
// destroyed.
func (b *Backend) MigrateReceive(ctx context.Context, r io.Reader, opts toolstack.ReceiveOptions) (toolstack.Domid, error) {
	const op = "migrate receive"
	path, cleanup, err := b.receivedImage(r)
	if err != nil {
		return 0, err
	}
	defer cleanup()
	cfg, err := readImageConfig(path)
	if err != nil {
		return 0, &toolstack.Error{Op: op, Class: toolstack.ErrInvalid, Detail: "the stream is not an xl migration image", Cause: err}
	}
	if opts.Policy != nil {
		for _, p := range cfg.HostPaths() {
			if err := opts.Policy(p); err != nil {
				return 0, &toolstack.Error{Op: op, Domain: cfg.CInfo.Name, Class: toolstack.ErrInvalid, Detail: "path " + p + " refused by policy", Cause: err}
			}
		}
	}
	id, err := b.Restore(ctx, path, true)
	if err != nil {
		return 0, err
	}
	if !opts.Paused {
		if err := b.Unpause(ctx, id); err != nil {
			b.Destroy(context.WithoutCancel(ctx), id)
			return 0, err
		}
	}
	return id, nil
}

// imagePath returns a fresh absolute path in the image directory for a
// save image, the file not yet existing (xl save creates it).
func (b *Backend) imagePath(op string, id toolstack.Domid) (string, error) {
	f, err := os.CreateTemp(b.imageDir, fmt.Sprintf("migrate-%d-*.img", id))
	if err != nil {
		return "", wrapClass(toolstack.ErrBadState, op, id, fmt.Errorf("image directory: %w", err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return name, nil
}

// receivedImage returns the path of a regular file holding r's stream: r
// itself when it is a regular file read from its start under an absolute
// name (the migration receiver's spool), else a private copy that cleanup
// removes.
func (b *Backend) receivedImage(r io.Reader) (path string, cleanup func(), err error) {
	const op = "migrate receive"
	if f, ok := r.(*os.File); ok && filepath.IsAbs(f.Name()) {
		off, serr := f.Seek(0, io.SeekCurrent)
		st, ferr := f.Stat()
		byName, nerr := os.Stat(f.Name())
		if serr == nil && off == 0 && ferr == nil && nerr == nil && st.Mode().IsRegular() && os.SameFile(st, byName) {
			return f.Name(), func() {}, nil
		}
	}
	tmp, err := os.CreateTemp(b.imageDir, "incoming-*.img")
	if err != nil {
		return "", nil, wrapClass(toolstack.ErrBadState, op, nil, fmt.Errorf("image directory: %w", err))
	}
	cleanup = func() { os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, &toolstack.Error{Op: op, Class: toolstack.ErrInvalid, Detail: "reading the stream", Cause: err}
	}
	return tmp.Name(), cleanup, nil
}

// readImageConfig decodes the libxl JSON config in the xl header of the
// image at path, refusing fields the model does not know.
func readImageConfig(path string) (*toolstack.DomainConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_, js, err := xlsave.ReadHeader(f)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var cfg toolstack.DomainConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("config in the xl header: %w", err)
	}
	if dec.More() {
		return nil, errors.New("config in the xl header: data after the JSON value")
	}
	return &cfg, nil
}

// copyFileTo copies the file at path to w.
func copyFileTo(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
