// Package listener opens the sockets xendshim serves on, the way xend opened
// them: UNIX stream sockets in a directory forced to root-only mode 0700 (the
// directory, not the socket file, is what keeps other users out), TCP ports
// (with xend's habit of accepting an interface name as the address), TLS with
// optionally required and verified client certificates, sockets handed over by
// systemd socket activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES), and
// xend's relocation "hosts-allow" regular-expression filter.
//
// The hosts-allow filter is weak and exists only for compatibility: it trusts
// reverse DNS that is not forward-confirmed and Python's start-anchored
// matching, so `^10.0.0.1` also admits 10.0.0.100. Use TLS client
// certificates or a firewall for real access control.
//
// Specs: xmlrpc.md §1.1 and http-sxp.md §2.1 (UNIX and TCP listeners),
// migration.md §1.2 (hosts-allow) and §3.9 (socket activation).
package listener
