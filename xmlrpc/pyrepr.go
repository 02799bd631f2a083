package xmlrpc

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ReprStr returns CPython 2.7's repr(s)[1:-1] for a byte string s: the text xend put
// on the wire for a top-level string result (spec §2.6). Backslash, \t, \n and \r get
// their escapes, other bytes below 0x20 or from 0x7f up become \xNN (lower-case
// hex). The delimiter repr would use is " when s holds a ' and no ", else '; a
// delimiter inside s is backslash-escaped, so only ' is ever escaped.
func ReprStr(s string) string {
	q := quoteFor(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	appendReprBody(&b, s, q)
	return b.String()
}

// quoteFor picks the delimiter repr uses: " when s contains ' and no ", else '.
func quoteFor(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

func appendReprBody(b *strings.Builder, s string, q byte) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}

// pyStrRepr returns repr(s) with its quotes.
func pyStrRepr(s string) string {
	q := quoteFor(s)
	var b strings.Builder
	b.WriteByte(q)
	appendReprBody(&b, s, q)
	b.WriteByte(q)
	return b.String()
}

// FormatDouble returns CPython 2.7's repr(float): the shortest digits that read back
// to x, positional when 1e-4 <= |x| < 1e16 (with ".0" added to integral values),
// otherwise exponent form with a sign and at least two exponent digits ("1e+16",
// "1.5e-05"); "inf", "-inf" and "nan" for the special values (spec §2.3).
func FormatDouble(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e // Go's 'e' form already has a sign and two or more exponent digits.
	}
	f := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsRune(f, '.') {
		f += ".0"
	}
	return f
}

// pyRepr returns a Python-2-like repr of a value of the model, used for fault texts
// whose faultString is not a string (xm printed such values with str()).
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return pyStrRepr(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return FormatDouble(x)
	case float32:
		return FormatDouble(float64(x))
	case *big.Int:
		return x.String() + "L"
	case []byte:
		return pyStrRepr(string(x))
	case time.Time:
		return "<DateTime '" + x.Format(dateTimeLayout) + "'>"
	case Struct:
		parts := make([]string, len(x))
		for i, m := range x {
			parts[i] = pyStrRepr(m.Name) + ": " + pyRepr(m.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = pyRepr(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k.Interface()) + ": " + pyRepr(rv.MapIndex(k).Interface())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("%v", v)
}
