package journald

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Decode parses a record in the native protocol, the inverse of Encode.
// It is strict where journald is lenient: every field must end with a
// newline and every name must pass ValidName. Errors give the byte offset.
// An empty record decodes to no fields (journald ignores it).
func Decode(b []byte) ([]Field, error) {
	var fields []Field
	for off := 0; off < len(b); {
		rest := b[off:]
		i := bytes.IndexAny(rest, "=\n")
		if i < 0 {
			return nil, fmt.Errorf("journald: offset %d: field name without '=' or newline", off)
		}
		name := string(rest[:i])
		if err := ValidName(name); err != nil {
			return nil, fmt.Errorf("offset %d: %w", off, err)
		}
		if rest[i] == '=' {
			v := rest[i+1:]
			j := bytes.IndexByte(v, '\n')
			if j < 0 {
				return nil, fmt.Errorf("journald: offset %d: field %s does not end with a newline", off, name)
			}
			fields = append(fields, Field{name, string(v[:j])})
			off += i + 1 + j + 1
			continue
		}
		v := rest[i+1:]
		if len(v) < 8 {
			return nil, fmt.Errorf("journald: offset %d: field %s: binary length cut short", off, name)
		}
		size := binary.LittleEndian.Uint64(v)
		v = v[8:]
		if size >= uint64(len(v)) {
			return nil, fmt.Errorf("journald: offset %d: field %s: length %d but %d bytes follow", off, name, size, len(v))
		}
		if v[size] != '\n' {
			return nil, fmt.Errorf("journald: offset %d: field %s: binary value not followed by a newline", off, name)
		}
		fields = append(fields, Field{name, string(v[:size])})
		off += i + 1 + 8 + int(size) + 1
	}
	return fields, nil
}
