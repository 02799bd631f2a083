package xmlrpc

// The XML-RPC value model.
//
// Decoding produces exactly these Go types:
//
//	<int>, <i4>, <i8>        int (or *big.Int when the text does not fit in int64)
//	<boolean>                bool
//	<string>, bare <value>   string
//	<double>                 float64
//	<nil/>                   nil
//	<array>                  []any
//	<struct>                 Struct (members in document order)
//	<base64>                 []byte
//	<dateTime.iso8601>       time.Time (UTC, as written; XML-RPC dates carry no zone)
//
// Encoding accepts those types and also every Go integer type, float32, any slice
// (other than []byte) and map[string]V (members sorted by key, since Go maps have no
// order; use Struct when the order matters). Integers outside the signed 32-bit
// range cannot be encoded: that is xmlrpclib's rule, see IntLimitError.

// Member is one named member of a Struct.
type Member struct {
	Name  string
	Value any
}

// Struct is an XML-RPC <struct> whose members keep the order in which they are
// given. CPython 2's dict order decided xend's member order on the wire, so replies
// that must match xend byte for byte list their members explicitly.
//
// A decoded Struct keeps document order and duplicates; Get returns the last
// member of a name, as a Python dict built from the same document would.
type Struct []Member

// Get returns the value of the last member called name and whether one exists.
func (s Struct) Get(name string) (any, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].Name == name {
			return s[i].Value, true
		}
	}
	return nil, false
}

// S builds a Struct from alternating name, value pairs:
// S("cap", 0, "weight", 256). It panics if a name is not a string or a value is
// missing, since that is a programming error.
func S(pairs ...any) Struct {
	if len(pairs)%2 != 0 {
		panic("xmlrpc.S: odd number of arguments")
	}
	s := make(Struct, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			panic("xmlrpc.S: member name is not a string")
		}
		s = append(s, Member{Name: name, Value: pairs[i+1]})
	}
	return s
}
