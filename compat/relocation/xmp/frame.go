package xmp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Type is a frame type.
type Type uint8

// Frame types.
const (
	TypeHello     Type = 1
	TypeAccept    Type = 2
	TypeReject    Type = 3
	TypeConfig    Type = 4
	TypeConfigOK  Type = 5
	TypeData      Type = 6
	TypeStreamEnd Type = 7
	TypeAbort     Type = 8
	TypeReady     Type = 9
	TypeGo        Type = 10
	TypeReport    Type = 11
	TypeResolve   Type = 12
	TypeResolved  Type = 13
	TypeAuth      Type = 14
	TypeTunnel    Type = 15
	// TypeKeepalive ({}) tells the peer that this side is busy with local
	// work (the sender parking the domain, the receiver restoring it), so
	// that the peer's idle timer restarts. Either side may send it at any
	// point of a native migration; the reader skips it.
	TypeKeepalive Type = 16
)

var typeNames = map[Type]string{
	TypeHello: "HELLO", TypeAccept: "ACCEPT", TypeReject: "REJECT", TypeConfig: "CONFIG",
	TypeConfigOK: "CONFIG_OK", TypeData: "DATA", TypeStreamEnd: "STREAM_END", TypeAbort: "ABORT",
	TypeReady: "READY", TypeGo: "GO", TypeReport: "REPORT", TypeResolve: "RESOLVE",
	TypeResolved: "RESOLVED", TypeAuth: "AUTH", TypeTunnel: "TUNNEL", TypeKeepalive: "KEEPALIVE",
}

// String returns the frame type's protocol name, e.g. "CONFIG_OK".
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

// Limits.
const (
	// HeaderLen is the size of a frame header.
	HeaderLen = 5
	// MaxControl caps the JSON of a control frame other than CONFIG.
	MaxControl = 64 << 10
	// MaxConfig caps the CONFIG frame (the domain configuration).
	MaxConfig = 1 << 20
	// MaxData caps one DATA frame.
	MaxData = 1 << 20
	// MaxDepth caps the nesting of objects and arrays in control JSON.
	MaxDepth = 64
)

// Frame is one decoded frame.
type Frame struct {
	Type    Type
	Payload []byte
}

// ErrFrame is wrapped by every framing violation (unknown type, oversized
// or empty payload, bad JSON), as opposed to I/O errors.
var ErrFrame = errors.New("xmp: protocol violation")

func frameErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFrame, fmt.Sprintf(format, args...))
}

// limitOf returns the largest payload a frame type may carry, or -1 for an
// unknown type.
func limitOf(t Type) int {
	switch {
	case t == TypeData:
		return MaxData
	case t == TypeConfig:
		return MaxConfig
	case typeNames[t] != "":
		return MaxControl
	}
	return -1
}

// ReadFrame reads one frame. A clean EOF before the first header byte
// returns io.EOF; EOF inside a frame returns io.ErrUnexpectedEOF. The
// payload length is checked against the type's limit before anything is
// allocated.
func ReadFrame(r io.Reader) (Frame, error) {
	var hdr [HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Frame{}, err
	}
	t := Type(hdr[0])
	n := binary.BigEndian.Uint32(hdr[1:])
	limit := limitOf(t)
	if limit < 0 {
		return Frame{}, frameErr("unknown frame type %d", hdr[0])
	}
	if uint64(n) > uint64(limit) {
		return Frame{}, frameErr("%s frame of %d bytes exceeds the %d byte limit", t, n, limit)
	}
	if t == TypeData && n == 0 {
		return Frame{}, frameErr("empty DATA frame")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return Frame{Type: t, Payload: p}, nil
}

// AppendFrame appends the encoding of a frame to b. It fails if the payload
// breaks the type's limit.
func AppendFrame(b []byte, t Type, payload []byte) ([]byte, error) {
	limit := limitOf(t)
	if limit < 0 {
		return b, frameErr("unknown frame type %d", uint8(t))
	}
	if len(payload) > limit || (t == TypeData && len(payload) == 0) {
		return b, frameErr("%s payload of %d bytes is outside 1..%d", t, len(payload), limit)
	}
	b = append(b, byte(t))
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...), nil
}

