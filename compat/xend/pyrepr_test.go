package xend

import "testing"

func TestReprEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"vbd", "vbd"},
		{" Xen 4.4.4\n(XEN) x\n", ` Xen 4.4.4\n(XEN) x\n`},
		{"it's", `it's`},                 // " delimiter: ' left alone
		{`it's "q"`, `it\'s "q"`},        // both quotes: ' delimiter, ' escaped (golden 060-log)
		{`say "hi"`, `say "hi"`},         // only ": ' delimiter, nothing to escape
		{"a\\b\tc\rd", `a\\b\tc\rd`},     // backslash and controls
		{"\x01\x7f\xe9", `\x01\x7f\xe9`}, // other bytes as \xNN
	}
	for _, tt := range tests {
		if got := reprEscape(tt.in); got != tt.want {
			t.Errorf("reprEscape(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
