package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// pyCallScript calls one XML-RPC method over a UNIX socket with Python 3's
// xmlrpc.client, the way xm's httpu transport did; the arguments and the
// result are JSON.
const pyCallScript = `
import http.client, json, socket, sys, xmlrpc.client
path, method, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
class UnixTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn(path)
proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(), allow_none=True)
try:
    print(json.dumps(getattr(proxy, method)(*args)))
except xmlrpc.client.Fault as f:
    print("FAULT %d %s" % (f.faultCode, f.faultString))
    sys.exit(1)
`

// pyCall runs pyCallScript and returns its output and whether it
// succeeded (false: an XML-RPC fault, printed as "FAULT code string").
func pyCall(t *testing.T, sock, method string, args ...any) (string, bool) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (scripts/install-deps.sh installs it)")
	}
	a, _ := json.Marshal(args)
	if args == nil {
		a = []byte("[]")
	}
	out, err := exec.Command(py, "-c", pyCallScript, sock, method, string(a)).CombinedOutput()
	if err != nil && !strings.HasPrefix(string(out), "FAULT ") {
		t.Fatalf("python3 %s%s: %v\n%s", method, a, err, out)
	}
	return strings.TrimSpace(string(out)), err == nil
}

// migServe starts `xendshim serve` on the simulated host in stateDir, with
// its XML-RPC socket in stateDir/run.
func migServe(t *testing.T, stateDir string, args ...string) *server {
	t.Helper()
	sock := filepath.Join(stateDir, "run", "xmlrpc.sock")
	all := append([]string{"serve", "--backend", "sim", "--state-dir", stateDir, "--xmlrpc-socket", sock, "--http-socket", ""}, args...)
	s := startServerArgs(t, all...)
	s.xmlrpc = sock
	s.waitSocket(t, sock)
	waitLog(t, s, "xendshim ready")
	return s
}

// TestServeMigratesThroughXendAPI: two serve processes on loopback, a PKI
// made with migrate-cert; Python 3 calls xend.domain.migrate on the source,
// which sends the domain over the secure transport to the destination's
// --migrate-listen receiver. Afterwards the domain runs on the destination
// only, once, as both servers' xend.domains and a fresh look at both
// simulated hosts show.
func TestServeMigratesThroughXendAPI(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed (scripts/install-deps.sh installs it)")
	}
	f := newMigFixture(t)
	addr := freePort(t)
	tls := func(host string) []string {
		return []string{"--migrate-cert", filepath.Join(f.pki, host+".crt"), "--migrate-key", filepath.Join(f.pki, host+".key"),
			"--migrate-ca", filepath.Join(f.pki, "ca.crt")}
	}
	dst := migServe(t, f.dstState, append(tls("dst"), "--migrate-listen", addr, "--migrate-policy", f.policy)...)
	src := migServe(t, f.srcState, append(tls("src"), "--migrate-peers", "dst="+addr)...)

	if out, ok := pyCall(t, src.xmlrpc, "xend.domain.migrate", "web1", "nowhere", true); ok || !strings.Contains(out, "not a configured migration peer") {
		t.Errorf("xend.domain.migrate(web1, nowhere) = %s; want a fault naming the unconfigured peer", out)
	}
	if out, ok := pyCall(t, src.xmlrpc, "xend.domain.migrate", "web1", "dst", true); !ok {
		t.Fatalf("xend.domain.migrate(web1, dst) = %s\nsource log:\n%s\ndestination log:\n%s", out, src.logText(), dst.logText())
	}
	count := func(s *server) int {
		out, _ := pyCall(t, s.xmlrpc, "xend.domains", 0)
		var names []string
		if err := json.Unmarshal([]byte(out), &names); err != nil {
			t.Fatalf("xend.domains(0) = %s: %v", out, err)
		}
		n := 0
		for _, x := range names {
			if x == "web1" {
				n++
			}
		}
		return n
	}
	if n := count(src); n != 0 {
		t.Errorf("source xend.domains(0) lists web1 %d times; want 0", n)
	}
	if n := count(dst); n != 1 {
		t.Errorf("destination xend.domains(0) lists web1 %d times; want 1\n%s", n, dst.logText())
	}
	for _, s := range []*server{src, dst} {
		if err := s.stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("serve exit after SIGTERM = %v", err)
		}
	}
	f.check(t)
}

// TestServeMigratesThroughHTTPSXP: libvirt's route, op=migrate on
// /xend/domain/NAME over the HTTP/SXP socket, reaches the same sender; the
// peer is named by its address (as virsh's xenmigr://HOST URI does).
func TestServeMigratesThroughHTTPSXP(t *testing.T) {
	f := newMigFixture(t)
	addr := freePort(t)
	host, _, _ := net.SplitHostPort(addr)
	tls := func(h string) []string {
		return []string{"--migrate-cert", filepath.Join(f.pki, h+".crt"), "--migrate-key", filepath.Join(f.pki, h+".key"),
			"--migrate-ca", filepath.Join(f.pki, "ca.crt")}
	}
	dst := migServe(t, f.dstState, append(tls("dst"), "--migrate-listen", addr, "--migrate-policy", f.policy)...)
	httpSock := filepath.Join(f.srcState, "run", "xend-socket")
	src := migServe(t, f.srcState, append(tls("src"), "--migrate-peers", "dst="+addr, "--http-socket", httpSock)...)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", httpSock)
	}}}
	form := url.Values{"op": {"migrate"}, "destination": {host}, "live": {"1"}, "port": {"0"}, "node": {"-1"}, "ssl": {"0"}, "change_home_server": {"False"}}
	resp, err := client.PostForm("http://localhost/xend/domain/web1", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "err") {
		t.Fatalf("op=migrate = %d %q\nsource log:\n%s\ndestination log:\n%s", resp.StatusCode, body, src.logText(), dst.logText())
	}
	for _, s := range []*server{src, dst} {
		if err := s.stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("serve exit after SIGTERM = %v", err)
		}
	}
	f.check(t)
}

// TestServeMigrateWithoutPeersRefuses: without --migrate-peers the API
// answers as before, naming the missing sender.
func TestServeMigrateWithoutPeersRefuses(t *testing.T) {
	f := newMigFixture(t)
	src := migServe(t, f.srcState)
	out, ok := pyCall(t, src.xmlrpc, "xend.domain.migrate", "web1", "dst", true)
	if ok || !strings.Contains(out, "no relocation sender is configured") {
		t.Errorf("xend.domain.migrate without peers = %s; want the no-sender fault", out)
	}
}
