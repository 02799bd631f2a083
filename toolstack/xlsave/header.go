// Package xlsave reads the header xl writes in front of the libxl stream of
// a save image or a migration (tools/xl/xl.h; specs/migration.md §2.4): a
// fixed 48-byte part, then optional data carrying the domain's config as
// libxl JSON. The receiver of a migration and the xl backend's restore both
// read it to check the config before xl does.
//
// The layout is fixed by xl, so it is decoded by hand with encoding/binary;
// no library reads it.
package xlsave

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

const (
	// Magic starts the header xl writes before the libxl stream.
	Magic = "Xen saved domain, xl format\n \x00 \r"
	// HeaderLen is the fixed part: magic, byte order, three u32 fields.
	HeaderLen = 48
	// MaxOptionalData caps optional_data_len (xl itself has no cap).
	MaxOptionalData = 1<<20 + 4

	// FlagJSON marks a config in libxl JSON (xl since Xen 4.5).
	FlagJSON = 1 << 0
	// FlagStreamV2 marks a libxl migration stream v2 (Xen 4.6 and later).
	FlagStreamV2 = 1 << 1
)

// ReadHeader reads xl's save header and its optional data from r and
// returns the bytes read (to forward unchanged) and the config JSON (its
// trailing NULs removed). The byte order comes from the header's
// 0x01020304 field; unknown mandatory flags, a missing JSON config and
// oversized data are refused.
func ReadHeader(r io.Reader) (raw, cfgJSON []byte, err error) {
	hdr := make([]byte, HeaderLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, nil, fmt.Errorf("xl header: %w", err)
	}
	if string(hdr[:32]) != Magic {
		return nil, nil, fmt.Errorf("xl header: bad magic %q (not an xl save image or migration stream)", hdr[:32])
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(hdr[32:]) == 0x01020304:
	case binary.BigEndian.Uint32(hdr[32:]) == 0x01020304:
		bo = binary.BigEndian
	default:
		return nil, nil, fmt.Errorf("xl header: byte order field %x", hdr[32:36])
	}
	mandatory, optLen := bo.Uint32(hdr[36:]), bo.Uint32(hdr[44:])
	if mandatory&^(FlagJSON|FlagStreamV2) != 0 {
		return nil, nil, fmt.Errorf("xl header: unknown mandatory flags %#x", mandatory)
	}
	if mandatory&FlagJSON == 0 {
		return nil, nil, fmt.Errorf("xl header: no JSON config (an old xl); the receiver cannot check it")
	}
	if optLen < 4 || optLen > MaxOptionalData {
		return nil, nil, fmt.Errorf("xl header: optional data of %d bytes outside 4..%d", optLen, MaxOptionalData)
	}
	opt := make([]byte, optLen)
	if _, err := io.ReadFull(r, opt); err != nil {
		return nil, nil, fmt.Errorf("xl header: optional data: %w", err)
	}
	n := bo.Uint32(opt)
	if n == 0 || n > optLen-4 {
		return nil, nil, fmt.Errorf("xl header: config of %d bytes in %d bytes of optional data", n, optLen)
	}
	return append(hdr, opt...), bytes.TrimRight(opt[4:4+n], "\x00"), nil
}

// AppendHeader appends a little-endian header for a stream v2 image whose
// config is cfgJSON (written with xl's trailing NUL) to b. xendshim's own
// code never writes images; this serves tests and fakes that play xl.
func AppendHeader(b []byte, cfgJSON []byte) []byte {
	js := append(bytes.Clone(cfgJSON), 0)
	le := binary.LittleEndian
	b = append(b, Magic...)
	b = le.AppendUint32(b, 0x01020304)
	b = le.AppendUint32(b, FlagJSON|FlagStreamV2)
	b = le.AppendUint32(b, 0) // optional flags
	b = le.AppendUint32(b, uint32(4+len(js)))
	b = le.AppendUint32(b, uint32(len(js)))
	return append(b, js...)
}
