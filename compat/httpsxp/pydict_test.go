package httpsxp

import (
	"reflect"
	"testing"
)

// TestPyDictHeaderOrder checks the emulated dict against every header order
// xend was observed to write (spec §2.7 table and the golden captures).
func TestPyDictHeaderOrder(t *testing.T) {
	std := []string{"expires", "pragma", "cache-control"}
	tests := []struct {
		name string
		set  []string
		want []string
	}{
		{"none", []string{"content-length"}, []string{"content-length", "expires", "pragma", "cache-control"}},
		{"content-type", []string{"content-type", "content-length"}, []string{"content-length", "expires", "content-type", "pragma", "cache-control"}},
		{"location", []string{"location", "content-length"}, []string{"content-length", "expires", "location", "pragma", "cache-control"}},
		{"location+type", []string{"location", "content-type", "content-length"}, []string{"content-length", "expires", "location", "pragma", "cache-control", "content-type"}},
		{"type+location", []string{"content-type", "location", "content-length"}, []string{"content-length", "expires", "location", "pragma", "cache-control", "content-type"}},
		{"accept+type", []string{"accept", "content-type", "content-length"}, []string{"content-length", "expires", "accept", "pragma", "cache-control", "content-type"}},
		{"keepalive+type", []string{"connection", "content-type", "content-length"}, []string{"content-length", "expires", "connection", "pragma", "cache-control", "content-type"}},
		{"keepalive", []string{"connection", "content-length"}, []string{"connection", "expires", "content-length", "pragma", "cache-control"}},
		{"head+type", []string{"content-type"}, []string{"expires", "content-type", "pragma", "cache-control"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d pyDict
			for _, k := range append(append([]string{}, std...), tt.set...) {
				d.insert(k)
			}
			if got := d.keys(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("keys(%v) = %v; want %v", tt.set, got, tt.want)
			}
		})
	}
}

func TestPyStringHash(t *testing.T) {
	// Values printed by CPython 2.7 (64-bit): hash('a'), hash('ab'), hash('').
	tests := []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"a", 12416037344},
		{"ab", 12416074593111939},
	}
	for _, tt := range tests {
		if got := int64(pyStringHash(tt.in)); got != tt.want {
			t.Errorf("pyStringHash(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}

func TestPyDictDuplicateAndGrowth(t *testing.T) {
	var d pyDict
	if !d.insert("a") || d.insert("a") {
		t.Fatalf("insert(a) twice: want new then existing")
	}
	for _, k := range []string{"b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		d.insert(k)
	}
	if got := len(d.keys()); got != 10 {
		t.Errorf("len(keys) = %d; want 10", got)
	}
	if !d.has("j") || d.has("z") {
		t.Errorf("has(j), has(z) = %v, %v; want true, false", d.has("j"), d.has("z"))
	}
}
