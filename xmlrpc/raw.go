package xmlrpc

import "strconv"

// Raw is one value already encoded: its xmlrpclib text, exactly what
// AppendValue would write for it. The encoder copies it as is, so a server
// can encode a large or often-repeated part of a reply once (or cache it)
// and hand the pieces to EncodeResponse inside an ordinary []any or Struct.
// A Raw built from several consecutive values stands for them all, in
// place, which is how a run of array elements is cached.
//
// A Raw comes only from a Builder or EncodeRaw, which apply the same rules as
// the encoder (the int32 limit, the nesting limit): the zero Raw encodes as
// None. A Raw is immutable, so one may be shared by many replies.
type Raw struct {
	// The text is b, or when segs is set, the concatenation of segs
	// (a Builder references appended Raws instead of copying them).
	b    []byte
	segs [][]byte
}

// Len returns the length of the encoded text.
func (r Raw) Len() int {
	if r.segs == nil {
		return len(r.b)
	}
	n := 0
	for _, s := range r.segs {
		n += len(s)
	}
	return n
}

// Compact returns r with its text in one buffer of exactly its size, so a
// Raw kept for long (in a cache) holds no more memory than its text.
func (r Raw) Compact() Raw {
	if r.isZero() {
		return r
	}
	return Raw{b: r.appendTo(make([]byte, 0, r.Len()))}
}

// isZero reports whether r is the zero Raw (None).
func (r Raw) isZero() bool { return r.b == nil && r.segs == nil }

// appendTo appends r's text to dst.
func (r Raw) appendTo(dst []byte) []byte {
	if r.segs == nil {
		return append(dst, r.b...)
	}
	for _, s := range r.segs {
		dst = append(dst, s...)
	}
	return dst
}

// EncodeRaw encodes v once, as AppendValue would, for later use as a Raw
// inside a reply. It fails with a *MarshalError where EncodeResponse would.
func EncodeRaw(v any) (Raw, error) {
	b, err := appendValue(nil, v, 0)
	if err != nil {
		return Raw{}, err
	}
	return Raw{b: b}, nil
}

// Builder encodes values piece by piece into one growing buffer and cuts
// them off as Raw values, which lets a caller encode from its own data
// model (a tree it would otherwise convert to []any first) without building
// the intermediate values. The first error (an int outside the int32 range,
// nesting deeper than MaxEncodeDepth, an unbalanced EndArray) sticks and is
// returned by Take.
//
// The zero Builder is ready to use. A Builder is not safe for concurrent use.
type Builder struct {
	buf   []byte
	start int // where the value being built begins in buf
	mark  int // where buf's bytes not yet in segs begin
	// segs holds the value's pieces so far when a Raw was appended: fresh
	// bytes of buf and appended Raws, in order.
	segs  [][]byte
	depth int
	err   error
}

// Grow makes room for n more bytes.
func (b *Builder) Grow(n int) { b.reserve(n) }

// reserve makes room for n more bytes. A full buffer is not regrown with
// everything taken from it (append would copy it all, again and again for
// a large listing): a new one takes over with only the value in progress.
func (b *Builder) reserve(n int) {
	if cap(b.buf)-len(b.buf) >= n {
		return
	}
	cur := b.buf[b.start:]
	nb := make([]byte, len(cur), max(2*cap(b.buf), len(cur)+n, 512))
	copy(nb, cur)
	b.mark -= b.start
	b.start = 0
	b.buf = nb
}

// String appends a string value.
func (b *Builder) String(s string) {
	b.reserve(len(s) + 48)
	b.buf = appendString(b.buf, s)
}

// Int appends an int value; outside the int32 range it records xmlrpclib's
// "int exceeds XML-RPC limits" error instead.
func (b *Builder) Int(n int64) {
	if b.err != nil {
		return
	}
	b.reserve(48)
	var err error
	var out []byte
	if out, err = appendInt(b.buf, n); err != nil {
		b.err = err
		return
	}
	b.buf = out
}

// Double appends a double value, formatted as xmlrpclib's repr().
func (b *Builder) Double(x float64) {
	b.reserve(64)
	b.buf = appendDouble(b.buf, x)
}

// Bool appends a boolean value.
func (b *Builder) Bool(v bool) {
	b.reserve(40)
	if v {
		b.buf = append(b.buf, "<value><boolean>1</boolean></value>\n"...)
		return
	}
	b.buf = append(b.buf, "<value><boolean>0</boolean></value>\n"...)
}

// Nil appends None (which xmlrpclib wrote without a trailing newline).
func (b *Builder) Nil() {
	b.reserve(24)
	b.buf = append(b.buf, "<value><nil/></value>"...)
}

// Value appends any value the encoder accepts, with its rules.
func (b *Builder) Value(v any) {
	if b.err != nil {
		return
	}
	out, err := appendValue(b.buf, v, b.depth)
	if err != nil {
		b.err = err
		return
	}
	b.buf = out
}

// Append appends a value (or run of values) encoded earlier; the zero Raw
// is None. The Raw's text is referenced, not copied.
func (b *Builder) Append(r Raw) {
	if r.isZero() {
		b.Nil()
		return
	}
	if len(b.buf) > b.mark {
		b.segs = append(b.segs, b.buf[b.mark:len(b.buf):len(b.buf)])
		b.mark = len(b.buf)
	}
	if r.segs == nil {
		b.segs = append(b.segs, r.b)
		return
	}
	b.segs = append(b.segs, r.segs...)
}

// BeginArray opens an array; its elements follow until EndArray.
func (b *Builder) BeginArray() {
	b.reserve(32)
	b.depth++
	if b.depth > MaxEncodeDepth && b.err == nil {
		b.err = &MarshalError{Msg: "value nested deeper than " + strconv.Itoa(MaxEncodeDepth) + " levels"}
	}
	b.buf = append(b.buf, "<value><array><data>\n"...)
}

// EndArray closes the innermost open array.
func (b *Builder) EndArray() {
	if b.depth == 0 {
		if b.err == nil {
			b.err = &MarshalError{Msg: "xmlrpc: EndArray without BeginArray"}
		}
		return
	}
	b.depth--
	b.reserve(32)
	b.buf = append(b.buf, "</data></array></value>\n"...)
}

// Take returns what was appended since the last Take (or Reset) as one Raw
// and starts the next. It fails if an error was recorded or an array is
// still open; the Builder is then reset. The Raw shares the Builder's
// buffer, which is never written again under it.
func (b *Builder) Take() (Raw, error) {
	if b.err == nil && b.depth != 0 {
		b.err = &MarshalError{Msg: "xmlrpc: Take with an open array"}
	}
	if err := b.err; err != nil {
		b.Reset()
		return Raw{}, err
	}
	var r Raw
	if b.segs == nil {
		r.b = b.buf[b.start:len(b.buf):len(b.buf)]
	} else {
		if len(b.buf) > b.mark {
			b.segs = append(b.segs, b.buf[b.mark:len(b.buf):len(b.buf)])
		}
		r.segs = b.segs
		b.segs = nil
	}
	b.start, b.mark = len(b.buf), len(b.buf)
	return r, nil
}

// Reset drops what was appended since the last Take and any error.
func (b *Builder) Reset() {
	b.buf = b.buf[:b.start]
	b.mark = b.start
	b.segs = nil
	b.depth = 0
	b.err = nil
}
