package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// xmlHeader is the declaration xmlrpclib.dumps wrote when no encoding was given.
const xmlHeader = "<?xml version='1.0'?>\n"

// dateTimeLayout is xmlrpclib's ISO 8601 form: %Y%m%dT%H:%M:%S.
const dateTimeLayout = "20060102T15:04:05"

// MaxEncodeDepth bounds the nesting of values the encoder accepts, so a cyclic
// or absurd value fails with an error instead of exhausting the stack.
const MaxEncodeDepth = 1000

// MarshalError is a value that xmlrpclib could not marshal. Its Error text is
// exactly the Python exception text xend put in fault 1 (for example
// "int exceeds XML-RPC limits"), so it carries no "xmlrpc:" prefix.
type MarshalError struct {
	Msg string
}

// Error implements error.
func (e *MarshalError) Error() string { return e.Msg }

// EncodeResponse returns the methodResponse body that CPython 2.7's
// xmlrpclib.dumps((v,), methodresponse=1, allow_none=1) produced. If any value
// inside v cannot be marshalled (an integer outside the int32 range, an unsupported
// type) it returns a *MarshalError and no body: xend then answered fault 1 with the
// error text, which is what EncodeResult does.
func EncodeResponse(v any) ([]byte, error) {
	if n := rawSize(v); n > 0 {
		// Mostly pre-encoded: the size is known, so the reply is built in
		// place at its final size.
		b := make([]byte, 0, n+len(responseHead)+len(responseTail))
		b = append(b, responseHead...)
		b, err := appendValue(b, v, 0)
		if err != nil {
			return nil, err
		}
		return append(b, responseTail...), nil
	}
	bp := scratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxScratch {
			scratch.Put(bp)
		}
	}()
	b := append((*bp)[:0], responseHead...)
	b, err := appendValue(b, v, 0)
	if err != nil {
		return nil, err
	}
	b = append(b, responseTail...)
	*bp = b
	return bytes.Clone(b), nil
}

// The text around the value of a methodResponse.
const (
	responseHead = xmlHeader + "<methodResponse>\n<params>\n<param>\n"
	responseTail = "</param>\n</params>\n</methodResponse>\n"
)

// rawSize returns the encoded size of v when v is a Raw or an array whose
// elements are mostly Raw values (an estimate for the others), and 0 when it
// cannot tell cheaply.
func rawSize(v any) int {
	switch x := v.(type) {
	case Raw:
		return x.Len() + len("<value><nil/></value>")
	case []any:
		n, raws := len("<value><array><data>\n</data></array></value>\n"), 0
		for _, e := range x {
			if r, ok := e.(Raw); ok {
				n += r.Len()
				raws++
			} else {
				n += 64
			}
		}
		if raws == 0 || raws < len(x)/2 {
			return 0
		}
		return n
	}
	return 0
}

// scratch holds encoding buffers, so a large reply is built in a buffer that has
// already grown and then copied once at its exact size.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxScratch is the largest buffer kept for reuse: enough for xm list -l
// over a thousand domains, which would otherwise regrow its buffer on every
// call.
const maxScratch = 32 << 20

// EncodeFault returns the methodResponse body carrying fault f, laid out as
// xmlrpclib did: a struct with faultCode then faultString. If the faultString
// cannot be marshalled, the reply is fault 1 with the marshalling error.
func EncodeFault(f *Fault) []byte {
	b := make([]byte, 0, 256)
	b = append(b, xmlHeader+"<methodResponse>\n<fault>\n"...)
	body, err := appendValue(b, Struct{{"faultCode", f.Code}, {"faultString", f.String}}, 0)
	if err != nil {
		body, _ = appendValue(b, Struct{{"faultCode", FaultInternal}, {"faultString", err.Error()}}, 0)
	}
	return append(body, "</fault>\n</methodResponse>\n"...)
}

// EncodeResult turns what a Service returned into the reply body: a fault for a
// *Fault error, fault 1 with the error text for any other error, fault 1 with the
// marshalling error when the result cannot be encoded (the int32 rule, spec §2.2),
// and the methodResponse otherwise.
func EncodeResult(v any, err error) []byte {
	if err != nil {
		if f, ok := AsFault(err); ok {
			return EncodeFault(f)
		}
		return EncodeFault(&Fault{Code: FaultInternal, String: err.Error()})
	}
	body, err := EncodeResponse(v)
	if err != nil {
		return EncodeFault(&Fault{Code: FaultInternal, String: err.Error()})
	}
	return body
}

// appendResult appends to dst the reply body EncodeResult(v, err) returns,
// so that a server can build replies in a reused buffer.
func appendResult(dst []byte, v any, err error) []byte {
	if err != nil {
		return append(dst, EncodeResult(nil, err)...)
	}
	n := len(dst)
	if size := rawSize(v); size > 0 && cap(dst)-n < size+len(responseHead)+len(responseTail) {
		dst = slices.Grow(dst, size+len(responseHead)+len(responseTail))
	}
	out, err := appendValue(append(dst, responseHead...), v, 0)
	if err != nil {
		return append(dst[:n], EncodeFault(&Fault{Code: FaultInternal, String: err.Error()})...)
	}
	return append(out, responseTail...)
}

