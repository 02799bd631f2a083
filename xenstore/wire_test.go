package xenstore

import (
	"bytes"
	"slices"
	"testing"
)

// readReq is a READ of "/local/domain/0/name" as xenstore-read sends it:
var readReq = []byte{
	0x02, 0, 0, 0, // type XS_READ
	0x07, 0, 0, 0, // req_id 7
	0x00, 0, 0, 0, // tx_id 0 (no transaction)
	0x15, 0, 0, 0, // len 21: the path and its NUL
	'/', 'l', 'o', 'c', 'a', 'l', '/', 'd', 'o', 'm', 'a', 'i', 'n', '/', '0', '/', 'n', 'a', 'm', 'e', 0,
}

func TestWriteMsgBytes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMsg(&b, Msg{Type: TypeRead, ReqID: 7, Payload: joinNul("/local/domain/0/name")}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), readReq) {
		t.Errorf("WriteMsg(READ) = % x; want % x", b.Bytes(), readReq)
	}
	m, err := ReadMsg(bytes.NewReader(readReq))
	if err != nil || m.Type != TypeRead || m.ReqID != 7 || m.TxID != 0 || string(m.Payload) != "/local/domain/0/name\x00" {
		t.Errorf("ReadMsg(READ bytes) = %+v, %v", m, err)
	}
}

func TestReadMsgRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"short header", readReq[:10]},
		{"short payload", readReq[:20]},
		{"payload over limit", []byte{2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := ReadMsg(bytes.NewReader(tt.in)); err == nil {
				t.Errorf("ReadMsg(% x) = %+v; want an error", tt.in, m)
			}
		})
	}
	if err := WriteMsg(&bytes.Buffer{}, Msg{Type: TypeWrite, Payload: make([]byte, MaxPayload+1)}); err == nil {
		t.Errorf("WriteMsg of %d payload bytes succeeded", MaxPayload+1)
	}
}

func TestSplitNul(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a\x00", []string{"a"}},
		{"a\x00b\x00", []string{"a", "b"}},
		{"a\x00b", []string{"a", "b"}},
		{"\x00", []string{""}},
		{"a\x00\x00", []string{"a", ""}},
	}
	for _, tt := range tests {
		if got := splitNul([]byte(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("splitNul(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMsgTypeString(t *testing.T) {
	if got := TypeTransactionStart.String(); got != "TRANSACTION_START" {
		t.Errorf("TypeTransactionStart.String() = %q", got)
	}
	if got := MsgType(99).String(); got != "TYPE_99" {
		t.Errorf("MsgType(99).String() = %q", got)
	}
}

// FuzzReadMsg checks that any bytes either decode into a message that
// re-encodes to the same bytes, or fail without panicking.
func FuzzReadMsg(f *testing.F) {
	f.Add(readReq)
	f.Add([]byte{16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 'E', 'N', 'O', 'E', 'N', 'T', 0})
	f.Add([]byte{15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, '/', 0, 't', 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ReadMsg(bytes.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteMsg(&b, m); err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(b.Bytes(), in[:HeaderSize+len(m.Payload)]) {
			t.Fatalf("round trip changed the bytes: % x -> % x", in, b.Bytes())
		}
		_ = splitNul(m.Payload)
	})
}

// FuzzParsePerm checks ParsePerm never panics and round-trips what it accepts.
func FuzzParsePerm(f *testing.F) {
	for _, s := range []string{"n0", "r1", "w2", "b4294967295", "", "x", "r", "r01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePerm(s)
		if err != nil {
			return
		}
		q, err := ParsePerm(p.String())
		if err != nil || q != p {
			t.Fatalf("ParsePerm(%q) = %v; reparse of %q = %v, %v", s, p, p.String(), q, err)
		}
	})
}
