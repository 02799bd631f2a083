"""Real-client check: Python 3's xmlrpc.client against the Go xmlrpc.Server.

Usage: pyclient.py unix SOCKET_PATH
       pyclient.py tcp http://127.0.0.1:PORT/RPC2
       pyclient.py tls https://127.0.0.1:PORT/RPC2 CA_PEM CERT_PEM KEY_PEM

Run by python_test.go against a server whose methods are set up there. Prints
one "ok NAME" line per check and exits 1 at the first mismatch.
"""
import datetime
import http.client
import socket
import ssl
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a UNIX socket; the Host header carries the socket path, as xm's did."""

    def __init__(self, path):
        super().__init__(path)
        self.socket_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.socket_path)
        self.sock = s


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.socket_path = path

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UnixConnection(self.socket_path)
        return self._connection[1]


def proxy(argv):
    mode = argv[1]
    if mode == "unix":
        return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(argv[2]), allow_none=True)
    if mode == "tcp":
        return xmlrpc.client.ServerProxy(argv[2], allow_none=True)
    if mode == "tls":
        ctx = ssl.create_default_context(cafile=argv[3])
        ctx.load_cert_chain(argv[4], argv[5])
        return xmlrpc.client.ServerProxy(argv[2], allow_none=True, context=ctx)
    raise SystemExit("unknown mode " + mode)


def check(name, got, want):
    if got != want:
        print("FAIL %s: got %r; want %r" % (name, got, want))
        sys.exit(1)
    print("ok " + name)


def fault(name, call, code, string):
    try:
        got = call()
    except xmlrpc.client.Fault as f:
        check(name, (f.faultCode, f.faultString), (code, string))
        return
    print("FAIL %s: got %r; want Fault %d" % (name, got, code))
    sys.exit(1)


def main():
    s = proxy(sys.argv)
    when = xmlrpc.client.DateTime(datetime.datetime(2026, 11, 24, 19, 13, 15))
    values = [1, -2147483648, 2147483647, "str <&> 'q' \"dq\"", "", 1.5, 1795547903.259293, 1e-05,
              True, False, None, [1, [2, "x"], []], {"a": 1, "b": [None], "c": {}},
              xmlrpc.client.Binary(b"\x00\xff binary"), when, "caf\u00e9 \u4e16"]
    got = s.echo(*values)
    for i, v in enumerate(values):
        check("echo[%d] %s" % (i, type(v).__name__), got[i], v)
    check("echo big string", s.echo("x" * 100000), ["x" * 100000])
    check("nil result", s.nothing(), None)
    check("struct order", list(s.ordered().keys()), ["weight", "cap", "alpha"])
    check("top-level string is repr-escaped", s.dmesg(), "line1\\nline2\\t'q'")
    fault("fault 3", lambda: s.xend.domain("nosuch"), 3, "nosuch")
    fault("fault with array string", s.poolfault, 2, ["POOL_BAD_STATE", "pool"])
    fault("int32 rule", s.huge, 1, "int exceeds XML-RPC limits")
    fault("arity", lambda: s.xend.domain.pause(), 1, "domain_pause() takes at least 2 arguments (1 given)")
    fault("arity too many", lambda: s.xend.domain.pause(1, 2, 3), 1, "domain_pause() takes at most 3 arguments (4 given)")
    check("default filled", s.xend.domain.pause("pv1"), ["pv1", False])
    check("unknown method", s.xend.nosuch(1), {"Status": "Failure", "ErrorDescription": ["MESSAGE_METHOD_UNKNOWN", "xend.nosuch"]})
    check("listMethods", "xend.domain.pause" in s.system.listMethods(), True)
    check("methodSignature", s.system.methodSignature("echo"), "signatures not supported")
    for i in range(20):
        check("keep-alive call %d" % i, s.echo(i), [i])


main()
