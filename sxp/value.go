package sxp

import (
	"math"
	"strconv"
	"unsafe"
)

// Kind says what a [Value] holds. The kinds mirror the Python types that xend
// handed to its printers, because the printers treat them differently
// (http-sxp.md §1.3): a str that looks like an atom is written bare, while a
// Python long, unicode or None is always quoted.
type Kind uint8

// The kinds of [Value]. The zero Value has kind [Invalid]; lookups return it
// for "absent".
const (
	Invalid    Kind = iota // the zero Value: no value at all
	KindAtom               // a byte string (Python str): bare when atom-like, else quoted
	KindQuoted             // a byte string always printed quoted (Python unicode, or quoted in the input)
	KindInt                // a Python int (bool excluded): printed in decimal
	KindLong               // a Python long: printed quoted, '10'
	KindFloat              // a Python float: printed like Python 2 str(), 12 significant digits
	KindBool               // a Python bool: printed True or False
	KindNone               // Python None: printed 'None'
	KindList               // a list (Python list or tuple): (a b c)
)

var kindNames = [...]string{"invalid", "atom", "quoted", "int", "long", "float", "bool", "none", "list"}

// String returns the lower-case name of the kind, such as "atom" or "list".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one SXP value: an atom, a string, a number, a bool, None, or a list
// of values. It is a small immutable struct, passed by value; the zero Value is
// [Invalid] and means "absent".
//
// The parser produces only [KindAtom] (bare tokens), [KindQuoted] (quoted
// strings) and [KindList]: xend's reader has no numbers, so `42` is the atom
// "42". The other kinds exist so that values built in Go print exactly as
// xend printed the corresponding Python values.
//
// Compare values with [Equal] or [Identical]; == compares storage, not
// contents (it is only meaningful against the zero Value).
type Value struct {
	// ptr and n hold a string (KindAtom, KindQuoted: its bytes and length) or
	// a list (KindList: its first item and the number of items). Packing both
	// into one pointer and one length keeps a Value at 32 bytes instead of 56,
	// which the parser's speed depends on (it copies and the GC scans every
	// Value); str and list rebuild the string or slice.
	ptr  unsafe.Pointer
	n    int
	num  uint64 // KindInt/KindLong: int64 bits; KindFloat: float64 bits; KindBool: 0/1
	kind Kind
}

// mkString returns a string Value of kind k.
func mkString(k Kind, s string) Value {
	return Value{kind: k, ptr: unsafe.Pointer(unsafe.StringData(s)), n: len(s)}
}

// mkList returns a list Value holding items (not copied).
func mkList(items []Value) Value {
	return Value{kind: KindList, ptr: unsafe.Pointer(unsafe.SliceData(items)), n: len(items)}
}

// str returns the string of a KindAtom or KindQuoted value, "" otherwise.
func (v Value) str() string {
	if v.kind != KindAtom && v.kind != KindQuoted {
		return ""
	}
	return unsafe.String((*byte)(v.ptr), v.n)
}

// list returns the items of a list, nil otherwise. The slice's capacity is
// its length, so appending to it never writes into v.
func (v Value) list() []Value {
	if v.kind != KindList {
		return nil
	}
	return unsafe.Slice((*Value)(v.ptr), v.n)
}

// Atom returns a byte-string value (a Python str). [Show] writes it bare when
// it is atom-like (letters, digits and . - _ : / ~, or exactly @) and quoted
// Python-style otherwise; the empty string prints as ”.
func Atom(s string) Value { return mkString(KindAtom, s) }

// Quoted returns a string value that is always printed quoted, even when it
// looks like an atom: xend printed Python unicode values that way, and the
// parser returns quoted input strings as Quoted so that printing reproduces
// them (`(vcpu_avail '1')`).
func Quoted(s string) Value { return mkString(KindQuoted, s) }

// Int returns an integer value (a Python int), printed in decimal.
func Int(n int64) Value { return Value{kind: KindInt, num: uint64(n)} }

// Long returns an integer value that xend held as a Python long, which
// sxp.show printed quoted: Long(10) prints as '10'.
func Long(n int64) Value { return Value{kind: KindLong, num: uint64(n)} }

