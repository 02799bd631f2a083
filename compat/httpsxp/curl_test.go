package httpsxp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// curl runs the real curl client against the server's UNIX socket and
// returns the status line and the body.
func curl(t *testing.T, sock string, args ...string) (status, body string) {
	t.Helper()
	base := []string{"-s", "-i", "--max-time", "20", "--unix-socket", sock, "-H", "Expect:"}
	out, err := exec.Command("curl", append(base, args...)...).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("curl %v: %v", args, err)
	}
	head, body, _ := strings.Cut(string(out), "\r\n\r\n")
	status, _, _ = strings.Cut(head, "\r\n")
	return status, body
}

// TestCurl drives the shim (on the simulator, through compat/xend) with
// curl: every status code, malformed requests, and after each one a
// request that must still be answered.
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed (scripts/deps.d/00-base.sh installs it)")
	}
	sock := newReplayServer(t)
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, []byte("op=new&config="+strings.Repeat("x", MaxBodyBytes)), 0o600); err != nil {
		t.Fatal(err)
	}
	const u = "http://localhost:8000"
	cfg := "op=create&config=%28vm%20%28name%20%27c1%27%29%28memory%2064%29%28vcpus%201%29%28image%20%28linux%20%28kernel%20%27%2fvar%2flib%2fxen%2fboot%2fvmlinuz%2dguest%27%29%29%29%29"
	tests := []struct {
		name       string
		args       []string
		wantStatus string
		wantBody   string // substring
	}{
		{"node", []string{u + "/xend/node/"}, "HTTP/1.1 200 OK", "(xend_config_format 4))"},
		{"ls", []string{u + "/xend/"}, "HTTP/1.1 200 OK", "(ls  node domain vnet)''"},
		{"dmesg", []string{u + "/xend/node/dmesg"}, "HTTP/1.1 200 OK", "(XEN) Xen version 4.4.4"},
		{"create", []string{"--data", cfg, u + "/xend/domain/"}, "HTTP/1.1 201 created", "(name c1)"},
		{"created stays paused", []string{u + "/xend/domain/c1?detail=1"}, "HTTP/1.1 200 OK", "(state --p---)"},
		{"unpause", []string{"--data", "op=unpause", u + "/xend/domain/c1"}, "HTTP/1.1 200 OK", ""},
		{"list", []string{u + "/xend/domain"}, "HTTP/1.1 200 OK", "(Domain-0 c1)"},
		{"shutdown accepted", []string{"--data", "op=shutdown&reason=reboot", u + "/xend/domain/c1"}, "HTTP/1.1 202 Accepted", ""},
		{"unknown domain", []string{u + "/xend/domain/nosuch?detail=1"}, "HTTP/1.1 404 Not found", "<Fault 3: 'nosuch'>"},
		{"unknown path", []string{u + "/xend/nosuch"}, "HTTP/1.1 404 Not found", "Not found: nosuch"},
		{"missing op", []string{"--data", "reason=poweroff", u + "/xend/domain/c1"}, "HTTP/1.1 406 Invalid request", "''"},
		{"unknown op", []string{"--data", "op=frob", u + "/xend/domain/c1"}, "HTTP/1.1 501 Operation not implemented: frob", "Operation not implemented: frob''"},
		{"bad encoding kept verbatim", []string{"--data", "op=p%zzause", u + "/xend/domain/c1"}, "HTTP/1.1 501 Operation not implemented: p%zzause", ""},
		{"missing argument", []string{"--data", "op=set%5fvcpus", u + "/xend/domain/c1"}, "HTTP/1.1 500 Request failed: set_vcpus", "(xend.err 'Missing parameter: vcpus')"},
		{"bad int", []string{"--data", "op=mem%5ftarget%5fset&target=lots", u + "/xend/domain/c1"}, "HTTP/1.1 500 Request failed: mem_target_set", `(xend.err "invalid literal for int() with base 10: 'lots'")`},
		{"dom0 refused", []string{"--data", "op=pause", u + "/xend/domain/Domain-0"}, "HTTP/1.1 500 Request failed: pause", "(xend.err 'Cannot pause privileged domain 0')"},
		{"bad method", []string{"-X", "PUT", u + "/xend/domain"}, "HTTP/1.1 501 Not implemented", "Request method not supported (PUT)"},
		{"oversize", []string{"--data-binary", "@" + big, u + "/xend/domain/"}, "HTTP/1.1 413 Request entity too large", ""},
		{"destroy", []string{"--data", "op=destroy", u + "/xend/domain/c1"}, "HTTP/1.1 202 Accepted", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := curl(t, sock, tt.args...)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("curl %v = %q, %q; want %q with %q", tt.args, status, body, tt.wantStatus, tt.wantBody)
			}
			if st, _ := curl(t, sock, u+"/xend/node/"); st != "HTTP/1.1 200 OK" {
				t.Errorf("after %s: node = %q; want 200 OK", tt.name, st)
			}
		})
	}
}
