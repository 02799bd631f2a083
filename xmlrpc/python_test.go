package xmlrpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pyService is the method table python3 exercises (testdata/pyclient.py).
func pyService() *Dispatcher {
	d := NewDispatcher(ReprStrings())
	d.Register("echo", nil, func(ctx context.Context, args []any) (any, error) { return args, nil }, Variadic())
	d.Register("nothing", nil, func(ctx context.Context, args []any) (any, error) { return nil, nil })
	d.Register("ordered", nil, func(ctx context.Context, args []any) (any, error) {
		return S("weight", 256, "cap", 0, "alpha", "a"), nil
	})
	d.Register("dmesg", nil, func(ctx context.Context, args []any) (any, error) { return "line1\nline2\t'q'", nil })
	d.Register("xend.domain", []Param{Required("dom"), Optional("full", 0)}, func(ctx context.Context, args []any) (any, error) {
		return nil, &Fault{Code: FaultInvalidDomain, String: args[0]}
	}, PyName("domain"))
	d.Register("poolfault", nil, func(ctx context.Context, args []any) (any, error) {
		return nil, &Fault{Code: FaultGeneric, String: []any{"POOL_BAD_STATE", "pool"}}
	})
	d.Register("huge", nil, func(ctx context.Context, args []any) (any, error) {
		return []any{"vcpu_avail", int64(1)<<40 - 1}, nil
	})
	d.Register("xend.domain.pause", []Param{Required("dom"), Optional("state", false)},
		func(ctx context.Context, args []any) (any, error) { return args, nil },
		PyName("domain_pause"), BoundMethod())
	return d
}

func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (scripts/deps.d/00-base.sh installs it)")
	}
	return py
}

func runPyClient(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python3(t), append([]string{"testdata/pyclient.py"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		t.Fatalf("python3 xmlrpc.client: %v\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "\nok "); n < 40 {
		t.Fatalf("python3 ran only %d checks:\n%s", n, out.String())
	}
}

// TestPythonClientUnix: Python 3's xmlrpc.client over a UNIX socket, with the
// socket path in the Host header as xm sent it.
func TestPythonClientUnix(t *testing.T) {
	python3(t)
	addr := startServer(t, &Server{Service: pyService()})
	runPyClient(t, "unix", addr)
}

// TestPythonClientTCP: the same over TCP.
func TestPythonClientTCP(t *testing.T) {
	python3(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, &Server{Service: pyService()}, ln)
	runPyClient(t, "tcp", "http://"+ln.Addr().String()+"/RPC2")
}

// TestPythonClientTLS: the same over TLS, the server requiring and verifying a
// client certificate (xend never did; spec §1.1).
func TestPythonClientTLS(t *testing.T) {
	python3(t)
	pki := newTestPKI(t)
	ln := tlsListener(t, pki)
	serveOn(t, &Server{Service: pyService()}, ln)
	runPyClient(t, "tls", "https://"+ln.Addr().String()+"/RPC2", pki.caFile, pki.clientCertFile, pki.clientKeyFile)
}

func tlsListener(t *testing.T, pki *testPKI) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return tls.NewListener(ln, pki.serverConfig())
}
