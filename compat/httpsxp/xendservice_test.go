package httpsxp

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// newXendServer serves compat/xend on the reference simulator with opts
// (state paths filled in) and returns the socket.
func newXendServer(t *testing.T, opts xend.Options) string {
	t.Helper()
	dir := t.TempDir()
	ts, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	opts.DomainsPath, opts.LogPath, opts.StrictXend = filepath.Join(dir, "domains"), filepath.Join(dir, "xend.log"), true
	svc, err := xend.New(ts, opts)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := startServer(t, NewXendService(svc))
	return path
}

const createMig = "op=create&config=%28vm%20%28name%20mig%29%28memory%2064%29%28vcpus%201%29%28image%20%28linux%20%28kernel%20%2fvar%2flib%2fxen%2fboot%2fvmlinuz%2dguest%29%29%29%28device%20%28vif%20%28bridge%20xenbr0%29%29%29%29"

// statusBody returns a reply's status line and body.
func statusBody(reply string) (string, string) {
	head, body, _ := strings.Cut(reply, "\r\n\r\n")
	status, _, _ := strings.Cut(head, "\r\n")
	return status, body
}

// TestMigrateThroughService checks op=migrate takes the same path as
// xend.domain.migrate: compat/xend's checks, then Options.Migrate with
// domain_migrate's arguments. A thread op's error is a 200 reply with an
// (xend.err …) body (spec §3.4).
func TestMigrateThroughService(t *testing.T) {
	var mu sync.Mutex
	var sent []xend.Migration
	path := newXendServer(t, xend.Options{Migrate: func(ctx context.Context, m xend.Migration) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, m)
		if m.Host == "unreachable" {
			return errors.New("can't connect: unreachable is not a configured migration peer")
		}
		return nil
	}})
	if st, body := statusBody(exchange(t, path, libvirtPost("/xend/domain/", createMig))); st != "HTTP/1.1 201 created" {
		t.Fatalf("create = %s %s", st, body)
	}
	tests := []struct {
		name, dom, form string
		wantStatus      string
		wantBody        string // substring
		want            *xend.Migration
	}{
		{"dom0 refused before sending", "Domain-0", "op=migrate&destination=hv-b&live=1&port=0&node=-1&ssl=0&change_home_server=False",
			"HTTP/1.1 200 OK", "(xend.err 'Cannot migrate privileged domain 0')", nil},
		{"libvirt's arguments", "mig", "op=migrate&destination=hv-b&live=1&port=0&node=-1&ssl=0&change_home_server=False",
			"HTTP/1.1 200 OK", "", &xend.Migration{Domid: 1, Name: "mig", Host: "hv-b", Port: 8002, Live: true, Node: -1}},
		{"ssl, port, node, change home", "mig", "op=migrate&destination=hv-c&live=0&port=9000&node=1&ssl=1&change_home_server=True",
			"HTTP/1.1 200 OK", "", &xend.Migration{Domid: 1, Name: "mig", Host: "hv-c", Port: 9000, SSL: true, ChangeHome: true, Node: 1}},
		{"sender error shown", "mig", "op=migrate&destination=unreachable&live=1&port=0&node=-1&ssl=1&change_home_server=False",
			"HTTP/1.1 200 OK", "(xend.err \"can't connect: unreachable is not a configured migration peer\")", &xend.Migration{Domid: 1, Name: "mig", Host: "unreachable", Port: 8003, Live: true, SSL: true, Node: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			before := len(sent)
			mu.Unlock()
			st, body := statusBody(exchange(t, path, libvirtPost("/xend/domain/"+tt.dom, tt.form)))
			if st != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("POST %s %s = %s %q; want %s with %q", tt.dom, tt.form, st, body, tt.wantStatus, tt.wantBody)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case tt.want == nil && len(sent) != before:
				t.Errorf("POST %s %s reached Options.Migrate with %+v; want it refused before", tt.dom, tt.form, sent[len(sent)-1])
			case tt.want != nil && len(sent) != before+1:
				t.Errorf("POST %s %s: Options.Migrate called %d times; want once", tt.dom, tt.form, len(sent)-before)
			case tt.want != nil && sent[len(sent)-1] != *tt.want:
				t.Errorf("POST %s %s: Options.Migrate got %+v; want %+v", tt.dom, tt.form, sent[len(sent)-1], *tt.want)
			}
		})
	}
}

// TestSharedSemanticsOverHTTP checks ops whose meaning compat/xend owns
// answer over HTTP with xend's str() of the exception.
func TestSharedSemanticsOverHTTP(t *testing.T) {
	path := newXendServer(t, xend.Options{})
	if st, body := statusBody(exchange(t, path, libvirtPost("/xend/domain/", createMig))); st != "HTTP/1.1 201 created" {
		t.Fatalf("create = %s %s", st, body)
	}
	tests := []struct {
		name, dom, form    string
		wantStatus, wantIn string
	}{
		{"migrate without a sender", "mig", "op=migrate&destination=hv-b&live=1&port=0&node=-1&ssl=0&change_home_server=False",
			"HTTP/1.1 200 OK", "(xend.err \"can't migrate mig to hv-b: no relocation sender is configured on this host\")"},
		{"memory target over maxmem is a config error", "mig", "op=mem_target_set&target=4096",
			"HTTP/1.1 500 Request failed: mem_target_set", "(xend.err 'Invalid Configuration: memory_dynamic_max must be less than or equal to memory_static_max')"},
		{"maxmem under memory is a config error", "mig", "op=maxmem_set&memory=16",
			"HTTP/1.1 500 Request failed: maxmem_set", "(xend.err 'Invalid Configuration: memory_static_max must be greater than or equal to memory_dynamic_max')"},
		{"configure a vif refused", "mig", "op=device_configure&config=%28vif%20%28bridge%20xenbr1%29%29&dev=0",
			"HTTP/1.1 500 Request failed: device_configure", "(xend.err 'Refusing to reconfigure device"},
		{"dump dom0 refused", "Domain-0", "op=dump&file=%2ftmp%2fcore&live=0&crash=0&reset=0",
			"HTTP/1.1 202 Accepted", "(xend.err 'Cannot dump core for privileged domain 0')"},
		{"dump unknown domain", "nosuch", "op=dump&file=%2ftmp%2fcore&live=0&crash=0&reset=0",
			"HTTP/1.1 404 Not found", "<Fault 3: 'nosuch'>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := statusBody(exchange(t, path, libvirtPost("/xend/domain/"+tt.dom, tt.form)))
			if st != tt.wantStatus || !strings.Contains(body, tt.wantIn) {
				t.Errorf("POST %s %s = %s %q; want %s with %q", tt.dom, tt.form, st, body, tt.wantStatus, tt.wantIn)
			}
		})
	}
}
