package journald

import (
	"encoding/binary"
	"strings"
)

// Encode returns the datagram payload of a record. A value containing a
// newline is written in the binary form (NAME\n, 64-bit little-endian
// length, value, \n); others as NAME=value\n. An invalid name is an error
// and nothing is returned.
func Encode(fields []Field) ([]byte, error) {
	n := 0
	for _, f := range fields {
		if err := ValidName(f.Name); err != nil {
			return nil, err
		}
		n += len(f.Name) + len(f.Value) + 10
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = append(b, f.Name...)
		if strings.IndexByte(f.Value, '\n') >= 0 {
			b = append(b, '\n')
			b = binary.LittleEndian.AppendUint64(b, uint64(len(f.Value)))
		} else {
			b = append(b, '=')
		}
		b = append(b, f.Value...)
		b = append(b, '\n')
	}
	return b, nil
}
