package xmp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFrameBytes(t *testing.T) {
	// A GO frame: type 10, length 2, "{}".
	var b bytes.Buffer
	if err := WriteMessage(&b, TypeGo, Go{}); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x0a,                   // type GO
		0x00, 0x00, 0x00, 0x02, // length 2, big-endian
		'{', '}', // JSON payload
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteMessage(GO) = % x; want % x", b.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	in := Hello{Proto: Proto, Sender: "xendshim://host/a", MigrationID: "id1",
		Domain: DomainRef{Name: "web1", UUID: "u"}, Flags: Flags{Live: true}, Format: "f", MemKB: 1024, VCPUs: 2}
	var b bytes.Buffer
	c := NewConn(&b)
	if err := c.Send(TypeHello, in); err != nil {
		t.Fatal(err)
	}
	if err := c.SendData([]byte("pages")); err != nil {
		t.Fatal(err)
	}
	var out Hello
	if err := c.Expect(TypeHello, &out); err != nil {
		t.Fatalf("Expect(HELLO) = %v", err)
	}
	if out != in {
		t.Errorf("round trip = %+v; want %+v", out, in)
	}
	f, err := c.Read()
	if err != nil || f.Type != TypeData || string(f.Payload) != "pages" {
		t.Errorf("Read() = %v %q, %v; want DATA \"pages\"", f.Type, f.Payload, err)
	}
	if _, err := c.Read(); err != io.EOF {
		t.Errorf("Read() at end = %v; want io.EOF", err)
	}
}

func hdr(t Type, n uint32) []byte {
	return []byte{byte(t), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

func TestReadFrameRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"unknown type", hdr(99, 0), ErrFrame},
		{"type zero", hdr(0, 0), ErrFrame},
		{"control too big", hdr(TypeHello, MaxControl+1), ErrFrame},
		{"config too big", hdr(TypeConfig, MaxConfig+1), ErrFrame},
		{"data too big", hdr(TypeData, MaxData+1), ErrFrame},
		{"data empty", hdr(TypeData, 0), ErrFrame},
		{"negative-looking length", hdr(TypeData, 0xFFFFFFFF), ErrFrame},
		{"truncated header", []byte{1, 0, 0}, io.ErrUnexpectedEOF},
		{"truncated body", append(hdr(TypeGo, 10), '{'), io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadFrame(% x) = %v; want %v", tc.in, err, tc.want)
			}
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"good", `{"migration_id":"x"}`, true},
		{"unknown field", `{"migration_id":"x","evil":1}`, false},
		{"trailing", `{"migration_id":"x"} {}`, false},
		{"not json", `{`, false},
		{"deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
		{"brackets in strings do not count", `{"migration_id":"` + strings.Repeat("[", 100) + `"}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Resolve
			err := DecodeStrict([]byte(tc.in), &r)
			if (err == nil) != tc.ok {
				t.Errorf("DecodeStrict(%.40q) = %v; want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}

func TestPeerError(t *testing.T) {
	var b bytes.Buffer
	WriteMessage(&b, TypeReject, Refusal{Code: CodePolicy, Reason: "no"})
	err := NewConn(&b).Expect(TypeAccept, nil)
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Code != CodePolicy {
		t.Errorf("Expect(ACCEPT) on REJECT = %v; want *PeerError policy", err)
	}
	b.Reset()
	WriteMessage(&b, TypeGo, Go{})
	if err := NewConn(&b).Expect(TypeAccept, nil); !errors.Is(err, ErrFrame) {
		t.Errorf("Expect(ACCEPT) on GO = %v; want ErrFrame", err)
	}
}

func TestAppendFrameLimits(t *testing.T) {
	if _, err := AppendFrame(nil, TypeData, nil); err == nil {
		t.Error("AppendFrame(DATA, empty) = nil; want error")
	}
	if _, err := AppendFrame(nil, TypeHello, make([]byte, MaxControl+1)); err == nil {
		t.Error("AppendFrame(HELLO, 64KiB+1) = nil; want error")
	}
}

func TestWriteFrameLarge(t *testing.T) {
	p := bytes.Repeat([]byte{7}, copyLimit+1)
	var b bytes.Buffer
	if err := WriteFrame(&b, TypeData, p); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFrame(&b)
	if err != nil || f.Type != TypeData || !bytes.Equal(f.Payload, p) {
		t.Errorf("large DATA round trip = %v, %v", f.Type, err)
	}
	if err := WriteFrame(&b, TypeData, make([]byte, MaxData+1)); err == nil {
		t.Error("WriteFrame(DATA, 1 MiB + 1) = nil; want error")
	}
}
