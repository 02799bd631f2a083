// Package xenstore is a client for xenstored, the Xen configuration and status
// database, speaking its wire protocol (docs/misc/xenstore.txt in the Xen
// tree) over the daemon's UNIX socket or the /dev/xen/xenbus device.
//
// Every message is a 16-byte header of four little-endian uint32 values —
// type, request id, transaction id, payload length — followed by at most
// 4096 payload bytes. Paths travel NUL-terminated; values do not. Replies
// carry the request's type or XS_ERROR with an errno name ("ENOENT").
// Watch events arrive unsolicited as XS_WATCH_EVENT with payload
// "path\x00token\x00".
//
// Usage:
//
//	c, err := xenstore.Open()       // socket, then /dev/xen/xenbus
//	tty, err := c.Read("/local/domain/3/console/tty")
//	err = c.Transaction(ctx, func(tx *xenstore.Tx) error {
//		return tx.Write("/local/domain/3/memory/target", "131072")
//	})
//	w, err := c.Watch("@releaseDomain")
//	for ev := range w.Events() { ... }
//
// Errors are *Error values that unwrap to a syscall.Errno, so
// errors.Is(err, fs.ErrNotExist) holds for ENOENT and errors.Is(err,
// syscall.EAGAIN) for a transaction conflict.
package xenstore