// EncodeCall returns the methodCall body CPython 2.7's xmlrpclib.dumps(args,
// method, allow_none=1) produced; it is byte for byte what xm sends. The method
// name is XML-escaped like strings (xmlrpclib wrote it raw, which produced broken
// XML for names holding & or <; real method names hold neither).
func EncodeCall(method string, args []any) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, xmlHeader+"<methodCall>\n<methodName>"...)
	b = appendEscaped(b, method)
	b = append(b, "</methodName>\n<params>\n"...)
	for _, a := range args {
		var err error
		b = append(b, "<param>\n"...)
		if b, err = appendValue(b, a, 0); err != nil {
			return nil, err
		}
		b = append(b, "</param>\n"...)
	}
	return append(b, "</params>\n</methodCall>\n"...), nil
}

// AppendValue appends the xmlrpclib text of one value (the <value> element and,
// except for nil, its trailing newline) to dst.
func AppendValue(dst []byte, v any) ([]byte, error) { return appendValue(dst, v, 0) }

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxEncodeDepth {
		return nil, &MarshalError{Msg: "value nested deeper than " + strconv.Itoa(MaxEncodeDepth) + " levels"}
	}
	switch x := v.(type) {
	case nil:
		return append(b, "<value><nil/></value>"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		if x {
			return append(b, "<value><boolean>1</boolean></value>\n"...), nil
		}
		return append(b, "<value><boolean>0</boolean></value>\n"...), nil
	case int:
		return appendInt(b, int64(x))
	case int64:
		return appendInt(b, x)
	case int32:
		return appendInt(b, int64(x))
	case float64:
		return appendDouble(b, x), nil
	case *big.Int:
		if x == nil {
			return append(b, "<value><nil/></value>"...), nil
		}
		if !x.IsInt64() || x.Int64() > math.MaxInt32 || x.Int64() < math.MinInt32 {
			return nil, &MarshalError{Msg: "long int exceeds XML-RPC limits"}
		}
		return appendInt(b, x.Int64())
	case []any:
		b = append(b, "<value><array><data>\n"...)
		for _, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, "</data></array></value>\n"...), nil
	case Struct:
		b = append(b, "<value><struct>\n"...)
		for _, m := range x {
			var err error
			b = append(b, "<member>\n<name>"...)
			b = appendEscaped(b, m.Name)
			b = append(b, "</name>\n"...)
			if b, err = appendValue(b, m.Value, depth+1); err != nil {
				return nil, err
			}
			b = append(b, "</member>\n"...)
		}
		return append(b, "</struct></value>\n"...), nil
	case []byte:
		return appendBase64(b, x), nil
	case time.Time:
		b = append(b, "<value><dateTime.iso8601>"...)
		b = x.AppendFormat(b, dateTimeLayout)
		return append(b, "</dateTime.iso8601></value>\n"...), nil
	case Raw:
		if x.isZero() {
			return append(b, "<value><nil/></value>"...), nil
		}
		return x.appendTo(b), nil
	case *Fault:
		return nil, &MarshalError{Msg: "cannot marshal <type 'instance'> objects"}
	}
	return appendReflect(b, reflect.ValueOf(v), depth)
}

// appendReflect handles the remaining Go kinds: other integer and float types,
// slices, arrays and string-keyed maps.
func appendReflect(b []byte, rv reflect.Value, depth int) ([]byte, error) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendInt(b, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt32 {
			return nil, &MarshalError{Msg: "int exceeds XML-RPC limits"}
		}
		return appendInt(b, int64(u))
	case reflect.Float32, reflect.Float64:
		return appendDouble(b, rv.Float()), nil
	case reflect.String:
		return appendString(b, rv.String()), nil
	case reflect.Bool:
		return appendValue(b, rv.Bool(), depth)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(b, "<value><nil/></value>"...), nil
		}
		return appendValue(b, rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		// A nil slice is an empty list, not None.
		b = append(b, "<value><array><data>\n"...)
		for i := 0; i < rv.Len(); i++ {
			var err error
			if b, err = appendValue(b, rv.Index(i).Interface(), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, "</data></array></value>\n"...), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, &MarshalError{Msg: "dictionary key must be string"}
		}
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		s := make(Struct, len(keys))
		for i, k := range keys {
			s[i] = Member{Name: k.String(), Value: rv.MapIndex(k).Interface()}
		}
		return appendValue(b, s, depth)
	}
	if !rv.IsValid() {
		return append(b, "<value><nil/></value>"...), nil
	}
	return nil, &MarshalError{Msg: "cannot marshal <type '" + rv.Type().String() + "'> objects"}
}

func appendInt(b []byte, n int64) ([]byte, error) {
	if n > math.MaxInt32 || n < math.MinInt32 {
		return nil, &MarshalError{Msg: "int exceeds XML-RPC limits"}
	}
	b = append(b, "<value><int>"...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "</int></value>\n"...), nil
}

func appendDouble(b []byte, x float64) []byte {
	b = append(b, "<value><double>"...)
	b = append(b, FormatDouble(x)...)
	return append(b, "</double></value>\n"...)
}

func appendString(b []byte, s string) []byte {
	b = append(b, "<value><string>"...)
	b = appendEscaped(b, s)
	return append(b, "</string></value>\n"...)
}

// appendEscaped applies xmlrpclib's escape(): only &, < and > are replaced;
// quotes and control bytes pass through raw.
func appendEscaped(b []byte, s string) []byte {
	if strings.IndexAny(s, "&<>") < 0 {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendBase64 writes xmlrpclib's Binary: base64.encode output, that is lines of
// 76 characters (57 input bytes) each ending in a newline.
func appendBase64(b []byte, data []byte) []byte {
	b = append(b, "<value><base64>\n"...)
	for len(data) > 0 {
		n := min(len(data), 57)
		b = base64.StdEncoding.AppendEncode(b, data[:n])
		b = append(b, '\n')
		data = data[n:]
	}
	return append(b, "</base64></value>\n"...)
}
