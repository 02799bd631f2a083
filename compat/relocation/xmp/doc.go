// Package xmp implements XMP/1, the framing of xendshim's native migration
// protocol (specs/migration.md §3.4): typed frames carried inside a TLS 1.3
// connection between two xendshim hosts.
//
// # Wire format
//
// Every frame is
//
//	offset  size  field
//	0       1     type (see the Type constants)
//	1       4     payload length N, big-endian uint32
//	5       N     payload
//
// Control frames carry one JSON object (decoded strictly: unknown fields,
// trailing data and nesting deeper than MaxDepth are errors). DATA frames
// carry raw stream bytes. Limits are per type: MaxControl (64 KiB) for
// control frames, MaxConfig (1 MiB) for CONFIG and MaxData (1 MiB, at least
// one byte) for DATA.
//
// The spec sketches control frames as "length, type, JSON" and data frames
// as "DATA, length, bytes"; on one connection the two shapes cannot be told
// apart by their first byte, so XMP/1 puts the type first for both.
//
// # Conversation
//
//	sender                                  receiver
//	HELLO ------------------------------->  authorise identity + HELLO
//	      <------------------  ACCEPT | REJECT
//	CONFIG ------------------------------>  confine the domain config
//	      <---------------  CONFIG_OK | REJECT
//	DATA ... STREAM_END ----------------->  check size and SHA-256
//	      <-------------------  READY | ABORT
//	GO ---------------------------------->  journal COMMITTED, unpause
//	      <--------------------------  REPORT
//
// RESOLVE, on a new connection, asks the receiver for the outcome of a
// migration whose REPORT was lost; the answer is RESOLVED. In PSK mode both
// sides exchange AUTH right after the TLS handshake. TUNNEL, answered by
// ACCEPT or REJECT, turns the rest of the connection into a raw relay to
// the receiver's `xl migrate-receive` (xl migrate -s).
package xmp
