// Package relocation implements xendshim's secure migration transport and
// the receiver of xend's old relocation protocol (specs/migration.md).
//
// The native transport is XMP/1 (package xmp) inside TLS 1.3 with mutual
// authentication (package secure). A Receiver authorises the sender's
// identity and HELLO against a default-deny policy (package policy),
// confines the domain config before any guest memory moves, checks every
// limit while the stream arrives, and takes part in a presumed-abort
// two-phase commit whose journal (package journal) makes the domain run
// exactly once:
//
//   - the receiver alone decides; it commits only when GO arrives, and
//     journals COMMITTED before it unpauses;
//   - the Sender parks the domain (its migration image, on disk) before
//     streaming and resumes it on any failure before GO; after GO it
//     destroys its copy only on REPORT ok or RESOLVE "committed", and
//     resumes only on REPORT error or RESOLVE "aborted";
//   - if the receiver cannot be reached after GO, the sender keeps the
//     domain parked and Resolve (xendshim migrate-resolve) finishes later.
//
// The backend is any toolstack.Toolstack that implements
// toolstack.Migrator. Both backends' MigrateSend destroy the domain once
// the stream is written (the xl backend's is `xl save`); the sender
// therefore streams into a local spool file first (the parked copy) and
// resumes by receiving that file locally, which gives the resumed domain a
// new domid. A receiver lets a sender with its own identity announce a
// UUID it runs (a localhost migration) and checks every stream's UUID again
// just before the restore.
//
// LegacyReceiver answers xend's relocation protocol (port 8002) for old xend
// senders, confined by the same policy; it is off unless configured.
// XLTunnel and XLConnect carry `xl migrate -s "xendshim migrate-connect"`
// over the same authenticated transport, confining the config in xl's save
// header before xl migrate-receive reads it. XendMigrator maps xend's
// migrate requests (xend.domain.migrate, op=migrate) onto the Sender.
package relocation
