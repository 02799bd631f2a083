package journald

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// memfdSeals make the memfd immutable before journald sees it; journald
// refuses an unsealed one.
const memfdSeals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL

// sendMemfd writes the record to a sealed memfd and sends only the
// descriptor (SCM_RIGHTS, empty payload). The caller holds c.mu.
func (c *Conn) sendMemfd(b []byte) error {
	mfd, err := unix.MemfdCreate("xendshim-journal", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return fmt.Errorf("memfd_create for a large record: %w", err)
	}
	defer unix.Close(mfd)
	for off := 0; off < len(b); {
		n, err := unix.Write(mfd, b[off:])
		if err != nil {
			return fmt.Errorf("writing the large record to its memfd: %w", err)
		}
		off += n
	}
	if _, err := unix.FcntlInt(uintptr(mfd), unix.F_ADD_SEALS, memfdSeals); err != nil {
		return fmt.Errorf("sealing the memfd: %w", err)
	}
	return unix.Sendmsg(c.fd, nil, unix.UnixRights(mfd), c.addr, unix.MSG_NOSIGNAL)
}
