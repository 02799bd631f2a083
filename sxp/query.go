package sxp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The query helpers follow xend's sxp.py (name, children, child, child_value)
// and libvirt's path lookups (sexpr_lookup, sexpr_node), so that callers never
// walk lists by hand. An element is a list whose first item is its name:
// (memory 512). A list (@ (k v) ...) right after the name is an attribute list
// and is skipped, as sxp.py did.

// Name returns the name of an element: the text of the first item of a list,
// or "" when v is not a list, is empty, or starts with a list.
func (v Value) Name() string {
	if v.kind != KindList || len(v.list()) == 0 || v.list()[0].kind == KindList {
		return ""
	}
	return v.list()[0].Text()
}

// isAttributes reports whether x is an attribute list (@ ...).
func isAttributes(x Value) bool {
	return x.kind == KindList && len(x.list()) > 0 && x.list()[0].kind != KindList && x.list()[0].Text() == "@"
}

// Args returns the items of an element after its name (and after an
// attribute list, if any): for (memory 512) it returns [512]. It returns nil
// when v is not a list or has no items after the name. The slice is shared
// with v.
func (v Value) Args() []Value {
	if v.kind != KindList || len(v.list()) < 2 {
		return nil
	}
	i := 1
	if isAttributes(v.list()[1]) {
		i = 2
	}
	return v.list()[i:]
}

// Children returns the child elements named name, in order: the lists among
// [Value.Args] whose [Value.Name] is name. With name "" it returns every item
// of Args, lists or not, like sxp.children without a name.
func (v Value) Children(name string) []Value {
	args := v.Args()
	if name == "" {
		return args
	}
	var out []Value
	for _, x := range args {
		if x.Name() == name {
			out = append(out, x)
		}
	}
	return out
}

// Child returns the first child element named name, as sxp.child did; ok is
// false when there is none.
func (v Value) Child(name string) (child Value, ok bool) {
	for _, x := range v.Args() {
		if x.Name() == name {
			return x, true
		}
	}
	return Value{}, false
}

// Has reports whether v has a child element named name, even an empty one
// such as (bootloader).
func (v Value) Has(name string) bool {
	_, ok := v.Child(name)
	return ok
}

// ChildValue returns the first value of the first child element named name,
// as sxp.child_value did: for (domain (memory 512)) and "memory" it returns
// the atom 512. ok is false when the child is absent or has no value
// (bootloader).
func (v Value) ChildValue(name string) (val Value, ok bool) {
	c, ok := v.Child(name)
	if !ok {
		return Value{}, false
	}
	args := c.Args()
	if len(args) == 0 {
		return Value{}, false
	}
	return args[0], true
}

// ChildText returns the text of [Value.ChildValue](name), or def when it is
// absent or is a list.
func (v Value) ChildText(name, def string) string {
	val, ok := v.ChildValue(name)
	if !ok || val.kind == KindList {
		return def
	}
	return val.Text()
}

// Lookup follows a slash-separated path of element names from v, as libvirt's
// sexpr_lookup did: each step takes the first child element with that name.
// The first step may name v itself: Lookup("domain/image/linux") on a
// (domain ...) value is the same as Lookup("image/linux"). An empty path
// returns v.
func (v Value) Lookup(path string) (Value, bool) {
	path = strings.Trim(path, "/")
	if path == "" {
		return v, v.IsValid()
	}
	cur := v
	steps := strings.Split(path, "/")
	if len(steps) > 0 && v.Name() == steps[0] {
		if _, isChild := v.Child(steps[0]); !isChild {
			steps = steps[1:]
		}
	}
	for _, s := range steps {
		next, ok := cur.Child(s)
		if !ok {
			return Value{}, false
		}
		cur = next
	}
	return cur, true
}

// LookupValue returns the first value of the element at path (see
// [Value.Lookup]), as libvirt's sexpr_node did; ok is false when the element
// is absent or empty.
func (v Value) LookupValue(path string) (Value, bool) {
	e, ok := v.Lookup(path)
	if !ok {
		return Value{}, false
	}
	args := e.Args()
	if len(args) == 0 {
		return Value{}, false
	}
	return args[0], true
}

// LookupText returns the text of [Value.LookupValue](path), or def when it is
// absent or is a list.
func (v Value) LookupText(path, def string) string {
	val, ok := v.LookupValue(path)
	if !ok || val.kind == KindList {
		return def
	}
	return val.Text()
}

// AsInt converts a scalar to an integer the way xend's int() did: Int and
// Long return their value, Bool gives 0 or 1, and text is read in base 10
// with optional sign and surrounding whitespace.
func (v Value) AsInt() (int64, error) {
	switch v.kind {
	case KindInt, KindLong, KindBool:
		return int64(v.num), nil
	case KindAtom, KindQuoted:
		n, err := strconv.ParseInt(strings.TrimSpace(v.str()), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("sxp: invalid literal for int() with base 10: %s", Quote(v.str()))
		}
		return n, nil
	}
	return 0, fmt.Errorf("sxp: cannot convert %s to int", v.kind)
}

// AsFloat converts a scalar to a float the way xend's float() did.
func (v Value) AsFloat() (float64, error) {
	switch v.kind {
	case KindFloat:
		return math.Float64frombits(v.num), nil
	case KindInt, KindLong, KindBool:
		return float64(int64(v.num)), nil
	case KindAtom, KindQuoted:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.str()), 64)
		if err != nil {
			return 0, fmt.Errorf("sxp: could not convert string to float: %s", Quote(v.str()))
		}
		return f, nil
	}
	return 0, fmt.Errorf("sxp: cannot convert %s to float", v.kind)
}

// AsBool converts a scalar to a bool the way xend's bool0 did: "0", "False"
// and "" (and Int 0, Bool false) are false, anything else is true. None is
// false. Lists are an error.
func (v Value) AsBool() (bool, error) {
	switch v.kind {
	case KindBool, KindInt, KindLong:
		return v.num != 0, nil
	case KindFloat:
		return math.Float64frombits(v.num) != 0, nil
	case KindNone:
		return false, nil
	case KindAtom, KindQuoted:
		switch v.str() {
		case "0", "False", "":
			return false, nil
		}
		return true, nil
	}
	return false, fmt.Errorf("sxp: cannot convert %s to bool", v.kind)
}
