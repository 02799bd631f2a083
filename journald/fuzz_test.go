package journald

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode: Decode never panics, and what it accepts re-encodes to a
// payload that decodes to the same fields.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("M\n\x01\x00\x00\x00\x00\x00\x00\x00=\n"))
	f.Add([]byte("M\n\xff\xff\xff\xff\xff\xff\xff\xff\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, err := Decode(b)
		if err != nil {
			return
		}
		enc, err := Encode(fields)
		if err != nil {
			t.Fatalf("Encode(Decode(%q)) = %v", b, err)
		}
		again, err := Decode(enc)
		if err != nil || len(again) != len(fields) || (len(fields) > 0 && !reflect.DeepEqual(again, fields)) {
			t.Fatalf("Decode(Encode(%q)) = %q, %v; want %q", fields, again, err, fields)
		}
	})
}

// FuzzEncodeRoundTrip: a record of valid names and arbitrary values comes
// back from Decode unchanged; an invalid name is refused.
func FuzzEncodeRoundTrip(f *testing.F) {
	f.Add("MESSAGE", "hello", "MIGRATION_ID", "a\nb")
	f.Add("PRIORITY", "6", "_PID", "1")
	f.Add("X", "\n", "Y", "")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		in := []Field{{n1, v1}, {n2, v2}}
		b, err := Encode(in)
		valid := ValidName(n1) == nil && ValidName(n2) == nil
		if (err == nil) != valid {
			t.Fatalf("Encode(%q) = %v; names valid = %v", in, err, valid)
		}
		if err != nil {
			return
		}
		out, err := Decode(b)
		if err != nil || !reflect.DeepEqual(out, in) {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", in, out, err)
		}
	})
}
