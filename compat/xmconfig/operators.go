package xmconfig

// Python 2 operator semantics for the evaluator: comparisons, equality,
// ordering and the arithmetic of tier A.

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// maxIntBits bounds integers (a long of a few thousand bits is already far
// beyond anything a config needs).
const maxIntBits = 4096

func boolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, I: 1}
	}
	return Value{Kind: Bool}
}

// maxCompare bounds the elements one comparison may visit (lists can
// share elements, so their logical size can be astronomical).
const maxCompare = 1 << 20

func compare(op *CompOp, a, b Value) (ok bool, err error) {
	budget := maxCompare
	equal := func(x, y Value) bool { return equalN(x, y, &budget) }
	defer func() {
		if err == nil && budget < 0 {
			ok, err = false, fmt.Errorf("values too large to compare")
		}
	}()
	switch {
	case op.Is:
		eq := equal(a, b)
		return eq != op.IsNot, nil
	case op.NotIn, op.Op == "in":
		in := false
		switch b.Kind {
		case List, Tuple:
			for _, it := range b.Items {
				if equal(a, it) {
					in = true
				}
			}
		case Str, Unicode:
			if a.Kind != Str && a.Kind != Unicode {
				return false, fmt.Errorf("'in <string>' requires string as left operand")
			}
			in = strings.Contains(b.S, a.S)
		default:
			return false, fmt.Errorf("argument of type '%s' is not iterable", b.Kind)
		}
		return in != op.NotIn, nil
	}
	switch op.Op {
	case "==":
		return equal(a, b), nil
	case "!=", "<>":
		return !equal(a, b), nil
	}
	c, ok := order(a, b)
	if !ok {
		return false, fmt.Errorf("cannot order %s and %s here", a.Kind, b.Kind)
	}
	switch op.Op {
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	}
	return c >= 0, nil
}

func isNumber(v Value) bool {
	return v.Kind == Int || v.Kind == Long || v.Kind == Float || v.Kind == Bool
}

func toFloat(v Value) float64 {
	switch v.Kind {
	case Float:
		return v.F
	case Long:
		f, _ := new(big.Float).SetInt(v.Big).Float64()
		return f
	}
	return float64(v.I)
}

func toBig(v Value) *big.Int {
	if v.Kind == Long {
		return v.Big
	}
	return big.NewInt(v.I)
}

func equalN(a, b Value, budget *int) bool {
	*budget--
	if *budget < 0 {
		return false
	}
	if isNumber(a) && isNumber(b) {
		c, _ := order(a, b)
		return c == 0
	}
	if (a.Kind == Str || a.Kind == Unicode) && (b.Kind == Str || b.Kind == Unicode) {
		return a.S == b.S
	}
	if a.Kind != b.Kind {
		return a.Kind == None && b.Kind == None
	}
	switch a.Kind {
	case None:
		return true
	case List, Tuple, Dict:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !equalN(a.Items[i], b.Items[i], budget) {
				return false
			}
		}
		return true
	}
	return false
}

