package listener

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

func TestHostsAllowMatching(t *testing.T) {
	// Cases from migration.md §1.2: Python re.match anchors at the start only.
	for _, tc := range []struct {
		spec  string
		ip    string
		names []string
		want  bool
	}{
		{"", "192.0.2.1", nil, true},
		{"127.0.0", "127.0.0.1", nil, true},
		{`0\.0\.1`, "127.0.0.1", nil, false},
		{"^127.0.0.1", "127.0.0.1", nil, true},
		{"^10.0.0.1", "10.0.0.150", nil, true}, // the weakness, reproduced
		{`^localhost$ ^localhost\.localdomain$`, "127.0.0.1", []string{"localhost"}, true},
		{`^localhost$ ^localhost\.localdomain$`, "192.0.2.7", []string{"evil.example.org"}, false},
		{`^localhost$ ^localhost\.localdomain$`, "192.0.2.7", []string{"localhost.localdomain"}, true},
		{`^.*\.example\.org$`, "198.51.100.2", []string{"a.example.org"}, true},
		{`^.*\.example\.org$`, "198.51.100.2", nil, false},
	} {
		t.Run(tc.spec+"/"+tc.ip, func(t *testing.T) {
			h, err := NewHostsAllow(nil, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Allowed(tc.ip, tc.names); got != tc.want {
				t.Errorf("Allowed(%q, %q) under %q = %v; want %v", tc.ip, tc.names, tc.spec, got, tc.want)
			}
		})
	}
}

func TestHostsAllowBadPattern(t *testing.T) {
	if _, err := NewHostsAllow(nil, `^ok$ (?=lookahead)`); err == nil {
		t.Error("NewHostsAllow with a look-ahead succeeded; want error naming the pattern")
	}
}

func TestHostsAllowListener(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		wantData   bool
	}{
		{"allowed by IP", `^127\.0\.0\.1$`, true},
		{"allowed by name", `^localhost$`, true},
		{"rejected", `^192\.0\.2\.`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner, err := TCP("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			h, err := NewHostsAllow(inner, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			h.LookupAddr = func(_ context.Context, ip string) ([]string, error) {
				if ip == "127.0.0.1" {
					return []string{"localhost."}, nil
				}
				return nil, errors.New("no PTR")
			}
			defer h.Close()
			go func() {
				for {
					c, err := h.Accept()
					if err != nil {
						return
					}
					c.Write([]byte("welcome"))
					c.Close()
				}
			}()
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(c)
			c.Close()
			if (string(got) == "welcome") != tc.wantData {
				t.Errorf("peer 127.0.0.1 under %q read %q; want data=%v", tc.spec, got, tc.wantData)
			}
		})
	}
}

// FuzzHostsAllow: any pattern list either fails to compile with an error
// naming a pattern, or matches without panicking; an empty list admits all.
func FuzzHostsAllow(f *testing.F) {
	f.Add(`^localhost$ ^localhost\.localdomain$`, "127.0.0.1", "localhost")
	f.Add("^10.0.0.1", "10.0.0.150", "")
	f.Add("(?=x) [", "::1", "a.example.org")
	f.Add("", "192.0.2.1", "")
	f.Fuzz(func(t *testing.T, spec, ip, name string) {
		h, err := NewHostsAllow(nil, spec)
		if err != nil {
			if !strings.Contains(err.Error(), "hosts-allow pattern") {
				t.Errorf("NewHostsAllow(%q) error %q does not name the pattern", spec, err)
			}
			return
		}
		got := h.Allowed(ip, []string{name})
		if len(strings.Fields(spec)) == 0 && !got {
			t.Errorf("empty spec %q refused %q", spec, ip)
		}
	})
}