// copyLimit is the payload size up to which WriteFrame copies header and
// payload into one buffer (one Write); larger payloads are written after
// the header without a copy.
const copyLimit = 16 << 10

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, t Type, payload []byte) error {
	if len(payload) <= copyLimit {
		b, err := AppendFrame(make([]byte, 0, HeaderLen+len(payload)), t, payload)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	if limit := limitOf(t); limit < 0 || len(payload) > limit {
		return frameErr("%s payload of %d bytes is outside 1..%d", t, len(payload), limit)
	}
	hdr := binary.BigEndian.AppendUint32([]byte{byte(t)}, uint32(len(payload)))
	bufs := net.Buffers{hdr, payload}
	_, err := bufs.WriteTo(w)
	return err
}

// WriteMessage marshals v as JSON and writes it as a control frame of type t.
func WriteMessage(w io.Writer, t Type, v any) error {
	if t == TypeData {
		return frameErr("WriteMessage cannot write DATA")
	}
	p, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("xmp: encoding %s: %w", t, err)
	}
	return WriteFrame(w, t, p)
}

// Decode decodes the frame's JSON payload into v strictly: unknown fields,
// trailing data and nesting deeper than MaxDepth are protocol violations.
func (f Frame) Decode(v any) error {
	if f.Type == TypeData {
		return frameErr("DATA frame has no JSON")
	}
	return DecodeStrict(f.Payload, v)
}

// DecodeStrict decodes one JSON value from p into v, refusing unknown
// fields, trailing data and nesting deeper than MaxDepth.
func DecodeStrict(p []byte, v any) error {
	if d := jsonDepth(p); d > MaxDepth {
		return frameErr("JSON nests %d deep; the limit is %d", d, MaxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return frameErr("bad JSON: %v", err)
	}
	if dec.More() {
		return frameErr("trailing data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return frameErr("trailing data after the JSON value")
	}
	return nil
}

// jsonDepth returns the deepest nesting of objects and arrays in p,
// skipping strings. It stops counting once past MaxDepth.
func jsonDepth(p []byte) int {
	depth, maxd, inStr, esc := 0, 0, false, false
	for _, c := range p {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > maxd {
				maxd = depth
				if maxd > MaxDepth {
					return maxd
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxd
}

// Conn reads and writes frames on one connection. Reads are buffered.
// A Conn is not safe for concurrent reads or concurrent writes, but one
// reader and one writer may run at once.
type Conn struct {
	r *bufio.Reader
	w io.Writer
	// WriteTimeout, if set, bounds every frame written: each write first
	// sets the deadline now + WriteTimeout on a writer that has one (a
	// net.Conn). Without it a deadline set long before (the last DATA
	// frame, say) can expire while this side waits, and the next control
	// frame fails.
	WriteTimeout time.Duration
}

// arm sets the write deadline of the next frame.
func (c *Conn) arm() {
	if d, ok := c.w.(interface{ SetWriteDeadline(time.Time) error }); ok && c.WriteTimeout > 0 {
		d.SetWriteDeadline(time.Now().Add(c.WriteTimeout))
	}
}

// NewConn wraps rw.
func NewConn(rw io.ReadWriter) *Conn {
	return &Conn{r: bufio.NewReaderSize(rw, 64<<10), w: rw}
}

// Reader returns the connection's buffered reader, for protocols that
// continue unframed after a frame (TUNNEL): bytes already buffered are not
// lost.
func (c *Conn) Reader() io.Reader { return c.r }

// Read reads the next frame.
func (c *Conn) Read() (Frame, error) { return ReadFrame(c.r) }

// Send writes a control message.
func (c *Conn) Send(t Type, v any) error {
	c.arm()
	return WriteMessage(c.w, t, v)
}

// SendData writes one DATA frame.
func (c *Conn) SendData(p []byte) error {
	c.arm()
	return WriteFrame(c.w, TypeData, p)
}

// Expect reads the next frame and decodes it into v if its type is want. A
// REJECT or ABORT from the peer comes back as a *PeerError; any other type
// is a protocol violation.
func (c *Conn) Expect(want Type, v any) error {
	f, err := c.Read()
	if err != nil {
		return err
	}
	return f.As(want, v)
}

// As decodes f into v if it has type want; see Conn.Expect.
func (f Frame) As(want Type, v any) error {
	if f.Type == want {
		if v == nil {
			v = &struct{}{}
		}
		return f.Decode(v)
	}
	if f.Type == TypeReject || f.Type == TypeAbort {
		var m Refusal
		if err := f.Decode(&m); err != nil {
			return err
		}
		return &PeerError{Type: f.Type, Code: m.Code, Reason: m.Reason}
	}
	return frameErr("got %s, want %s", f.Type, want)
}

// PeerError is a REJECT or ABORT the far side sent: what it said, not a
// broken connection.
type PeerError struct {
	// Type is TypeReject or TypeAbort.
	Type Type
	// Code is the machine-readable reason (see the Code constants).
	Code string
	// Reason is the human explanation.
	Reason string
}

// Error formats as "peer REJECT policy: reason".
func (e *PeerError) Error() string {
	return fmt.Sprintf("peer %s %s: %s", e.Type, e.Code, e.Reason)
}
