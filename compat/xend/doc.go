// Package xend implements xend's semantics on the toolstack: the legacy
// xend.* XML-RPC method table that xm and xmlrpclib scripts call, and the
// Service underneath it that the HTTP/SXP interface (compat/httpsxp) shares.
//
// The spec is specs/xmlrpc.md; testdata/golden holds real xend 4.4.4
// exchanges with the real xm, and TestReplayGolden replays every one of them
// against this package on the simulated reference host, byte for byte after
// masking what varies by run.
//
// # Layers
//
// Service owns what xend owned: domain lookup (name, then managed name, then
// domid, then UUID), xend's per-domain record (XendConfig), rendering of
// domain records exactly as xend's sxpr() as sxp values (field order, full
// and short forms, state letters and status numbers, the image section,
// devices in xend's class order with CPython dict-ordered keys, ints versus
// doubles, no vcpu_avail), node information, the managed-domain store in
// xend's own layout (<DomainsPath>/<uuid>/config.sxp, written atomically),
// and every domain operation, carried onto a toolstack.Toolstack. Errors
// come back as *Error, carrying xend's fault code and faultString; FaultOf
// is the one place where they become XML-RPC faults.
//
// RegisterMethods adds the 91 xend.* methods that, with the three system.*
// methods of xmlrpc.NewDispatcher, make the 94 names of xend's
// system.listMethods (spec §5.7), each with xend's parameters, defaults and
// Python arity errors. NewDispatcher returns a dispatcher configured as
// xend's server was (top-level strings repr-escaped, §2.6) with the table
// registered:
//
//	svc, err := xend.New(ts, xend.Options{DomainsPath: "/var/lib/xend/domains"})
//	if err != nil { ... }
//	svc.Autostart(ctx) // on_xend_start
//	srv := &xmlrpc.Server{Service: xend.NewDispatcher(svc)}
//	srv.Serve(unixListener) // /var/run/xend/xmlrpc.sock
//
// # Identifiers
//
// Every domain argument is an Ident: a name, a domid or a UUID, as the client
// gave it. An XML-RPC int never matches a name. A miss is fault 3 whose
// string is the identifier as given.
//
// # Beyond xend
//
// Unless Options.StrictXend is set, records carry what xend lacked: the
// console device's tty, and a vfb's VNC location (host:port) once a device
// model serves it, for PV guests too. dom0's record is always complete
// (vCPUs, affinity, cpu_time, memory, state). Toolstacks that implement
// toolstack.KernelNoteReader supply a PV kernel's ELF notes for the image section; migration
// goes through Options.Migrate.
package xend
