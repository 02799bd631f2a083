package sim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

func sampleImage(t testing.TB, kind uint32) []byte {
	rec := &imageRecord{
		Config:  &toolstack.DomainConfig{CInfo: toolstack.CreateInfo{Name: "img", Type: toolstack.TypePV}},
		Runtime: &domain{Domid: 3, CurMemKB: 1024, TargetMemKB: 1024, MaxMemKB: 2048, OnlineVCPUs: 1, Affinity: make([]toolstack.Bitmap, 1)},
	}
	data, err := encodeImage(kind, rec)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeImage(t *testing.T) {
	good := sampleImage(t, kindSave)
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		b[off] ^= 0x20
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		kind    uint32
		wantErr string
	}{
		{"good", good, kindSave, ""},
		{"empty", nil, kindSave, "not a valid guest state file: found ''"},
		{"config file", []byte("# Paravirtualised guest: kernel+ramdisk"), kindSave, "found '# Paravirtualise'"},
		{"wrong kind", good, kindMigration, "this is a save image, not a migration stream"},
		{"bad version", flip(19), kindSave, "image version"},
		{"payload byte flipped", flip(headerLen + 3), kindSave, "checksum mismatch"},
		{"checksum byte flipped", flip(len(good) - 1), kindSave, "checksum mismatch"},
		{"truncated", good[:len(good)-5], kindSave, "truncated"},
		{"short header", good[:20], kindSave, "truncated header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := decodeImage(bytes.NewReader(tc.data), tc.kind)
			if tc.wantErr == "" {
				if err != nil || rec.Config.CInfo.Name != "img" || rec.Runtime.MaxMemKB != 2048 {
					t.Errorf("decodeImage(%s) = %+v, %v; want the sample", tc.name, rec, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("decodeImage(%s) = %v; want an error containing %q", tc.name, err, tc.wantErr)
			}
		})
	}
}

func FuzzDecodeImage(f *testing.F) {
	f.Add(sampleImage(f, kindSave))
	f.Add(sampleImage(f, kindMigration))
	f.Add([]byte("# Paravirtualised guest"))
	f.Add([]byte(imageMagic + "\x00\x00\x00\x01\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeImage(bytes.NewReader(data), kindSave)
		if err == nil && (rec.Config == nil || rec.Runtime == nil) {
			t.Errorf("decodeImage accepted an image without config or runtime")
		}
	})
}
