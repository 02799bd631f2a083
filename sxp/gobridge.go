package sxp

import (
	"fmt"
	"math"
	"strconv"
)

// FromGo converts a Go value as the XML-RPC layer carries it into a Value, the
// way xend's Python values map onto sxp.show:
//
//	Value                          itself
//	string, []byte                 Atom (bare when atom-like, else quoted)
//	int, int8..int64, uint8..uint32, and uint64 up to MaxInt64
//	                               Int
//	float32, float64               Float
//	bool                           Bool
//	nil                            None
//	[]any, []Value, []string, []int, []int64, []float64, [][]any
//	                               List, converted element by element
//
// This lets compat code build xend's nested Python-style lists
// ([]any{"domain", []any{"domid", 0}}) and print them with [Show] or
// [Pretty]. Any other type (maps, structs, pointers) is an error naming the
// type and where it was found, such as "sxp: cannot convert map[string]int
// at [3][1]".
func FromGo(x any) (Value, error) { return fromGo(x, nil) }

// MustFromGo is [FromGo] for values built in code, which cannot fail: it
// panics on an unsupported type.
func MustFromGo(x any) Value {
	v, err := FromGo(x)
	if err != nil {
		panic(err)
	}
	return v
}

func fromGo(x any, path []int) (Value, error) {
	switch t := x.(type) {
	case Value:
		return t, nil
	case string:
		return Atom(t), nil
	case []byte:
		return Atom(string(t)), nil
	case int:
		return Int(int64(t)), nil
	case int8:
		return Int(int64(t)), nil
	case int16:
		return Int(int64(t)), nil
	case int32:
		return Int(int64(t)), nil
	case int64:
		return Int(t), nil
	case uint8:
		return Int(int64(t)), nil
	case uint16:
		return Int(int64(t)), nil
	case uint32:
		return Int(int64(t)), nil
	case uint:
		if uint64(t) > math.MaxInt64 {
			return Value{}, convErr(x, path, "out of range")
		}
		return Int(int64(t)), nil
	case uint64:
		if t > math.MaxInt64 {
			return Value{}, convErr(x, path, "out of range")
		}
		return Int(int64(t)), nil
	case float64:
		return Float(t), nil
	case float32:
		return Float(float64(t)), nil
	case bool:
		return Bool(t), nil
	case nil:
		return None(), nil
	case []Value:
		return List(t...), nil
	case []any:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	case [][]any:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	case []string:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	case []int:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	case []int64:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	case []float64:
		return listFromGo(len(t), path, func(i int) any { return t[i] })
	}
	return Value{}, convErr(x, path, "unsupported type")
}

func listFromGo(n int, path []int, at func(int) any) (Value, error) {
	if len(path) >= MaxDepth {
		return Value{}, convErr(nil, path, fmt.Sprintf("lists nest more than %d deep (sxp.MaxDepth)", MaxDepth))
	}
	items := make([]Value, n)
	for i := range items {
		v, err := fromGo(at(i), append(path, i))
		if err != nil {
			return Value{}, err
		}
		items[i] = v
	}
	return List(items...), nil
}

func convErr(x any, path []int, why string) error {
	where := ""
	for _, i := range path {
		where += "[" + strconv.Itoa(i) + "]"
	}
	if where == "" {
		where = "top level"
	} else {
		where = "at " + where
	}
	return fmt.Errorf("sxp: cannot convert %T %s: %s", x, where, why)
}

// ToGo converts v into plain Go values for the XML-RPC layer:
//
//	KindAtom, KindQuoted   string
//	KindInt, KindLong      int64
//	KindFloat              float64
//	KindBool               bool
//	KindNone, Invalid      nil
//	KindList               []any, converted element by element
//
// Parsed input holds only strings and lists, so ToGo on it yields strings
// and []any; numbers stay strings, as in xend.
func ToGo(v Value) any {
	switch v.kind {
	case KindAtom, KindQuoted:
		return v.str()
	case KindInt, KindLong:
		return int64(v.num)
	case KindFloat:
		return math.Float64frombits(v.num)
	case KindBool:
		return v.num != 0
	case KindList:
		out := make([]any, len(v.list()))
		for i, x := range v.list() {
			out[i] = ToGo(x)
		}
		return out
	}
	return nil
}
