package httpsxp

import (
	"fmt"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

func TestBindForm(t *testing.T) {
	dump := ps("file", "live:i", "crash:i", "reset:i")
	tests := []struct {
		name    string
		form    string
		params  []param
		want    string
		wantErr string
	}{
		{"all present", "op=dump&file=%2ftmp%2fx&live=0&crash=1&reset=0", dump, "map[crash:1 file:/tmp/x live:0 reset:0]", ""},
		{"missing reset (libvirt)", "op=dump&file=x&live=0&crash=0", dump, "", "Missing parameter: reset"},
		{"duplicated live (old libvirt)", "op=dump&file=x&live=0&live=1&crash=0", dump, "", "Too many values for live"},
		{"bad int", "op=set_vcpus&vcpus=abc", ps("vcpus:i"), "", "invalid literal for int() with base 10: 'abc'"},
		{"int with spaces", "vcpus=+2+", ps("vcpus:i"), "map[vcpus:2]", ""},
		{"negative int", "node=%2d1", ps("node:i"), "map[node:-1]", ""},
		{"hex is not an int", "vcpus=0x10", ps("vcpus:i"), "", "invalid literal for int() with base 10: '0x10'"},
		{"bool", "c=Yes&d=0", ps("c:b", "d:b"), "map[c:true d:false]", ""},
		{"unknown keys ignored", "zzz=1&type=vbd", ps("type"), "map[type:vbd]", ""},
		{"sxpr", "config=%28vbd%20%28dev%20%27xvdb%27%29%29", ps("config:x"), "map[config:(vbd (dev xvdb))]", ""},
		{"two sxprs", "config=(a)(b)", ps("config:x"), "", "Too many sxprs"},
		{"no sxpr", "config=%20", ps("config:x"), "", "Too many sxprs"},
		{"unclosed sxpr", "config=(vbd (dev x)", ps("config:x"), "", "object of type 'NoneType' has no len()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArgs()
			parseQuery(a, tt.form, true)
			got, err := bindForm(a, tt.params, nil)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("bindForm(%q) error = %v; want %q", tt.form, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("bindForm(%q) error = %v", tt.form, err)
			}
			s := fmt.Sprint(map[string]any(got))
			if s != tt.want {
				t.Errorf("bindForm(%q) = %s; want %s", tt.form, s, tt.want)
			}
		})
	}
}

func TestParseConfigArg(t *testing.T) {
	tests := []struct {
		name, form, want, wantErr string
	}{
		{"first value wins", "config=(vm (name a))(vm (name b))", "(vm (name a))", ""},
		{"unclosed list (golden 014)", "config=%28vm%20%28name%20%27broken%27%29%28memory%20128", "", "Configuration error list index out of range"},
		{"missing config", "op=create", "", "Configuration error 'NoneType' object has no attribute '__getitem__'"},
		{"domain root accepted", "config=(domain (name a))", "(domain (name a))", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArgs()
			parseQuery(a, tt.form, true)
			v, err := parseConfigArg(a)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parseConfigArg(%q) error = %v; want %q", tt.form, err, tt.wantErr)
				}
				return
			}
			if err != nil || sxp.Show(v) != tt.want {
				t.Errorf("parseConfigArg(%q) = %s, %v; want %s", tt.form, sxp.Show(v), err, tt.want)
			}
		})
	}
}
