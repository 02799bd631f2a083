package xlsave

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func bigEndianHeader(js string) []byte {
	be := binary.BigEndian
	b := []byte(Magic)
	b = be.AppendUint32(b, 0x01020304)
	b = be.AppendUint32(b, FlagJSON)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, uint32(4+len(js)+1))
	b = be.AppendUint32(b, uint32(len(js)+1))
	return append(append(b, js...), 0)
}

func TestReadHeader(t *testing.T) {
	good := AppendHeader(nil, []byte(`{"c_info":{"name":"tiny"}}`))
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		wantCfg string
		wantErr string
	}{
		{"little endian", append(bytes.Clone(good), "stream"...), `{"c_info":{"name":"tiny"}}`, ""},
		{"big endian", bigEndianHeader(`{"x":1}`), `{"x":1}`, ""},
		{"empty", nil, "", "EOF"},
		{"short", good[:20], "", "unexpected EOF"},
		{"bad magic", append([]byte("Xen saved domain, xm format\n \x00 \r"), good[32:]...), "", "bad magic"},
		{"byte order", patch(32, 0x05060708), "", "byte order"},
		{"unknown mandatory flag", patch(36, FlagJSON|1<<7), "", "unknown mandatory flags"},
		{"no JSON", patch(36, FlagStreamV2), "", "no JSON config"},
		{"optional data too small", patch(44, 3), "", "outside 4.."},
		{"optional data too large", patch(44, MaxOptionalData+1), "", "outside 4.."},
		{"config longer than data", patch(48, 1<<20), "", "config of"},
		{"empty config", patch(48, 0), "", "config of 0 bytes"},
		{"truncated optional data", good[:len(good)-3], "", "optional data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, js, err := ReadHeader(bytes.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadHeader = %v; want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(js) != tt.wantCfg {
				t.Fatalf("ReadHeader = %q, %v; want %q", js, err, tt.wantCfg)
			}
			if !bytes.HasPrefix(tt.in, raw) || bytes.HasSuffix(raw, []byte("stream")) {
				t.Fatalf("raw = %q is not the header prefix of the input", raw)
			}
		})
	}
}

// FuzzReadHeader: the header reader never panics, never returns more than
// it read and never a config larger than the optional data.
func FuzzReadHeader(f *testing.F) {
	f.Add(AppendHeader(nil, []byte(`{"c_info":{"name":"tiny"}}`)))
	f.Add(bigEndianHeader(`{}`))
	f.Add([]byte(Magic + "\x04\x03\x02\x01\x03\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		raw, js, err := ReadHeader(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(raw) > HeaderLen+MaxOptionalData || len(js) > len(raw)-HeaderLen-4 || !bytes.HasPrefix(in, raw) {
			t.Fatalf("raw %d bytes, config %d bytes", len(raw), len(js))
		}
	})
}
