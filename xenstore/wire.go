package xenstore

import (
	"encoding/binary"
	"fmt"
	"io"
)

// MsgType is the type field of a xenstore message header (enum xsd_sockmsg_type).
type MsgType uint32

// The message types of the xenstore protocol, numbered as in xen/io/xs_wire.h.
const (
	TypeControl            MsgType = 0
	TypeDirectory          MsgType = 1
	TypeRead               MsgType = 2
	TypeGetPerms           MsgType = 3
	TypeWatch              MsgType = 4
	TypeUnwatch            MsgType = 5
	TypeTransactionStart   MsgType = 6
	TypeTransactionEnd     MsgType = 7
	TypeIntroduce          MsgType = 8
	TypeRelease            MsgType = 9
	TypeGetDomainPath      MsgType = 10
	TypeWrite              MsgType = 11
	TypeMkdir              MsgType = 12
	TypeRm                 MsgType = 13
	TypeSetPerms           MsgType = 14
	TypeWatchEvent         MsgType = 15
	TypeError              MsgType = 16
	TypeIsDomainIntroduced MsgType = 17
	TypeResume             MsgType = 18
	TypeSetTarget          MsgType = 19
	TypeResetWatches       MsgType = 21
	TypeDirectoryPart      MsgType = 22
)

var typeNames = map[MsgType]string{
	TypeControl: "CONTROL", TypeDirectory: "DIRECTORY", TypeRead: "READ", TypeGetPerms: "GET_PERMS",
	TypeWatch: "WATCH", TypeUnwatch: "UNWATCH", TypeTransactionStart: "TRANSACTION_START",
	TypeTransactionEnd: "TRANSACTION_END", TypeIntroduce: "INTRODUCE", TypeRelease: "RELEASE",
	TypeGetDomainPath: "GET_DOMAIN_PATH", TypeWrite: "WRITE", TypeMkdir: "MKDIR", TypeRm: "RM",
	TypeSetPerms: "SET_PERMS", TypeWatchEvent: "WATCH_EVENT", TypeError: "ERROR",
	TypeIsDomainIntroduced: "IS_DOMAIN_INTRODUCED", TypeResume: "RESUME", TypeSetTarget: "SET_TARGET",
	TypeResetWatches: "RESET_WATCHES", TypeDirectoryPart: "DIRECTORY_PART",
}

// String returns the protocol name of t without the XS_ prefix ("READ").
func (t MsgType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("TYPE_%d", uint32(t))
}

const (
	// HeaderSize is the size of a message header in bytes.
	HeaderSize = 16
	// MaxPayload is the largest payload xenstored accepts or sends (XENSTORE_PAYLOAD_MAX).
	MaxPayload = 4096
	// MaxPathLen is the longest absolute path xenstored accepts (XENSTORE_ABS_PATH_MAX).
	MaxPathLen = 3072
)

// Msg is one xenstore message: header fields and payload.
type Msg struct {
	Type    MsgType
	ReqID   uint32
	TxID    uint32
	Payload []byte
}

// WriteMsg writes m to w as one header+payload write, as the xenbus device
// requires. It refuses payloads larger than MaxPayload.
func WriteMsg(w io.Writer, m Msg) error {
	if len(m.Payload) > MaxPayload {
		return fmt.Errorf("xenstore: %s payload of %d bytes exceeds the %d-byte limit", m.Type, len(m.Payload), MaxPayload)
	}
	buf := make([]byte, HeaderSize+len(m.Payload))
	binary.LittleEndian.PutUint32(buf[0:], uint32(m.Type))
	binary.LittleEndian.PutUint32(buf[4:], m.ReqID)
	binary.LittleEndian.PutUint32(buf[8:], m.TxID)
	binary.LittleEndian.PutUint32(buf[12:], uint32(len(m.Payload)))
	copy(buf[HeaderSize:], m.Payload)
	_, err := w.Write(buf)
	return err
}

// ReadMsg reads one message from r. A header announcing more than MaxPayload
// bytes is a protocol error (the stream cannot be trusted afterwards).
func ReadMsg(r io.Reader) (Msg, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Msg{}, err
	}
	m := Msg{
		Type:  MsgType(binary.LittleEndian.Uint32(h[0:])),
		ReqID: binary.LittleEndian.Uint32(h[4:]),
		TxID:  binary.LittleEndian.Uint32(h[8:]),
	}
	n := binary.LittleEndian.Uint32(h[12:])
	if n > MaxPayload {
		return Msg{}, fmt.Errorf("xenstore: protocol error: %s message announces %d payload bytes (limit %d)", m.Type, n, MaxPayload)
	}
	m.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, m.Payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Msg{}, err
	}
	return m, nil
}

// joinNul returns the strings each followed by a NUL byte.
func joinNul(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return b
}

// splitNul splits a payload of NUL-terminated strings. A missing final NUL
// is tolerated (the last string is then taken as is).
func splitNul(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		out = append(out, string(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
