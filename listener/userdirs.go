package listener

import (
	"os"
	"path/filepath"
	"strconv"
)

// UserRuntimeDir is where a non-root xendshim puts its sockets when it cannot
// write xend's paths: $XDG_RUNTIME_DIR/xendshim, else
// /run/user/UID/xendshim when that exists, else a per-user directory under
// the system temporary directory.
func UserRuntimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "xendshim")
	}
	uid := strconv.Itoa(os.Getuid())
	if st, err := os.Stat(filepath.Join("/run/user", uid)); err == nil && st.IsDir() {
		return filepath.Join("/run/user", uid, "xendshim")
	}
	return filepath.Join(os.TempDir(), "xendshim-"+uid)
}

// UserStateDir is where a non-root xendshim keeps state when it cannot write
// xend's /var/lib/xend: $XDG_STATE_HOME/xendshim, else
// ~/.local/state/xendshim.
func UserStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "xendshim")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "xendshim")
	}
	return filepath.Join(os.TempDir(), "xendshim-state-"+strconv.Itoa(os.Getuid()))
}

// Writable reports whether the process could create files in dir, creating
// the missing part of the path to find out (xend's directories are ours to
// create). It is used to decide on the non-root fallback.
func Writable(dir string) bool {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".xendshim-probe-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return true
}
