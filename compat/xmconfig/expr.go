package xmconfig

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

func opaqueFrom(v Value, origin string) Value {
	o, pos := v.OpaqueOrigin()
	if o == "" {
		o = origin
	}
	return Value{Kind: Opaque, S: "runtime value", Origin: &Origin{Text: o, Pos: pos}}
}

func (e *evaluator) testList(t *TestList) (Value, error) {
	if len(t.Items) == 1 && !t.Comma {
		return e.test(t.Items[0])
	}
	items := make([]Value, 0, len(t.Items))
	for _, it := range t.Items {
		v, err := e.test(it)
		if err != nil {
			return Value{}, err
		}
		items = append(items, v)
	}
	return seqValue(Tuple, items), nil
}

func (e *evaluator) test(t *Test) (Value, error) {
	if err := e.step(t.Pos); err != nil {
		return Value{}, err
	}
	switch {
	case t.Lambda != nil:
		return Value{}, refuse(t.Pos, "lambda", "")
	case t.Cond != nil:
		return Value{}, refuse(t.Pos, "conditional expression (x if c else y)", "write the chosen value as a literal")
	}
	return e.orTest(t.Or)
}

func (e *evaluator) needTest(pos lexer.Position, what string) error {
	if e.inTest == 0 {
		return refuse(pos, what+" outside an if test", "")
	}
	return nil
}

func (e *evaluator) orTest(o *OrTest) (Value, error) {
	if len(o.Terms) > 1 {
		if err := e.needTest(o.Pos, "boolean operator 'or'"); err != nil {
			return Value{}, err
		}
	}
	var v Value
	for i, a := range o.Terms {
		x, err := e.andTest(a)
		if err != nil {
			return Value{}, err
		}
		if i == 0 {
			v = x
			continue
		}
		if v.IsOpaque() || x.IsOpaque() {
			v = opaqueFrom(v, "or")
			if !v.IsOpaque() {
				v = opaqueFrom(x, "or")
			}
			continue
		}
		if !v.Truth() {
			v = x
		}
	}
	return v, nil
}

func (e *evaluator) andTest(a *AndTest) (Value, error) {
	if len(a.Terms) > 1 {
		if err := e.needTest(a.Pos, "boolean operator 'and'"); err != nil {
			return Value{}, err
		}
	}
	var v Value
	for i, n := range a.Terms {
		x, err := e.notTest(n)
		if err != nil {
			return Value{}, err
		}
		if i == 0 {
			v = x
			continue
		}
		if v.IsOpaque() {
			continue
		}
		if x.IsOpaque() {
			v = opaqueFrom(x, "and")
			continue
		}
		if v.Truth() {
			v = x
		}
	}
	return v, nil
}

func (e *evaluator) notTest(n *NotTest) (Value, error) {
	if n.Not != nil {
		if err := e.needTest(n.Pos, "boolean operator 'not'"); err != nil {
			return Value{}, err
		}
		v, err := e.notTest(n.Not)
		if err != nil || v.IsOpaque() {
			return v, err
		}
		return boolValue(!v.Truth()), nil
	}
	return e.comparison(n.Comp)
}

func (e *evaluator) comparison(c *Comparison) (Value, error) {
	left, err := e.bitExpr(c.Left)
	if err != nil || len(c.Ops) == 0 {
		return left, err
	}
	if err := e.needTest(c.Pos, "comparison"); err != nil {
		return Value{}, err
	}
	result := boolValue(true)
	for _, op := range c.Ops {
		right, err := e.bitExpr(op.Right)
		if err != nil {
			return Value{}, err
		}
		if left.IsOpaque() || right.IsOpaque() || result.IsOpaque() {
			result = opaqueFrom(left, "comparison")
			if !result.IsOpaque() {
				result = opaqueFrom(right, "comparison")
			}
			left = right
			continue
		}
		ok, err := compare(op, left, right)
		if err != nil {
			return Value{}, errorAt(op.Pos, "", err.Error(), "")
		}
		if !ok {
			result = boolValue(false)
		}
		left = right
	}
	return result, nil
}