// Float returns a floating-point value, printed like Python 2 str(float):
// 12 significant digits, with ".0" added when the result looks integral.
func Float(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// Bool returns a boolean value, printed True or False.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// None returns Python's None, which sxp.show printed as 'None'.
func None() Value { return Value{kind: KindNone} }

// List returns a list of the given values. The slice is used as is, not
// copied.
func List(items ...Value) Value {
	if items == nil {
		items = []Value{}
	}
	return mkList(items)
}

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsValid reports whether v holds a value (is not the zero Value).
func (v Value) IsValid() bool { return v.kind != Invalid }

// IsList reports whether v is a list.
func (v Value) IsList() bool { return v.kind == KindList }

// IsScalar reports whether v is a valid non-list value.
func (v Value) IsScalar() bool { return v.kind != Invalid && v.kind != KindList }

// Len returns the number of elements of a list, and 0 for anything else.
func (v Value) Len() int { return len(v.list()) }

// Index returns element i of a list, or the zero Value when v is not a list
// or i is out of range.
func (v Value) Index(i int) Value {
	if i < 0 || i >= len(v.list()) {
		return Value{}
	}
	return v.list()[i]
}

// Items returns the elements of a list (nil for anything else). The slice is
// shared with v: do not modify it.
func (v Value) Items() []Value { return v.list() }

// Text returns the text xend's reader would see for a scalar after printing:
// the string itself for atoms and quoted strings, "42" for Int(42) and
// Long(42), "1.5" for Float(1.5), "True"/"False", "None". It returns "" for
// lists and the zero Value.
func (v Value) Text() string {
	switch v.kind {
	case KindAtom, KindQuoted:
		return v.str()
	case KindInt, KindLong:
		return strconv.FormatInt(int64(v.num), 10)
	case KindFloat:
		return string(appendPyFloat(nil, math.Float64frombits(v.num)))
	case KindBool:
		if v.num != 0 {
			return "True"
		}
		return "False"
	case KindNone:
		return "None"
	}
	return ""
}

// Is reports whether v is a scalar whose [Value.Text] equals s.
func (v Value) Is(s string) bool { return v.IsScalar() && v.Text() == s }

// String returns [Show](v), so that fmt prints values as xend did.
func (v Value) String() string { return Show(v) }

// Equal reports whether a and b are the same once printed and read back by
// xend: lists must match element by element, and scalars compare by their
// [Value.Text], whatever their kinds (Int(3) equals Atom("3"), Atom("a b")
// equals Quoted("a b")). Two zero Values are equal.
func Equal(a, b Value) bool {
	if a.kind == KindList || b.kind == KindList {
		if a.kind != b.kind || len(a.list()) != len(b.list()) {
			return false
		}
		for i := range a.list() {
			if !Equal(a.list()[i], b.list()[i]) {
				return false
			}
		}
		return true
	}
	if (a.kind == Invalid) != (b.kind == Invalid) {
		return false
	}
	if (a.kind == KindAtom || a.kind == KindQuoted) && (b.kind == KindAtom || b.kind == KindQuoted) {
		return a.str() == b.str()
	}
	return a.Text() == b.Text()
}

// Identical reports whether a and b have the same kinds and contents all the
// way down: unlike [Equal], Atom("3") and Int(3) differ, and so do Atom("x")
// and Quoted("x"). Floats compare by bits.
func Identical(a, b Value) bool {
	if a.kind != b.kind || a.num != b.num || a.str() != b.str() || len(a.list()) != len(b.list()) {
		return false
	}
	for i := range a.list() {
		if !Identical(a.list()[i], b.list()[i]) {
			return false
		}
	}
	return true
}

// Plain returns v with every quoted string, at any depth, turned into an
// atom. xend's reader returned a Python str for 'x' and x alike, so what
// xend printed after reading input is Show(v.Plain()): (uname 'phy:/dev/x')
// read and shown again is (uname phy:/dev/x). The parser itself keeps quoted
// strings apart so that printing a parsed reply reproduces it byte for byte.
// Plain returns v itself when nothing needs changing.
func (v Value) Plain() Value {
	switch v.kind {
	case KindQuoted:
		return mkString(KindAtom, v.str())
	case KindList:
		items := v.list()
		for i, x := range items {
			if p := x.Plain(); !Identical(p, x) {
				out := make([]Value, len(items))
				copy(out, items[:i])
				out[i] = p
				for j := i + 1; j < len(items); j++ {
					out[j] = items[j].Plain()
				}
				return mkList(out)
			}
		}
	}
	return v
}
