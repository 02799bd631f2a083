// Package httpsxp implements xend's /xend/ HTTP resource tree: the
// HTTP/SXP interface that libvirt's old xen driver (and virt-manager and
// virsh through it, and xend's own Python HTTP client) used to manage
// domains.
//
// The reference is specs/http-sxp.md; testdata/golden holds real xend 4.4.4
// exchanges with libvirt's requests, replayed byte for byte by
// TestGoldenReplay.
//
// # Wire behaviour
//
// The server reads requests itself (bufio, not net/http) the way
// xen/web/http.py did: a two- or three-field request line, RFC 822 headers
// (at most 500 lines), a body only when Content-Length parses as an int
// and at most MaxBodyBytes (else 413 and the connection closes). Replies are
// always "HTTP/1.1", carry Content-length (0 included), Expires, Pragma and
// Cache-control, with names capitalised the Python way and in the order of
// a CPython 2.7 dict. A connection stays open only when the request said
// "Connection: keep-alive"; pipelined requests are answered in order.
//
// Arguments come from the query string and, for form POSTs, the body,
// decoded as Python 2's cgi.parse_qs did: pairs split on & and ;, + as a
// space, %xx in either case, invalid escapes kept. This reads both late
// libvirt's percent-encoding and 2010-era raw values.
//
// # Resources
//
//	/                    (ls )''
//	/xend                (ls  node domain vnet)''
//	/xend/node           (node …)               POST shutdown, reboot (refused)
//	/xend/node/dmesg     text/plain             POST clear
//	/xend/node/log       text/plain
//	/xend/domain         (names…) ?state=S, ((domain …)…) ?detail=1
//	                     POST create, new, restore, list
//	/xend/domain/<d>     (domain …)''           POST pause, unpause, shutdown,
//	                     destroy, start, delete, reset, rename, sysrq, save,
//	                     dump, migrate, pincpu, set_vcpus, maxmem_set,
//	                     mem_target_set, vcpuinfo (also GET ?op=vcpuinfo),
//	                     wait_for_devices, devices, device_create,
//	                     device_configure, device_destroy,
//	                     domain_sched_credit_get, domain_sched_credit_set
//	/xend/vnet           ()                     POST create (refused)
//
// Status codes are xend's: 200, 201 "created" (create) and "Created"
// (restore), 202 Accepted with a Location, 404 "Not found" (a path segment,
// or "<Fault 3: 'name'>" for an unknown domain), 406 (op missing or
// repeated), 501 (unknown op or method), 500 "Request failed: op" with
// (xend.err '…'), 400 and 413 for framing errors.
//
// # Layers
//
// Domain and node semantics (lookup order, records as xend's sxpr(),
// errors and their str() texts, core dumps, device_configure, migration
// through xend.Options.Migrate) belong to compat/xend; this package
// reaches them through the Service interface, which NewXendService
// implements on a *xend.Service.
// Usage:
//
//	svc, _ := xend.New(ts, xend.Options{})
//	srv := httpsxp.New(httpsxp.NewXendService(svc), httpsxp.Options{})
//	go srv.Serve(unixListener) // /var/lib/xend/xend-socket
//	go srv.Serve(tcpListener)  // xend-address:xend-port (8000)
//	…
//	srv.Shutdown(ctx)
//
// # Deliberate differences from xend 4.4.4
//
//   - op=dump defaults reset to 0 and takes the last of a repeated live:
//     libvirt never sent reset, so every virsh dump failed on real xend
//     (Options.StrictXend keeps xend's binding, for replaying captures).
//   - Replies are always SXP; xend sent HTML to clients that sent both
//     User-Agent and an Accept without application/sxp (browsers, curl).
//   - A form value named dom does not redirect an op to another domain.
//   - Errors of thread ops (save, dump, migrate, restore) that were not
//     XendErrors made xend drop the connection; the shim answers with
//     (xend.err '…') like the others.
//   - Negative Content-Length and lines over 64 KiB are 400 (xend read to
//     EOF or without bound); host shutdown/reboot and vnets are refused.
package httpsxp