func order(a, b Value) (int, bool) {
	switch {
	case isNumber(a) && isNumber(b):
		if a.Kind == Float || b.Kind == Float {
			x, y := toFloat(a), toFloat(b)
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
		return toBig(a).Cmp(toBig(b)), true
	case (a.Kind == Str || a.Kind == Unicode) && (b.Kind == Str || b.Kind == Unicode):
		return strings.Compare(a.S, b.S), true
	}
	return 0, false
}

// binop applies a tier A arithmetic operator.
func (e *evaluator) binop(pos lexer.Position, op string, a, b Value) (Value, error) {
	if a.IsOpaque() || b.IsOpaque() {
		if a.IsOpaque() {
			return opaqueFrom(a, op), nil
		}
		return opaqueFrom(b, op), nil
	}
	typeErr := func() error {
		return errorAt(pos, "", fmt.Sprintf("unsupported operand types for %s: '%s' and '%s'", op, a.Kind, b.Kind), "xm would have failed with TypeError")
	}
	isInt := func(v Value) bool { return v.Kind == Int || v.Kind == Long || v.Kind == Bool }
	isStr := func(v Value) bool { return v.Kind == Str || v.Kind == Unicode }
	strKind := func() Kind {
		if a.Kind == Unicode || b.Kind == Unicode {
			return Unicode
		}
		return Str
	}
	switch op {
	case "+":
		switch {
		case isStr(a) && isStr(b):
			if len(a.S)+len(b.S) > maxValueSize {
				return Value{}, errorAt(pos, "", "string too long", "")
			}
			return Value{Kind: strKind(), S: a.S + b.S}, nil
		case (a.Kind == List && b.Kind == List) || (a.Kind == Tuple && b.Kind == Tuple):
			if len(a.Items)+len(b.Items) > maxValueSize {
				return Value{}, errorAt(pos, "", "list too long", "")
			}
			items := append(append(make([]Value, 0, len(a.Items)+len(b.Items)), a.Items...), b.Items...)
			return Value{Kind: a.Kind, Items: items}, nil
		}
	case "*":
		var seq, n Value
		switch {
		case (isStr(a) || a.Kind == List || a.Kind == Tuple) && isInt(b):
			seq, n = a, b
		case (isStr(b) || b.Kind == List || b.Kind == Tuple) && isInt(a):
			seq, n = b, a
		}
		if seq.Kind == Str || seq.Kind == Unicode || seq.Kind == List || seq.Kind == Tuple {
			count := int64(0)
			if z := toBig(n); z.Sign() > 0 {
				if !z.IsInt64() || z.Int64() > maxValueSize {
					return Value{}, errorAt(pos, "", "repetition too large", "")
				}
				count = z.Int64()
			}
			size := int64(len(seq.S) + len(seq.Items))
			if size*count > maxValueSize {
				return Value{}, errorAt(pos, "", "repetition too large", "")
			}
			if seq.Kind == Str || seq.Kind == Unicode {
				return Value{Kind: seq.Kind, S: strings.Repeat(seq.S, int(count))}, nil
			}
			items := make([]Value, 0, int(size*count))
			for i := int64(0); i < count; i++ {
				items = append(items, seq.Items...)
			}
			return Value{Kind: seq.Kind, Items: items}, nil
		}
	case "%":
		if isStr(a) {
			s, err := pyFormat(a.S, b)
			if err != nil {
				return Value{}, errorAt(pos, "", "string formatting: "+err.Error(), "xm would have failed; fix the format or its arguments")
			}
			k := a.Kind
			if b.Kind == Unicode {
				k = Unicode
			}
			return Value{Kind: k, S: s}, nil
		}
	}
	if !isNumber(a) || !isNumber(b) {
		return Value{}, typeErr()
	}
	if a.Kind == Float || b.Kind == Float {
		x, y := toFloat(a), toFloat(b)
		var r float64
		switch op {
		case "+":
			r = x + y
		case "-":
			r = x - y
		case "*":
			r = x * y
		case "/", "//", "%":
			if y == 0 {
				return Value{}, errorAt(pos, "", "float division by zero", "")
			}
			switch op {
			case "/":
				r = x / y
			case "//":
				r = math.Floor(x / y)
			default:
				r = x - math.Floor(x/y)*y
			}
		default:
			return Value{}, typeErr()
		}
		return Value{Kind: Float, F: r}, nil
	}
	if a.Kind != Long && b.Kind != Long {
		if v, ok := smallIntOp(op, a.I, b.I); ok {
			return v, nil
		}
	}
	x, y := toBig(a), toBig(b)
	z := new(big.Int)
	switch op {
	case "+":
		z.Add(x, y)
	case "-":
		z.Sub(x, y)
	case "*":
		if x.BitLen()+y.BitLen() > maxIntBits {
			return Value{}, errorAt(pos, "", "integer too large", "")
		}
		z.Mul(x, y)
	case "/", "//", "%":
		if y.Sign() == 0 {
			return Value{}, errorAt(pos, "", "integer division or modulo by zero", "")
		}
		// Python floors; Go's DivMod is Euclidean: adjust for negative divisors.
		q, m := new(big.Int).DivMod(x, y, new(big.Int))
		if m.Sign() != 0 && y.Sign() < 0 {
			q.Add(q, big.NewInt(1))
			m.Add(m, y)
		}
		if op == "%" {
			z = m
		} else {
			z = q
		}
	default:
		return Value{}, typeErr()
	}
	if z.BitLen() > maxIntBits {
		return Value{}, errorAt(pos, "", "integer too large", "")
	}
	return intFromBig(z, a.Kind == Long || b.Kind == Long), nil
}

// smallIntOp does + - * on int64 when the result cannot overflow; other
// cases go through math/big.
func smallIntOp(op string, x, y int64) (Value, bool) {
	const lim = 1 << 31
	if x >= lim || x <= -lim || y >= lim || y <= -lim {
		return Value{}, false
	}
	switch op {
	case "+":
		return Value{Kind: Int, I: x + y}, true
	case "-":
		return Value{Kind: Int, I: x - y}, true
	case "*":
		return Value{Kind: Int, I: x * y}, true
	}
	return Value{}, false
}
