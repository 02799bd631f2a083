// Package journald sends log records to systemd-journald over its native
// protocol: one AF_UNIX datagram per record on /run/systemd/journal/socket.
//
// A record is a list of fields. Each field is written as
//
//	NAME=value\n
//
// or, when the value contains a newline, in the binary form
//
//	NAME\n <64-bit little-endian length> value \n
//
// Names are 1 to 64 characters of A-Z, 0-9 and '_', and start with neither
// '_' (journald reserves those for fields it sets itself) nor a digit.
// MESSAGE, PRIORITY (a syslog level, 0-7) and SYSLOG_IDENTIFIER are the
// fields every reader shows.
//
// A record too large for one datagram (the kernel answers EMSGSIZE or
// ENOBUFS) is written to a sealed memfd, and the descriptor alone is sent
// with SCM_RIGHTS in an empty datagram, as journald documents for large
// entries (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/).
//
// Conn is the socket; Handler adapts it to log/slog, turning attributes
// into fields (migration_id becomes MIGRATION_ID, groups are joined with
// '_'). Decode parses a record back, for tests and tools.
package journald
