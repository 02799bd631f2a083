package xend

import (
	"bytes"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

// TestEncodedRecordsMatchRecords checks that the pre-encoded listing is byte
// for byte the reply records() gives, faults included.
func TestEncodedRecordsMatchRecords(t *testing.T) {
	rec := sxp.List(sxp.Atom("domain"), num("domid", 3), str("name", "a<b>&c"),
		kv("vcpu_avail", sxp.Long(3)), kv("cpu_time", sxp.Float(1.25)),
		kv("cpus", sxp.List(intList([]int{0, 1}), intList(nil))),
		kv("image", sxp.List(sxp.Atom("linux"), kv("vcpu_avail", sxp.Int(1)), kv("notes", sxp.List(kv("vcpu_avail", sxp.Int(1)))))),
		kv("flags", sxp.List(sxp.Bool(true), sxp.Bool(false), sxp.None(), sxp.Quoted("q"), sxp.Value{})),
		sxp.List(sxp.Atom("vcpu_avail"), sxp.Int(1), sxp.Int(2)),
		sxp.List(sxp.Int(5), sxp.Atom("x")))
	tests := []struct {
		name string
		in   []sxp.Value
	}{
		{"none", nil},
		{"one", []sxp.Value{rec}},
		{"several", []sxp.Value{rec, sxp.List(sxp.Atom("domain")), rec}},
		{"scalar record", []sxp.Value{sxp.Atom("odd")}},
		{"top-level vcpu_avail pair kept", []sxp.Value{kv("vcpu_avail", sxp.Int(1))}},
		{"int beyond int32 is fault 1", []sxp.Value{rec, sxp.List(sxp.Atom("domain"), kv("maxmem", sxp.Int(1<<33)))}},
		{"long beyond int32 is fault 1", []sxp.Value{sxp.List(kv("x", sxp.Long(-1<<40)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := xmlrpc.EncodeResult(encodedRecords(tt.in), nil)
			want := xmlrpc.EncodeResult(records(tt.in), nil)
			if !bytes.Equal(got, want) {
				t.Errorf("EncodeResult(encodedRecords(%v)) =\n%s\nwant\n%s", tt.in, got, want)
			}
		})
	}
}

// encodedRecords is records(vs) encoded record by record with appendRecord
// (the encoder of the cache), without the cache: one xmlrpc.Raw per record,
// each exactly the text the encoder writes for fixedRecord(v). If a record
// cannot be encoded (an int outside the int32 range) it returns records(vs)
// instead, so the encoder answers with the same fault as before.
func encodedRecords(vs []sxp.Value) any {
	if len(vs) == 0 {
		return []any{}
	}
	var b xmlrpc.Builder
	out := make([]any, len(vs))
	for i, v := range vs {
		appendRecord(&b, v)
		r, err := b.Take()
		if err != nil {
			return records(vs)
		}
		out[i] = r
	}
	return out
}
