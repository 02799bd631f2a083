package xmp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadFrame feeds arbitrary bytes to the frame reader: it must never
// panic, never return a payload over the type's limit, and re-encoding
// what it read must give back the bytes it consumed.
func FuzzReadFrame(f *testing.F) {
	var seed bytes.Buffer
	WriteMessage(&seed, TypeHello, Hello{Proto: 1, Sender: "s", MigrationID: "m", Domain: DomainRef{Name: "n", UUID: "u"}})
	WriteFrame(&seed, TypeData, []byte("page data"))
	WriteMessage(&seed, TypeStreamEnd, StreamEnd{TotalBytes: 9, SHA256: "ab"})
	f.Add(seed.Bytes())
	f.Add(hdr(TypeData, 0xFFFFFFFF))
	f.Add(append(hdr(TypeConfig, 3), "{}}"...))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		consumed := 0
		for {
			fr, err := ReadFrame(r)
			if err != nil {
				if !errors.Is(err, ErrFrame) && err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("ReadFrame error %v is neither a protocol violation nor EOF", err)
				}
				return
			}
			if len(fr.Payload) > limitOf(fr.Type) {
				t.Fatalf("payload %d over limit for %s", len(fr.Payload), fr.Type)
			}
			out, err := AppendFrame(nil, fr.Type, fr.Payload)
			if err != nil {
				t.Fatalf("AppendFrame of a frame ReadFrame accepted: %v", err)
			}
			if !bytes.Equal(out, in[consumed:consumed+len(out)]) {
				t.Fatalf("re-encoded frame differs from the input")
			}
			consumed += len(out)
			var h Hello
			_ = fr.Decode(&h)
		}
	})
}

// FuzzDecodeStrict checks the strict JSON decoder never panics and that
// what it accepts re-encodes and decodes to the same value.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(`{"proto":1,"sender":"s","migration_id":"m","domain":{"name":"n","uuid":"u"},"flags":{},"format":"","memkb":1,"vcpus":1}`))
	f.Add([]byte(`[[[[[[`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var h Hello
		if err := DecodeStrict(in, &h); err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteMessage(&b, TypeHello, h); err != nil {
			return // over the control limit after re-encoding escapes
		}
		fr, err := ReadFrame(&b)
		if err != nil {
			t.Fatal(err)
		}
		var h2 Hello
		if err := fr.Decode(&h2); err != nil || h2 != h {
			t.Fatalf("re-decode = %+v, %v; want %+v", h2, err, h)
		}
	})
}
