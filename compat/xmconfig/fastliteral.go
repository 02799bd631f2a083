package xmconfig

// The fastest path: a line whose value is one pure literal is decoded
// straight into a Value, with no syntax tree at all.

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// literalValue decodes a token run that is one pure literal: strings, a
// number, a negative number, or a (nested) list of those.
func literalValue(toks []lexer.Token) (Value, bool) {
	v, n, ok := literalAt(toks, 0, 0)
	return v, ok && n == len(toks)
}

func literalAt(toks []lexer.Token, i, depth int) (Value, int, bool) {
	if i >= len(toks) || depth > maxNesting {
		return Value{}, i, false
	}
	t := toks[i]
	switch {
	case t.Type == tokString:
		var v Value
		for j := i; j < len(toks) && toks[j].Type == tokString; j++ {
			s, uni, err := decodeString(toks[j].Value)
			if err != nil || uni {
				return Value{}, i, false
			}
			if j == i {
				v = StrValue(s)
			} else {
				v.S += s
			}
			i = j
		}
		return v, i + 1, true
	case t.Type == tokNumber:
		v, err := decodeNumber(t.Value)
		if err != nil {
			return Value{}, i, false
		}
		return v, i + 1, true
	case t.Type == tokOp && t.Value == "-":
		if i+1 >= len(toks) || toks[i+1].Type != tokNumber {
			return Value{}, i, false
		}
		v, err := decodeNumber(toks[i+1].Value)
		if err != nil || v.Kind != Int || v.I == -v.I {
			return Value{}, i, false
		}
		v.I = -v.I
		return v, i + 2, true
	case t.Type == tokOp && t.Value == "[":
		i++
		l := Value{Kind: List}
		for {
			if i < len(toks) && toks[i].Type == tokOp && toks[i].Value == "]" {
				return l, i + 1, true
			}
			v, n, ok := literalAt(toks, i, depth+1)
			if !ok {
				return Value{}, i, false
			}
			l.Items = append(l.Items, v)
			i = n
			if i < len(toks) && toks[i].Type == tokOp && toks[i].Value == "," {
				i++
				continue
			}
			if i < len(toks) && toks[i].Type == tokOp && toks[i].Value == "]" {
				return l, i + 1, true
			}
			return Value{}, i, false
		}
	}
	return Value{}, i, false
}
