package listener

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DirMode is the mode forced onto the directory that holds a UNIX socket:
// xend made /var/run/xend root:root 0700, and that directory is the only thing
// that keeps non-root users away from the API.
const DirMode fs.FileMode = 0o700

// staleProbeTimeout bounds the connect attempt that tells a live socket from
// a stale one.
const staleProbeTimeout = 200 * time.Millisecond

// sharedDirs are directories that Unix refuses to chmod: forcing /tmp or /run
// to 0700 would break the whole machine. A socket must get its own directory.
var sharedDirs = map[string]bool{
	"/": true, "/tmp": true, "/var/tmp": true, "/run": true, "/var/run": true,
	"/var": true, "/var/lib": true, "/dev/shm": true, "/etc": true,
	"/home": true, "/root": true, "/usr": true, "/var/log": true,
}

// Unix listens on a UNIX stream socket at path, as xend did. The parent
// directory is created if missing and forced to mode 0700 (and to owner root
// when running as root). A stale socket left by a dead server is removed; a
// socket that still answers, or a path that is not a socket, is an error.
// Unix refuses to take over a shared directory such as /tmp or /run (or any
// sticky directory): put the socket in a directory of its own.
func Unix(path string) (*net.UnixListener, error) {
	if path == "" {
		return nil, errors.New("listener: empty UNIX socket path")
	}
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("listener: UNIX socket path %q is not absolute; its directory is made root-only, so name it in full", path)
	}
	path = filepath.Clean(path)
	if err := PrepareSocketDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listener: %w", err)
	}
	ln.SetUnlinkOnClose(true)
	return ln, nil
}

// PrepareSocketDir creates dir (and its parents) if needed and forces it to
// DirMode, owned by root when the process runs as root.
func PrepareSocketDir(dir string) error {
	dir = filepath.Clean(dir)
	if sharedDirs[dir] {
		return fmt.Errorf("listener: refusing to make shared directory %s root-only; put the socket in a directory of its own (e.g. %s/xend/)", dir, dir)
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("listener: socket directory: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("listener: socket directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("listener: socket directory %s is not a directory", dir)
	}
	if st.Mode()&fs.ModeSticky != 0 {
		return fmt.Errorf("listener: refusing to make sticky shared directory %s root-only; put the socket in a directory of its own", dir)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, 0, 0); err != nil {
			return fmt.Errorf("listener: socket directory: %w", err)
		}
	}
	if st.Mode().Perm() != DirMode {
		if err := os.Chmod(dir, DirMode); err != nil {
			return fmt.Errorf("listener: socket directory: %w", err)
		}
	}
	return nil
}

// removeStale unlinks a socket file that no server answers on.
func removeStale(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listener: %w", err)
	}
	if st.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listener: %s exists and is not a socket; remove it or choose another path", path)
	}
	if c, err := net.DialTimeout("unix", path, staleProbeTimeout); err == nil {
		c.Close()
		return fmt.Errorf("listener: another server is already listening on %s; stop it first", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listener: removing stale socket: %w", err)
	}
	return nil
}
