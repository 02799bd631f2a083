// Package xmlrpc implements XML-RPC over HTTP/1.x in the dialect of CPython 2.7's
// xmlrpclib, as spoken by xend's legacy XML-RPC server and the xm client
// (../shared/specs/xmlrpc.md §1–§3).
//
// The package has four parts:
//
//   - A value model (value.go): XML-RPC values are plain Go values (string, int,
//     *big.Int, float64, bool, nil, []any, Struct, []byte, time.Time). Struct keeps its
//     members in the order given, because xend's replies carry CPython 2 dict order.
//   - A codec: Encode* functions write the exact bytes xmlrpclib.dumps wrote (layout,
//     newlines, escapes, repr doubles, the int32 rule); Decode* functions read requests
//     and responses strictly, with depth and size limits, refusing DTDs and entities.
//   - A Dispatcher: methods registered by name with positional parameters and
//     Python-style defaults. Wrong arity is answered with the TypeError text CPython 2.7
//     produced, unknown methods with xend's MESSAGE_METHOD_UNKNOWN struct, and
//     system.listMethods, system.methodHelp and system.methodSignature are built in.
//   - A Server that reads HTTP/1.x itself (xm sends "Host: /var/run/xend/xmlrpc.sock",
//     which net/http refuses) on any net.Listener, and a Client for httpu://, http://
//     and https:// URLs.
//
// Large replies can be encoded ahead: a Raw is a value (or run of values) already
// encoded under the same rules, built with a Builder piece by piece or with
// EncodeRaw, and spliced by reference into a reply; compat/xend caches domain
// records that way.
//
// A Fault is what the far side said; it is a different type from transport errors,
// which are returned as ordinary errors prefixed "xmlrpc: ".
//
// The package knows nothing about Xen: method tables live in compat/xend.
//
// Example server:
//
//	d := xmlrpc.NewDispatcher(xmlrpc.ReprStrings())
//	d.Register("echo", []xmlrpc.Param{xmlrpc.Required("s")},
//		func(ctx context.Context, args []any) (any, error) { return args[0], nil },
//		xmlrpc.PyName("echo"))
//	srv := &xmlrpc.Server{Service: d}
//	go srv.Serve(ln)
//	defer srv.Shutdown(context.Background())
package xmlrpc
