// Package xend implements xend's semantics on the toolstack: the legacy
// xend.* XML-RPC method table that xm and xmlrpclib scripts call, and the
// Service underneath it that the HTTP/SXP interface (compat/httpsxp) shares.
//
// The spec is specs/xmlrpc.md; the golden captures under golden/xmlrpc are
// real xend 4.4.4 replies, and the replay test in this package checks every
// one of them byte for byte.
//
// # Layers
//
// Service owns what xend owned: domain lookup (name, then managed name, then
// domid, then UUID), xend's per-domain record (XendConfig), rendering of
// domain records exactly as xend's sxpr() (as sxp values), node information,
// the managed-domain store in xend's own layout, and every domain operation,
// carried onto a toolstack.Toolstack. Errors come back as *Error, carrying
// xend's fault code and faultString; FaultOf is the one place where they
// become XML-RPC faults.
//
// RegisterMethods adds the 94 methods of system.listMethods (spec §5.7) to an
// xmlrpc.Dispatcher, each with xend's parameters and defaults, converting
// XML-RPC values to sxp values and back. NewDispatcher returns a dispatcher
// configured as xend's server was (top-level strings repr-escaped, §2.6) with
// the table registered:
//
//	svc, err := xend.New(ts, xend.Options{DomainsPath: "/var/lib/xend/domains"})
//	d := xend.NewDispatcher(svc)
//	// serve d with the xmlrpc server on /var/run/xend/xmlrpc.sock
//
// # Identifiers
//
// Every domain argument is an Ident: a name, a domid or a UUID, as the client
// gave it. An XML-RPC int never matches a name. A miss is fault 3 whose
// string is the identifier as given.
package xend
