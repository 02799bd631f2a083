package toolstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ListEntry is one element of the array `xl list -l` prints.
type ListEntry struct {
	Domid  Domid        `json:"domid"`
	Config DomainConfig `json:"config"`
}

// XLList returns the `xl list -l` entries of every live domain of ts,
// dom0 included (xl itself skips dom0's details; xendshim does not).
func XLList(ctx context.Context, ts Toolstack) ([]ListEntry, error) {
	doms, err := ts.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ListEntry, 0, len(doms))
	for _, d := range doms {
		cfg, err := ts.DomainConfig(ctx, d.Domid)
		if errors.Is(err, ErrNotFound) {
			continue // destroyed since the listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ListEntry{Domid: d.Domid, Config: *cfg})
	}
	return out, nil
}

// ParseXLList decodes the JSON array printed by `xl list -l`.
func ParseXLList(data []byte) ([]ListEntry, error) {
	var out []ListEntry
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("toolstack: xl list -l output: %w", err)
	}
	return out, nil
}

// MarshalXLList prints entries exactly as `xl list -l` does: libxl's yajl
// generator in beautify mode (4-space indent, "key": value, empty objects
// as "{\n\n<indent>}"), followed by a newline.
func MarshalXLList(entries []ListEntry) ([]byte, error) {
	if entries == nil {
		entries = []ListEntry{}
	}
	compact, err := marshalNoEscape(entries)
	if err != nil {
		return nil, err
	}
	return yajlBeautify(compact), nil
}

// MarshalXLConfig prints one config in the same style (as in an xl save
// image or `xl list -l` with a single domain, without the wrapper).
func MarshalXLConfig(cfg *DomainConfig) ([]byte, error) {
	compact, err := marshalNoEscape(cfg)
	if err != nil {
		return nil, err
	}
	return yajlBeautify(compact), nil
}

// yajlBeautify re-indents compact JSON the way yajl_gen_beautify does.
// Strings are copied verbatim (they are already escaped).
func yajlBeautify(in []byte) []byte {
	var out bytes.Buffer
	depth := 0
	indent := func() {
		for i := 0; i < depth; i++ {
			out.WriteString("    ")
		}
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch c {
		case '"':
			j := i + 1
			for ; j < len(in); j++ {
				if in[j] == '\\' {
					j++
					continue
				}
				if in[j] == '"' {
					break
				}
			}
			out.Write(in[i : j+1])
			i = j
		case '{', '[':
			out.WriteByte(c)
			depth++
			out.WriteByte('\n')
			if i+1 < len(in) && (in[i+1] == '}' || in[i+1] == ']') {
				// yajl prints an empty container as open, blank line, close.
				out.WriteByte('\n')
				depth--
				indent()
				out.WriteByte(in[i+1])
				i++
				continue
			}
			indent()
		case '}', ']':
			depth--
			out.WriteByte('\n')
			indent()
			out.WriteByte(c)
		case ',':
			out.WriteString(",\n")
			indent()
		case ':':
			out.WriteString(": ")
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// unmarshalStrict decodes JSON into v.
func unmarshalStrict(data []byte, v any) error {
	return json.Unmarshal(data, v)
}