func (e *evaluator) bitExpr(b *BitExpr) (Value, error) {
	if len(b.Ops) > 0 {
		return Value{}, refuse(b.Ops[0].Pos, "bitwise operator '"+b.Ops[0].Op+"'", "compute the value and write it as a literal")
	}
	return e.arith(b.Left)
}

func (e *evaluator) arith(a *Arith) (Value, error) {
	v, err := e.term(a.Left)
	if err != nil {
		return Value{}, err
	}
	for _, op := range a.Ops {
		r, err := e.term(op.Right)
		if err != nil {
			return Value{}, err
		}
		if v, err = e.binop(op.Pos, op.Op, v, r); err != nil {
			return Value{}, err
		}
	}
	return v, nil
}

func (e *evaluator) term(t *Term) (Value, error) {
	v, err := e.factor(t.Left)
	if err != nil {
		return Value{}, err
	}
	for _, op := range t.Ops {
		r, err := e.factor(op.Right)
		if err != nil {
			return Value{}, err
		}
		if v, err = e.binop(op.Pos, op.Op, v, r); err != nil {
			return Value{}, err
		}
	}
	return v, nil
}

func (e *evaluator) factor(f *Factor) (Value, error) {
	if f.Power != nil {
		return e.power(f.Power)
	}
	if f.Unary == "~" {
		return Value{}, refuse(f.Pos, "bitwise operator '~'", "compute the value and write it as a literal")
	}
	v, err := e.factor(f.Operand)
	if err != nil || v.IsOpaque() {
		return v, err
	}
	switch v.Kind {
	case Int, Bool, Long:
		z := toBig(v)
		if f.Unary == "-" {
			z = new(big.Int).Neg(z)
		}
		return intFromBig(z, v.Kind == Long), nil
	case Float:
		if f.Unary == "-" {
			v.F = -v.F
		}
		return v, nil
	}
	return Value{}, errorAt(f.Pos, "", fmt.Sprintf("bad operand type for unary %s: '%s'", f.Unary, v.Kind), "xm would have failed with TypeError")
}

func (e *evaluator) power(p *Power) (Value, error) {
	if p.Exponent != nil {
		return Value{}, refuse(p.Pos, "power operator '**'", "compute the value and write it as a literal")
	}
	return e.primary(p.Primary)
}

func (e *evaluator) primary(p *Primary) (Value, error) {
	v, err := e.atom(p.Atom)
	if err != nil {
		return Value{}, err
	}
	for i, t := range p.Trailers {
		name := dottedName(p, i+1)
		if !v.IsOpaque() {
			what := "subscript " + name
			switch {
			case t.Call != nil:
				what = "function call " + name
			case t.Attr != "":
				what = "attribute access " + name
			}
			return Value{}, refuse(t.Pos, what, "")
		}
		switch {
		case t.Attr != "":
			if v.Kind == Module || v.Kind == Func {
				path := v.originText() + "." + t.Attr
				v = Value{Kind: Func, S: path, Origin: &Origin{Text: path, Pos: v.originPos()}}
			} else {
				v = opaqueFrom(v, name)
			}
		case t.Call != nil:
			if v.Kind != Func || !safeCalls[v.originText()] {
				return Value{}, refuse(t.Pos, "function call "+name, "")
			}
			for _, a := range t.Call.Args {
				if a.For != nil {
					return Value{}, refuse(a.Pos, "generator expression", "")
				}
				if _, err := e.test(a.Value); err != nil {
					return Value{}, err
				}
			}
			v = Value{Kind: Opaque, S: "runtime value", Origin: &Origin{Text: strings.TrimSuffix(name, "(...)") + "()", Pos: p.Pos}}
		default:
			if t.Index.Lower != nil {
				if _, err := e.test(t.Index.Lower); err != nil {
					return Value{}, err
				}
			}
			if t.Index.Upper != nil {
				if _, err := e.test(t.Index.Upper); err != nil {
					return Value{}, err
				}
			}
			origin := v.originText() + "[" + subscriptText(t.Index) + "]"
			v = Value{Kind: Opaque, S: "runtime value", Origin: &Origin{Text: origin, Pos: v.originPos()}}
		}
	}
	return v, nil
}

