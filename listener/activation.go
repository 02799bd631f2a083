package listener

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// firstActivatedFD is the first descriptor systemd passes (SD_LISTEN_FDS_START).
const firstActivatedFD = 3

// Activated is a listening socket handed over by the service manager.
type Activated struct {
	// Name is the socket's FileDescriptorName= from LISTEN_FDNAMES, or "" when
	// the manager gave none.
	Name string
	// Listener accepts on the inherited socket.
	Listener net.Listener
}

// FromSystemd returns the listening sockets passed by systemd socket
// activation: LISTEN_PID must equal this process's pid, LISTEN_FDS counts the
// descriptors from 3 upward, and LISTEN_FDNAMES optionally names them
// (colon-separated). It returns nil when nothing was passed. The variables are
// removed from the environment so that children do not inherit them, and the
// descriptors are marked close-on-exec. A passed descriptor that is not a
// listening stream socket (for example from Accept=yes) is an error.
func FromSystemd() ([]Activated, error) {
	pidText, fdsText := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	namesText := os.Getenv("LISTEN_FDNAMES")
	defer func() {
		os.Unsetenv("LISTEN_PID")
		os.Unsetenv("LISTEN_FDS")
		os.Unsetenv("LISTEN_FDNAMES")
	}()
	if pidText == "" || fdsText == "" {
		return nil, nil
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return nil, fmt.Errorf("listener: LISTEN_PID=%q is not a number", pidText)
	}
	if pid != os.Getpid() {
		return nil, nil // meant for another process (e.g. our parent)
	}
	n, err := strconv.Atoi(fdsText)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("listener: LISTEN_FDS=%q is not a count", fdsText)
	}
	var names []string
	if namesText != "" {
		names = strings.Split(namesText, ":")
	}
	out := make([]Activated, 0, n)
	for i := 0; i < n; i++ {
		fd := firstActivatedFD + i
		syscall.CloseOnExec(fd)
		name := ""
		if i < len(names) {
			name = names[i]
		}
		f := os.NewFile(uintptr(fd), "LISTEN_FD_"+strconv.Itoa(fd))
		ln, err := net.FileListener(f)
		f.Close() // FileListener holds its own duplicate
		if err != nil {
			for _, a := range out {
				a.Listener.Close()
			}
			return nil, fmt.Errorf("listener: activated descriptor %d (%q) is not a listening socket: %w (use Accept=no in the .socket unit)", fd, name, err)
		}
		out = append(out, Activated{Name: name, Listener: ln})
	}
	return out, nil
}
