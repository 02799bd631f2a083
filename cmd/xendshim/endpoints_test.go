package main

import (
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/listener"
)

func TestEndpointsOf(t *testing.T) {
	cfg := &config.Config{
		XMLRPCSocket: "/r/x.sock", XMLRPCAddr: "localhost:8006", XMLRPCTLSCert: "c", XMLRPCTLSKey: "k",
		HTTPSocket: "", HTTPAddr: ":8000", RelocationAddr: ":8002", RelocationHostsAllow: "^localhost$",
		RelocationLegacy: true, MigrateListen: ":8005",
	}
	var got []string
	for _, ep := range endpointsOf(cfg) {
		got = append(got, ep.name+" "+ep.addr)
	}
	want := []string{"xmlrpc-unix /r/x.sock", "xmlrpc-tcp localhost:8006", "http-tcp :8000", "migrate-tcp :8005", "relocation-tcp :8002"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpointsOf(%+v) = %q; want %q", cfg, got, want)
	}
	eps := endpointsOf(cfg)
	if eps[1].tls == nil || eps[0].tls != nil || eps[4].hostsAllow != "^localhost$" {
		t.Errorf("endpointsOf: TLS or hosts-allow not carried: %+v", eps)
	}
}

// TestEndpointsOfRelocationNeedsOptIn: xend's unauthenticated relocation
// listeners are not bound without --relocation-legacy.
func TestEndpointsOfRelocationNeedsOptIn(t *testing.T) {
	cfg := &config.Config{RelocationAddr: ":8002", RelocationTLSAddr: ":8003"}
	if eps := endpointsOf(cfg); len(eps) != 0 {
		t.Errorf("endpointsOf(relocation without opt-in) = %+v; want none", eps)
	}
}

func TestMatchActivated(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "x.sock")
	unixLn, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer unixLn.Close()
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcpLn.Close()
	otherLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer otherLn.Close()
	eps := []endpoint{
		{name: "xmlrpc-unix", proto: protoXMLRPC, network: "unix", addr: sock},
		{name: "http-tcp", proto: protoHTTP, network: "tcp", addr: tcpLn.Addr().String()},
		{name: "http-unix", proto: protoHTTP, network: "unix", addr: filepath.Join(dir, "h.sock")},
	}
	for _, tc := range []struct {
		name      string
		acts      []listener.Activated
		inherited []string // endpoint names served on inherited sockets
		rest      []string // endpoint names left to bind
		wantErr   string
	}{
		{"by address, unit-named", []listener.Activated{{Name: "xendshim.socket", Listener: unixLn}},
			[]string{"xmlrpc-unix"}, []string{"http-tcp", "http-unix"}, ""},
		{"by protocol name and type", []listener.Activated{{Name: "http", Listener: tcpLn}},
			[]string{"http-tcp"}, []string{"xmlrpc-unix", "http-unix"}, ""},
		{"by endpoint name", []listener.Activated{{Name: "http-unix", Listener: unixLn}},
			[]string{"http-unix"}, []string{"xmlrpc-unix", "http-tcp"}, ""},
		{"protocol without endpoint", []listener.Activated{{Name: "relocation", Listener: tcpLn}},
			[]string{"relocation-tcp"}, []string{"xmlrpc-unix", "http-tcp", "http-unix"}, ""},
		{"unit-named, address matches", []listener.Activated{{Name: "other", Listener: tcpLn}},
			[]string{"http-tcp"}, []string{"xmlrpc-unix", "http-unix"}, ""},
		{"unknown socket", []listener.Activated{{Name: "other", Listener: otherLn}}, nil, nil, "matches no listener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inh, rest, err := matchActivated(eps, tc.acts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("matchActivated error = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotInh, gotRest []string
			for _, a := range inh {
				gotInh = append(gotInh, a.ep.name)
			}
			for _, ep := range rest {
				gotRest = append(gotRest, ep.name)
			}
			if !reflect.DeepEqual(gotInh, tc.inherited) || !reflect.DeepEqual(gotRest, tc.rest) {
				t.Errorf("matchActivated = inherited %q, rest %q; want %q, %q", gotInh, gotRest, tc.inherited, tc.rest)
			}
		})
	}
}

func TestSameAddr(t *testing.T) {
	for _, tc := range []struct {
		ep   endpoint
		addr net.Addr
		want bool
	}{
		{endpoint{network: "tcp", addr: ":8000"}, &net.TCPAddr{IP: net.IPv6unspecified, Port: 8000}, true},
		{endpoint{network: "tcp", addr: ":8000"}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}, true},
		{endpoint{network: "tcp", addr: "127.0.0.1:8000"}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}, true},
		{endpoint{network: "tcp", addr: "127.0.0.1:8000"}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8001}, false},
		{endpoint{network: "tcp", addr: "127.0.0.1:8000"}, &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 8000}, false},
		{endpoint{network: "unix", addr: "/a/b.sock"}, &net.UnixAddr{Name: "/a/b.sock", Net: "unix"}, true},
		{endpoint{network: "unix", addr: "/a/b.sock"}, &net.UnixAddr{Name: "/a/c.sock", Net: "unix"}, false},
	} {
		if got := sameAddr(tc.ep, tc.addr); got != tc.want {
			t.Errorf("sameAddr(%q, %v) = %v; want %v", tc.ep.addr, tc.addr, got, tc.want)
		}
	}
}

func TestMigrationSettingsChanged(t *testing.T) {
	base := config.Config{MigrateMode: "ca", MigratePeers: []config.MigratePeer{{Name: "b", Addr: "h:1"}}}
	for _, tc := range []struct {
		name   string
		change func(*config.Config)
		want   bool
	}{
		{"same", func(*config.Config) {}, false},
		{"log level", func(c *config.Config) { c.LogLevel = "debug" }, false},
		{"peer address", func(c *config.Config) { c.MigratePeers = []config.MigratePeer{{Name: "b", Addr: "h:2"}} }, true},
		{"strict", func(c *config.Config) { c.StrictXend = true }, true},
		{"legacy", func(c *config.Config) { c.RelocationLegacy = true }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := base
			tc.change(&b)
			if got := migrationSettingsChanged(&base, &b); got != tc.want {
				t.Errorf("migrationSettingsChanged(base, %s) = %v; want %v", tc.name, got, tc.want)
			}
		})
	}
}