func subscriptText(s *Subscript) string {
	lit := func(t *Test) string {
		if p := primaryOf(t); p != nil && len(p.Trailers) == 0 {
			switch {
			case p.Atom.Number != "":
				return p.Atom.Number
			case p.Atom.Name != "":
				return p.Atom.Name
			}
		}
		return "..."
	}
	out := ""
	if s.Lower != nil {
		out = lit(s.Lower)
	}
	if s.Slice {
		out += ":"
		if s.Upper != nil {
			out += lit(s.Upper)
		}
	}
	return out
}

func (e *evaluator) atom(a *Atom) (Value, error) {
	switch {
	case len(a.Strings) > 0:
		var b strings.Builder
		uni := false
		for _, lit := range a.Strings {
			s, u, err := decodeString(lit)
			if err != nil {
				return Value{}, errorAt(a.Pos, "", err.Error(), "")
			}
			uni = uni || u
			b.WriteString(s)
		}
		if uni {
			return Value{Kind: Unicode, S: b.String()}, nil
		}
		return StrValue(b.String()), nil
	case a.Number != "":
		v, err := decodeNumber(a.Number)
		if err != nil {
			return Value{}, errorAt(a.Pos, "", err.Error(), "")
		}
		return v, nil
	case a.Name != "":
		return e.lookup(a.Name, a.Pos)
	case a.Paren != nil:
		if a.Paren.For != nil {
			return Value{}, refuse(a.Pos, "generator expression", "write the resulting list as a literal")
		}
		if a.Paren.First == nil {
			return Value{Kind: Tuple}, nil
		}
		first, err := e.test(a.Paren.First)
		if err != nil {
			return Value{}, err
		}
		if len(a.Paren.Rest) == 0 && !a.Paren.Comma {
			return first, nil
		}
		return e.collect(Tuple, first, a.Paren.Rest)
	case a.List != nil:
		if a.List.For != nil {
			return Value{}, refuse(a.Pos, "list comprehension", "write the resulting list as a literal")
		}
		if a.List.First == nil {
			return Value{Kind: List}, nil
		}
		first, err := e.test(a.List.First)
		if err != nil {
			return Value{}, err
		}
		return e.collect(List, first, a.List.Rest)
	case a.Dict != nil:
		items := []Value{}
		for _, it := range a.Dict.Items {
			k, err := e.test(it.Key)
			if err != nil {
				return Value{}, err
			}
			items = append(items, k)
			if it.Value != nil {
				v, err := e.test(it.Value)
				if err != nil {
					return Value{}, err
				}
				items = append(items, v)
			}
		}
		return seqValue(Dict, items), nil
	case a.Backtick != nil:
		return Value{}, refuse(a.Pos, "backtick repr", "")
	}
	return Value{}, errorAt(a.Pos, "", "empty expression", "")
}

func (e *evaluator) collect(k Kind, first Value, rest []*Test) (Value, error) {
	items := make([]Value, 0, 1+len(rest))
	items = append(items, first)
	for _, t := range rest {
		v, err := e.test(t)
		if err != nil {
			return Value{}, err
		}
		items = append(items, v)
	}
	return seqValue(k, items), nil
}

func (e *evaluator) lookup(name string, pos lexer.Position) (Value, error) {
	if i, ok := e.env[name]; ok {
		return e.settings[i].Value, nil
	}
	switch name {
	case "True":
		return boolValue(true), nil
	case "False":
		return boolValue(false), nil
	case "None":
		return Value{Kind: None}, nil
	case "xm_file":
		return StrValue(e.file), nil
	case "xm_help":
		return IntValue(0), nil
	case "xm_vars":
		return Value{Kind: Opaque, S: "xm_vars", Origin: &Origin{Text: "xm_vars", Pos: pos}}, nil
	}
	if predefinedModules[name] {
		return Value{Kind: Module, S: "module " + name, Origin: &Origin{Text: name, Pos: pos}}, nil
	}
	if predefinedFuncs[name] {
		return Value{Kind: Func, S: name, Origin: &Origin{Text: name, Pos: pos}}, nil
	}
	return Value{}, errorAt(pos, name, fmt.Sprintf("name '%s' is not defined", name),
		fmt.Sprintf("xm would have failed with NameError; if it is a template variable, pass --var %s=VALUE", name))
}
