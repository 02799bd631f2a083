package httpsxp

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// dumpArgs renders args as "k=[v1 v2] ..." with keys sorted.
func dumpArgs(a *Args) string {
	names := a.Names()
	sort.Strings(names)
	var b []string
	for _, n := range names {
		b = append(b, fmt.Sprintf("%s=%q", n, a.Get(n)))
	}
	return strings.Join(b, " ")
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		keepBlank bool
		want      string
	}{
		{"late libvirt lower-case escapes", "op=device%5fcreate&rm%5fcfg=1&node=%2d1", true, `node=["-1"] op=["device_create"] rm_cfg=["1"]`},
		{"upper-case escapes", "a=%2F%41", true, `a=["/A"]`},
		{"plus is space", "config=(vm+(name+x))", true, `config=["(vm (name x))"]`},
		{"semicolon splits", "a=1;b=2", true, `a=["1"] b=["2"]`},
		{"raw old libvirt value cut by ampersand", "config=(name a&b)", true, `b)=[""] config=["(name a"]`},
		{"repeated keys keep order", "live=0&live=1", true, `live=["0" "1"]`},
		{"no equals in body", "flag&a=1", true, `a=["1"] flag=[""]`},
		{"no equals in query dropped", "flag&a=1", false, `a=["1"]`},
		{"blank in query dropped", "detail=&x=1", false, `x=["1"]`},
		{"blank in body kept", "detail=&x=1", true, `detail=[""] x=["1"]`},
		{"invalid escapes kept", "a=%zz%4&b=100%", true, `a=["%zz%4"] b=["100%"]`},
		{"percent-encoded plus stays plus", "a=%2b", true, `a=["+"]`},
		{"empty pairs skipped", "&&a=1&;", true, `a=["1"]`},
		{"escaped key", "%6fp=pause", true, `op=["pause"]`},
		{"value with equals", "a=b=c", true, `a=["b=c"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArgs()
			parseQuery(a, tt.in, tt.keepBlank)
			if got := dumpArgs(a); got != tt.want {
				t.Errorf("parseQuery(%q, %v) = %s; want %s", tt.in, tt.keepBlank, got, tt.want)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"%41%62", "Ab"},
		{"%%41", "%A"},
		{"%4%41", "%4A"},
		{"%", "%"},
		{"a%2", "a%2"},
		{"a+b", "a+b"},
		{"%e9", "\xe9"},
	}
	for _, tt := range tests {
		if got := unquote(tt.in); got != tt.want {
			t.Errorf("unquote(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
