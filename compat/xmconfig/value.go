package xmconfig

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Kind is the Python 2 type of a Value.
type Kind int

// Value kinds. Str, Int, Float and List are the types xm keeps; the others
// are either dropped by xm's type filter or opaque (runtime-only) values.
const (
	Str     Kind = iota // str
	Unicode             // unicode: ignored by xm
	Int                 // int (fits in 64 bits)
	Long                // long: ignored by xm
	Float               // float
	Bool                // bool: ignored by xm
	None                // NoneType: ignored by xm
	List                // list
	Tuple               // tuple: ignored by xm
	Dict                // dict or set: ignored by xm
	Opaque              // a value only known when Python runs (tier B)
	Module              // a module bound by import (tier B)
	Func                // a function defined by def (tier B)
)

var kindNames = [...]string{"str", "unicode", "int", "long", "float", "bool", "NoneType", "list", "tuple", "dict", "runtime value", "module", "function"}

// String returns the Python type name, e.g. "str" or "NoneType".
func (k Kind) String() string { return kindNames[k] }

// Value is the result of evaluating an expression symbolically.
type Value struct {
	Kind  Kind
	S     string   // Str, Unicode; the description for Opaque/Module/Func
	I     int64    // Int, Bool (0/1)
	Big   *big.Int // Long
	F     float64  // Float
	Items []Value  // List, Tuple, Dict (keys and values alternate)
	// Origin is, for opaque values, the source construct the value
	// depends on, e.g. "os.uname()[4]", and where it is.
	Origin *Origin

	hasOpaque bool // some element is opaque (see seqValue)
}

// Origin names the runtime construct an opaque value comes from.
type Origin struct {
	Text string
	Pos  lexer.Position
}

// StrValue returns a str Value.
func StrValue(s string) Value { return Value{Kind: Str, S: s} }

// IntValue returns an int Value.
func IntValue(i int64) Value { return Value{Kind: Int, I: i} }

// ListValue returns a list Value.
func ListValue(items ...Value) Value { return seqValue(List, items) }

// seqValue builds a list, tuple or dict, noting whether any element is
// opaque so that IsOpaque never walks a deeply shared structure.
func seqValue(k Kind, items []Value) Value {
	v := Value{Kind: k, Items: items}
	for _, it := range items {
		if it.IsOpaque() {
			v.hasOpaque = true
			break
		}
	}
	return v
}

// IsOpaque reports whether the value, or any element of it, is only known
// at run time.
func (v Value) IsOpaque() bool {
	return v.Kind == Opaque || v.Kind == Module || v.Kind == Func || v.hasOpaque
}

func (v Value) originText() string {
	if v.Origin == nil {
		return v.S
	}
	return v.Origin.Text
}

func (v Value) originPos() lexer.Position {
	if v.Origin == nil {
		return lexer.Position{}
	}
	return v.Origin.Pos
}

// OpaqueOrigin returns the first runtime construct v depends on, and
// where it is ("" when v is fully known).
func (v Value) OpaqueOrigin() (string, lexer.Position) {
	if v.Kind == Opaque || v.Kind == Module || v.Kind == Func {
		if v.Origin != nil {
			return v.Origin.Text, v.Origin.Pos
		}
		return v.S, lexer.Position{}
	}
	for _, it := range v.Items {
		if it.IsOpaque() {
			return it.OpaqueOrigin()
		}
	}
	return "", lexer.Position{}
}

// Truth is Python's truth value of a concrete value.
func (v Value) Truth() bool {
	switch v.Kind {
	case Str, Unicode:
		return v.S != ""
	case Int, Bool:
		return v.I != 0
	case Long:
		return v.Big.Sign() != 0
	case Float:
		return v.F != 0
	case None:
		return false
	case List, Tuple, Dict:
		return len(v.Items) > 0
	}
	return true
}

// maxRepr bounds Repr: lists may share elements, so a short program can
// build a value whose text is astronomically long.
const maxRepr = 1 << 20

// Repr renders the value as Python 2's repr() would; text beyond a
// megabyte is cut off and ends in "...".
func (v Value) Repr() string {
	s, _ := v.reprLimited(maxRepr)
	return s
}

// reprLimited renders at most max bytes; ok is false when it was cut.
func (v Value) reprLimited(max int) (string, bool) {
	var b strings.Builder
	ok := v.repr(&b, max)
	if !ok {
		return b.String() + "...", false
	}
	return b.String(), true
}

func (v Value) repr(b *strings.Builder, max int) bool {
	if b.Len() > max {
		return false
	}
	switch v.Kind {
	case Str:
		b.WriteString(pyQuote(v.S))
	case Unicode:
		b.WriteString("u" + pyQuote(v.S))
	case Int:
		b.WriteString(strconv.FormatInt(v.I, 10))
	case Long:
		b.WriteString(v.Big.String() + "L")
	case Float:
		b.WriteString(pyFloatRepr(v.F))
	case Bool:
		if v.I != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case None:
		b.WriteString("None")
	case List, Tuple:
		open, close := "[", "]"
		if v.Kind == Tuple {
			open, close = "(", ")"
		}
		b.WriteString(open)
		for i, it := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if !it.repr(b, max) {
				return false
			}
		}
		if v.Kind == Tuple && len(v.Items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(close)
	case Dict:
		b.WriteString("{")
		for i := 0; i+1 < len(v.Items); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			if !v.Items[i].repr(b, max) {
				return false
			}
			b.WriteString(": ")
			if !v.Items[i+1].repr(b, max) {
				return false
			}
		}
		b.WriteString("}")
	default:
		b.WriteString("<" + v.S + ">")
	}
	return b.Len() <= max
}

// Str renders the value as Python 2's str() would.
func (v Value) Str() string {
	switch v.Kind {
	case Str, Unicode:
		return v.S
	case Float:
		return pyFloatStr(v.F)
	case Long:
		return v.Big.String()
	}
	return v.Repr()
}

// pyQuote quotes s as Python 2's repr() of a byte string.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
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
			b.WriteString(strconv.FormatUint(uint64(c)|0x100, 16)[1:])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func pyFloatRepr(f float64) string {
	s := strconv.FormatFloat(f, 'g', 17, 64)
	if g := strconv.FormatFloat(f, 'g', -1, 64); len(g) < len(s) {
		s = g
	}
	return floatDot(s)
}

func pyFloatStr(f float64) string {
	return floatDot(strconv.FormatFloat(f, 'g', 12, 64))
}

func floatDot(s string) string {
	if strings.ContainsAny(s, ".eEn") {
		return s
	}
	return s + ".0"
}
