package config

import (
	"reflect"
	"testing"
)

func TestUserFallback(t *testing.T) {
	defaults := Config{XMLRPCSocket: DefaultXMLRPCSocket, HTTPSocket: DefaultHTTPSocket, StateDir: DefaultStateDir, DomainsPath: DefaultDomainsPath}
	for _, tc := range []struct {
		name     string
		in       Config
		writable bool
		want     Config
		notes    int
	}{
		{"root-writable: unchanged", defaults, true, defaults, 0},
		{"not writable: all move", defaults, false,
			Config{XMLRPCSocket: "/u/run/xmlrpc.sock", HTTPSocket: "/u/run/xend-socket", StateDir: "/u/state", DomainsPath: "/u/state/domains"}, 4},
		{"chosen paths stay", Config{XMLRPCSocket: "/mine/x.sock", HTTPSocket: "", StateDir: "/mine/state", DomainsPath: "/mine/d"}, false,
			Config{XMLRPCSocket: "/mine/x.sock", HTTPSocket: "", StateDir: "/mine/state", DomainsPath: "/mine/d"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.in
			notes := c.UserFallback(func(string) bool { return tc.writable }, "/u/run", "/u/state")
			if !reflect.DeepEqual(c, tc.want) || len(notes) != tc.notes {
				t.Errorf("UserFallback(%+v) = %+v with %d notes %q; want %+v with %d", tc.in, c, len(notes), notes, tc.want, tc.notes)
			}
		})
	}
}
