package journald

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// encodeCases are records with their golden payloads in testdata/NAME.golden.
var encodeCases = []struct {
	name   string
	fields []Field
}{
	{"simple", []Field{{"MESSAGE", "receiver started"}, {"PRIORITY", "6"}, {"SYSLOG_IDENTIFIER", "xendshim-migrate"}}},
	{"multiline", []Field{{"MESSAGE", "line one\nline two"}, {"PRIORITY", "3"}}},
	{"trailing_newline", []Field{{"MESSAGE", "ends with a newline\n"}}},
	{"empty_value", []Field{{"MESSAGE", ""}, {"EMPTY", ""}}},
	{"equals_and_binary", []Field{{"ARG", "a=b=c"}, {"RAW", "\x00\xff\tend"}}},
	{"repeated", []Field{{"REWRITE", "disk"}, {"REWRITE", "kernel"}}},
	{"none", nil},
}

func TestEncodeGolden(t *testing.T) {
	for _, c := range encodeCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Encode(c.fields)
			if err != nil {
				t.Fatalf("Encode(%q) = %v", c.fields, err)
			}
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update once to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Encode(%q) = %q; want %q", c.fields, got, want)
			}
			back, err := Decode(want)
			if err != nil || len(back) != len(c.fields) || (len(back) > 0 && !reflect.DeepEqual(back, c.fields)) {
				t.Errorf("Decode(%q) = %q, %v; want %q", want, back, err, c.fields)
			}
		})
	}
}

// TestEncodeBinaryForm checks the binary form byte by byte, independent of
// the golden files.
func TestEncodeBinaryForm(t *testing.T) {
	got, err := Encode([]Field{{"M", "a\nb"}})
	want := []byte("M\n\x03\x00\x00\x00\x00\x00\x00\x00a\nb\n")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Encode(M=a\\nb) = %q, %v; want %q", got, err, want)
	}
}

func TestEncodeRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "_PID", "_SYSTEMD_UNIT", "1ST", "lower", "MIGRATION-ID", "A B", "É", strings.Repeat("A", 65)} {
		t.Run(name, func(t *testing.T) {
			b, err := Encode([]Field{{"MESSAGE", "x"}, {name, "v"}})
			if err == nil || b != nil {
				t.Errorf("Encode(%q) = %q, %v; want an error and no bytes", name, b, err)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"MESSAGE", true}, {"A", true}, {"X_1", true}, {"CODE_LINE", true}, {strings.Repeat("A", 64), true},
		{"", false}, {"_PID", false}, {"9A", false}, {"a", false}, {"A.B", false}, {strings.Repeat("A", 65), false},
	} {
		if err := ValidName(c.name); (err == nil) != c.ok {
			t.Errorf("ValidName(%q) = %v; want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestFieldName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"migration_id", "MIGRATION_ID"},
		{"peer.addr", "PEER_ADDR"},
		{"peer-identity", "PEER_IDENTITY"},
		{"_private", "PRIVATE"},
		{"2fa", "X_2FA"},
		{"__", "X"},
		{"", "X"},
		{"naïve", "NA__VE"},
		{strings.Repeat("k", 70), strings.Repeat("K", 64)},
	} {
		got := FieldName(c.in)
		if got != c.want {
			t.Errorf("FieldName(%q) = %q; want %q", c.in, got, c.want)
		}
		if err := ValidName(got); err != nil {
			t.Errorf("FieldName(%q) = %q, not valid: %v", c.in, got, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"no_separator", "MESSAGE", "without '='"},
		{"no_newline", "MESSAGE=x", "does not end with a newline"},
		{"bad_name", "message=x\n", "field name"},
		{"reserved", "_PID=1\n", "reserves"},
		{"short_length", "M\n\x01\x00", "cut short"},
		{"long_length", "M\n\xff\x00\x00\x00\x00\x00\x00\x00ab\n", "length 255"},
		{"huge_length", "M\n\xff\xff\xff\xff\xff\xff\xff\xffab\n", "but 3 bytes follow"},
		{"no_binary_newline", "M\n\x01\x00\x00\x00\x00\x00\x00\x00ab", "not followed by a newline"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Decode([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Decode(%q) = %q, %v; want an error containing %q", c.in, f, err, c.want)
			}
		})
	}
}
