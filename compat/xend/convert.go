package xend

import (
	"math"
	"strconv"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

// toSXP converts a decoded XML-RPC value to an SXP value: strings become
// atoms, ints ints, arrays lists (xm sends configs as nested arrays).
func toSXP(v any) sxp.Value {
	switch x := v.(type) {
	case string:
		return sxp.Atom(x)
	case int:
		return sxp.Int(int64(x))
	case int64:
		return sxp.Int(x)
	case bool:
		return sxp.Bool(x)
	case float64:
		return sxp.Float(x)
	case nil:
		return sxp.None()
	case []any:
		items := make([]sxp.Value, len(x))
		for i, e := range x {
			items[i] = toSXP(e)
		}
		return sxp.List(items...)
	}
	return sxp.Atom("")
}

// fromSXP converts an SXP value to the XML-RPC value xend marshalled:
// strings, ints, doubles, arrays; None is nil. All the arrays of one value
// share a single backing slice, which keeps large listings cheap.
func fromSXP(v sxp.Value) any {
	if !v.IsList() {
		return scalarOf(v)
	}
	pool := make([]any, countItems(v))
	out, _ := fillList(v, pool)
	return out
}

// countItems counts the array slots a value needs.
func countItems(v sxp.Value) int {
	n := 0
	for _, e := range v.Items() {
		n++
		if e.IsList() {
			n += countItems(e)
		}
	}
	return n
}

// fillList converts list v into the front of pool and returns the rest.
func fillList(v sxp.Value, pool []any) ([]any, []any) {
	items := v.Items()
	out := pool[:len(items):len(items)]
	pool = pool[len(items):]
	for i, e := range items {
		if e.IsList() {
			out[i], pool = fillList(e, pool)
		} else {
			out[i] = scalarOf(e)
		}
	}
	return out, pool
}

// scalarOf converts a non-list SXP value.
func scalarOf(v sxp.Value) any {
	switch v.Kind() {
	case sxp.KindInt, sxp.KindLong:
		n, _ := v.AsInt()
		return int(n)
	case sxp.KindFloat:
		f, _ := v.AsFloat()
		return f
	case sxp.KindBool:
		b, _ := v.AsBool()
		return b
	case sxp.KindNone:
		return nil
	}
	return v.Text()
}

// identArg converts a domain argument: an int is a domid, anything else
// its text.
func identArg(v any) Ident {
	switch x := v.(type) {
	case int:
		return ID(x)
	case int64:
		return Ident{Text: strconv.FormatInt(x, 10), IsInt: true}
	case bool:
		if x {
			return ID(1)
		}
		return ID(0)
	case string:
		return Name(x)
	case nil:
		return Name("None")
	}
	return Name(pyStr(v))
}

// truth is Python truthiness of a decoded value.
func truth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case xmlrpc.Struct:
		return len(x) > 0
	}
	return true
}

// intArg is Python's int() of a decoded value.
func intArg(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(math.Trunc(x)), nil
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, internalError("invalid literal for int() with base 10: '%s'", x)
		}
		return n, nil
	case nil:
		return 0, internalError("int() argument must be a string or a number, not 'NoneType'")
	}
	return 0, internalError("int() argument must be a string or a number")
}

// pyStr is Python's str() of a decoded value.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case float64:
		return xmlrpc.FormatDouble(x)
	}
	return sxp.Show(toSXP(v))
}

// records converts rendered domain records to an XML-RPC array, without
// vcpu_avail (fixup_sxpr).
func records(vs []sxp.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = fixedRecord(v)
	}
	return out
}
