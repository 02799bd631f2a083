package toolstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Defbool is libxl's tri-state boolean: unset (the zero value, left out of
// JSON), true or false. libxl prints it as the strings "True" and "False".
type Defbool int8

// Defbool values.
const (
	DefboolDefault Defbool = 0
	DefboolTrue    Defbool = 1
	DefboolFalse   Defbool = -1
)

// DefboolOf returns DefboolTrue or DefboolFalse for b.
func DefboolOf(b bool) Defbool {
	if b {
		return DefboolTrue
	}
	return DefboolFalse
}

// IsTrue reports whether d is set to true.
func (d Defbool) IsTrue() bool { return d == DefboolTrue }

// Or returns d if it is set and def otherwise.
func (d Defbool) Or(def bool) bool {
	if d == DefboolDefault {
		return def
	}
	return d == DefboolTrue
}

// MarshalJSON prints "True", "False" or "<default>" as libxl does.
func (d Defbool) MarshalJSON() ([]byte, error) {
	switch d {
	case DefboolTrue:
		return []byte(`"True"`), nil
	case DefboolFalse:
		return []byte(`"False"`), nil
	}
	return []byte(`"<default>"`), nil
}

// UnmarshalJSON accepts "True"/"False"/"<default>" (libxl) and JSON booleans.
func (d *Defbool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"True"`, `"true"`, "true":
		*d = DefboolTrue
	case `"False"`, `"false"`, "false":
		*d = DefboolFalse
	case `"<default>"`, "null":
		*d = DefboolDefault
	default:
		return fmt.Errorf("toolstack: defbool: want \"True\" or \"False\", got %s", b)
	}
	return nil
}

// Bitmap is a libxl_bitmap: a set of CPU (or node, or vCPU) numbers. It is
// printed as a JSON array of the set bits in ascending order, e.g. [0, 2].
// An empty or nil Bitmap means "none set"; where it is an affinity, the
// model treats empty as "all CPUs".
type Bitmap []int

// Has reports whether bit n is set.
func (b Bitmap) Has(n int) bool {
	for _, v := range b {
		if v == n {
			return true
		}
	}
	return false
}

// Normalized returns a sorted copy without duplicates.
func (b Bitmap) Normalized() Bitmap {
	if b == nil {
		return nil
	}
	out := append(Bitmap(nil), b...)
	sort.Ints(out)
	j := 0
	for i, v := range out {
		if i == 0 || v != out[j-1] {
			out[j] = v
			j++
		}
	}
	return out[:j]
}

// String formats the bitmap as "0,2-3" (the xl cpumap syntax); "" if empty.
func (b Bitmap) String() string {
	n := b.Normalized()
	var parts []string
	for i := 0; i < len(n); {
		j := i
		for j+1 < len(n) && n[j+1] == n[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(n[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", n[i], n[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ParseBitmap parses "0,2-3" (ranges allowed, spaces ignored). "all" is not
// accepted here: callers that allow it resolve it against the host's CPUs.
func ParseBitmap(s string) (Bitmap, error) {
	var out Bitmap
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("toolstack: cpu list %q: %q is not a CPU number", s, part)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || b < a {
				return nil, fmt.Errorf("toolstack: cpu list %q: bad range %q", s, part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out.Normalized(), nil
}

// KeyValue is one entry of a libxl_key_value_list.
type KeyValue struct {
	Key, Value string
}

// KeyValueList is libxl_key_value_list: an ordered string map, printed as a
// JSON object whose keys keep their order.
type KeyValueList []KeyValue

// Get returns the value for key and whether it is present.
func (l KeyValueList) Get(key string) (string, bool) {
	for _, kv := range l {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// MarshalJSON prints the list as an object, keys in list order.
func (l KeyValueList) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range l {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := marshalNoEscape(kv.Key)
		v, _ := marshalNoEscape(kv.Value)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object, keeping key order.
func (l *KeyValueList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*l = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("toolstack: key/value list: want an object, got %v", tok)
	}
	var out KeyValueList
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		var v *string
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("toolstack: key/value list: key %v: %w", kt, err)
		}
		kv := KeyValue{Key: kt.(string)}
		if v != nil {
			kv.Value = *v
		}
		out = append(out, kv)
	}
	*l = out
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
