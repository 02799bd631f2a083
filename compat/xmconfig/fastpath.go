package xmconfig

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// Most lines of real configs are `name = literal`. participle's
// reflection-driven parser spends thousands of allocations on each of them
// (an atom sits fifteen productions deep), so Parse builds the syntax tree
// of such statements directly and hands only the remaining statements to
// the grammar, one statement (or compound statement) at a time. Both paths
// produce the same nodes; TestFastPathMatchesGrammar checks it.

// splitStatements cuts a token stream into top-level statements. A chunk
// is a simple line (up to its Newline) or a compound statement with its
// indented block and any elif/else/except/finally continuations.
func splitStatements(toks []lexer.Token) [][]lexer.Token {
	if len(toks) == 0 {
		return nil
	}
	var out [][]lexer.Token
	i := 0
	for i < len(toks) && toks[i].Type != lexer.EOF {
		if toks[i].Type == tokNewline {
			i++
			continue
		}
		start := i
		for {
			// to the end of this logical line
			for i < len(toks) && toks[i].Type != tokNewline && toks[i].Type != lexer.EOF {
				i++
			}
			if i < len(toks) && toks[i].Type == tokNewline {
				i++
			}
			// an indented block belongs to the statement
			if i < len(toks) && toks[i].Type == tokIndent {
				depth := 0
				for i < len(toks) && toks[i].Type != lexer.EOF {
					if toks[i].Type == tokIndent {
						depth++
					} else if toks[i].Type == tokDedent {
						depth--
						if depth == 0 {
							i++
							break
						}
					}
					i++
				}
			}
			if i < len(toks) && toks[i].Type == tokKeyword {
				switch toks[i].Value {
				case "elif", "else", "except", "finally":
					continue
				}
			}
			break
		}
		if i == start { // a stray Dedent or Indent: let the grammar report it
			i++
		}
		out = append(out, toks[start:i])
	}
	return out
}

// fastStmt builds the tree of `NAME = LITERAL NEWLINE`, where LITERAL is
// strings, a number, a negative number, or a (nested) list of those.
func fastStmt(toks []lexer.Token) *Stmt {
	if len(toks) < 2 || toks[len(toks)-1].Type != tokNewline {
		return nil
	}
	if toks[0].Type == tokKeyword && toks[0].Value == "import" {
		return fastImport(toks)
	}
	if toks[0].Type == tokName && (toks[1].Type != tokOp || toks[1].Value != "=") {
		// an expression statement such as xm_vars.check()
		p := &fastParser{toks: toks[:len(toks)-1]}
		val := p.value(0)
		if val == nil || p.i != len(p.toks) {
			return nil
		}
		return &Stmt{Pos: toks[0].Pos, Simple: []*SimpleStmt{{Pos: toks[0].Pos,
			Expr: &ExprStmt{Pos: toks[0].Pos, First: &TestList{Pos: val.Pos, Items: []*Test{val}}}}}}
	}
	if len(toks) < 4 || toks[0].Type != tokName || toks[1].Type != tokOp || toks[1].Value != "=" {
		return nil
	}
	if v, ok := literalValue(toks[2 : len(toks)-1]); ok {
		ls := &literalStmt{}
		ls.lit = LiteralAssign{Name: toks[0].Value, Value: v}
		ls.st = Stmt{Pos: toks[0].Pos, Literal: &ls.lit}
		return &ls.st
	}
	p := &fastParser{toks: toks[2 : len(toks)-1]}
	val := p.value(0)
	if val == nil || p.i != len(p.toks) {
		return nil
	}
	target := &TestList{Pos: toks[0].Pos, Items: []*Test{wrapAtom(&Atom{Pos: toks[0].Pos, Name: toks[0].Value}, toks[0].Pos)}}
	rhs := &TestList{Pos: val.Pos, Items: []*Test{val}}
	return &Stmt{Pos: toks[0].Pos, Simple: []*SimpleStmt{{Pos: toks[0].Pos,
		Expr: &ExprStmt{Pos: toks[0].Pos, First: target, Assign: []*TestList{rhs}}}}}
}

// literalStmt allocates a literal statement and its value at once.
type literalStmt struct {
	st  Stmt
	lit LiteralAssign
}

type fastParser struct {
	toks []lexer.Token
	i    int
}

func (p *fastParser) peek() *lexer.Token {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

func (p *fastParser) isOp(v string) bool {
	t := p.peek()
	return t != nil && t.Type == tokOp && t.Value == v
}

// value parses expr = term ("+" term)*, as a Test.
func (p *fastParser) value(depth int) *Test {
	ar := p.arith(depth)
	if ar == nil {
		return nil
	}
	return wrapArith(ar, ar.Pos)
}

// arith = term ("+" term)*
func (p *fastParser) arith(depth int) *Arith {
	if depth > maxNesting {
		return nil
	}
	t := p.peek()
	if t == nil {
		return nil
	}
	pos := t.Pos
	left := p.term(depth)
	if left == nil {
		return nil
	}
	ar := &Arith{Pos: pos, Left: left}
	for p.isOp("+") {
		opPos := p.peek().Pos
		p.i++
		r := p.term(depth)
		if r == nil {
			return nil
		}
		ar.Ops = append(ar.Ops, &ArithOp{Pos: opPos, Op: "+", Right: r})
	}
	return ar
}

// term = unit ("%" unit)*
func (p *fastParser) term(depth int) *Term {
	t := p.peek()
	if t == nil {
		return nil
	}
	pos := t.Pos
	left := p.unit(depth)
	if left == nil {
		return nil
	}
	tm := &Term{Pos: pos, Left: left}
	for p.isOp("%") {
		opPos := p.peek().Pos
		p.i++
		r := p.unit(depth)
		if r == nil {
			return nil
		}
		tm.Ops = append(tm.Ops, &TermOp{Pos: opPos, Op: "%", Right: r})
	}
	return tm
}

// unit = strings | number | "-" number | name | "(" expr ("," expr)* ")" | list
func (p *fastParser) unit(depth int) *Factor {
	t := p.peek()
	if t == nil {
		return nil
	}
	switch {
	case t.Type == tokString:
		a := &Atom{Pos: t.Pos}
		for t = p.peek(); t != nil && t.Type == tokString; t = p.peek() {
			a.Strings = append(a.Strings, t.Value)
			p.i++
		}
		return atomFactor(a)
	case t.Type == tokNumber:
		p.i++
		return atomFactor(&Atom{Pos: t.Pos, Number: t.Value})
	case t.Type == tokName:
		p.i++
		f := atomFactor(&Atom{Pos: t.Pos, Name: t.Value})
		if !p.trailers(f.Power.Primary, depth) {
			return nil
		}
		return f
	case t.Type == tokOp && t.Value == "-":
		n := p.i + 1
		if n >= len(p.toks) || p.toks[n].Type != tokNumber {
			return nil
		}
		p.i += 2
		return &Factor{Pos: t.Pos, Unary: "-", Operand: atomFactor(&Atom{Pos: p.toks[n].Pos, Number: p.toks[n].Value})}
	case t.Type == tokOp && (t.Value == "[" || t.Value == "("):
		open, closer := t.Pos, "]"
		if t.Value == "(" {
			closer = ")"
		}
		p.i++
		body := &ListBody{Pos: open}
		if !p.isOp(closer) {
			body.Pos = p.peek().Pos
			first := p.value(depth + 1)
			if first == nil {
				return nil
			}
			body.First = first
			for p.isOp(",") {
				p.i++
				if p.isOp(closer) {
					body.Comma = true
					break
				}
				v := p.value(depth + 1)
				if v == nil {
					return nil
				}
				body.Rest = append(body.Rest, v)
			}
		}
		if !p.isOp(closer) {
			return nil
		}
		p.i++
		if closer == ")" {
			return atomFactor(&Atom{Pos: open, Paren: body})
		}
		return atomFactor(&Atom{Pos: open, List: body})
	}
	return nil
}

// atomChain allocates the levels above an atom at once.
type atomChain struct {
	f  Factor
	pw Power
	pr Primary
}

func atomFactor(a *Atom) *Factor {
	c := &atomChain{}
	c.pr = Primary{Pos: a.Pos, Atom: a}
	c.pw = Power{Pos: a.Pos, Primary: &c.pr}
	c.f = Factor{Pos: a.Pos, Power: &c.pw}
	return &c.f
}

// testChain allocates the levels from Test down to Arith at once.
type testChain struct {
	t    Test
	or   OrTest
	orT  [1]*AndTest
	and  AndTest
	andT [1]*NotTest
	not  NotTest
	comp Comparison
	bit  BitExpr
}

func wrapAtom(a *Atom, pos lexer.Position) *Test {
	return wrapArith(&Arith{Pos: pos, Left: &Term{Pos: pos, Left: atomFactor(a)}}, pos)
}

func wrapArith(ar *Arith, pos lexer.Position) *Test {
	c := &testChain{}
	c.bit = BitExpr{Pos: pos, Left: ar}
	c.comp = Comparison{Pos: pos, Left: &c.bit}
	c.not = NotTest{Pos: pos, Comp: &c.comp}
	c.andT[0] = &c.not
	c.and = AndTest{Pos: pos, Terms: c.andT[:]}
	c.orT[0] = &c.and
	c.or = OrTest{Pos: pos, Terms: c.orT[:]}
	c.t = Test{Pos: pos, Or: &c.or}
	return &c.t
}

// trailers parses calls, attribute lookups and subscripts after a name.
func (p *fastParser) trailers(pr *Primary, depth int) bool {
	for {
		t := p.peek()
		if t == nil || t.Type != tokOp {
			return true
		}
		switch t.Value {
		case ".":
			p.i++
			n := p.peek()
			if n == nil || n.Type != tokName {
				return false
			}
			p.i++
			pr.Trailers = append(pr.Trailers, &Trailer{Pos: t.Pos, Attr: n.Value})
		case "[":
			p.i++
			v := p.value(depth + 1)
			if v == nil || !p.isOp("]") {
				return false
			}
			p.i++
			pr.Trailers = append(pr.Trailers, &Trailer{Pos: t.Pos, Index: &Subscript{Pos: v.Pos, Lower: v}})
		case "(":
			p.i++
			call := &CallArgs{Pos: t.Pos}
			if n := p.peek(); n != nil {
				call.Pos = n.Pos
			}
			for !p.isOp(")") {
				a := &Arg{}
				n := p.peek()
				if n == nil {
					return false
				}
				a.Pos = n.Pos
				if n.Type == tokName && p.i+1 < len(p.toks) && p.toks[p.i+1].Type == tokOp && p.toks[p.i+1].Value == "=" {
					a.Keyword = n.Value
					p.i += 2
				}
				a.Value = p.value(depth + 1)
				if a.Value == nil {
					return false
				}
				call.Args = append(call.Args, a)
				if !p.isOp(",") {
					break
				}
				p.i++
			}
			if !p.isOp(")") {
				return false
			}
			p.i++
			pr.Trailers = append(pr.Trailers, &Trailer{Pos: t.Pos, Call: call})
		default:
			return true
		}
	}
}

// fastImport builds `import a[.b] [as c], ...`.
func fastImport(toks []lexer.Token) *Stmt {
	st := &ImportStmt{Pos: toks[0].Pos}
	i := 1
	for {
		if i >= len(toks) || toks[i].Type != tokName {
			return nil
		}
		d := &DottedAs{Pos: toks[i].Pos, Path: []string{toks[i].Value}}
		i++
		for i+1 < len(toks) && toks[i].Type == tokOp && toks[i].Value == "." && toks[i+1].Type == tokName {
			d.Path = append(d.Path, toks[i+1].Value)
			i += 2
		}
		if i+1 < len(toks) && toks[i].Type == tokKeyword && toks[i].Value == "as" && toks[i+1].Type == tokName {
			d.As = toks[i+1].Value
			i += 2
		}
		st.Names = append(st.Names, d)
		if i < len(toks) && toks[i].Type == tokOp && toks[i].Value == "," {
			i++
			continue
		}
		break
	}
	if i != len(toks)-1 {
		return nil
	}
	return &Stmt{Pos: toks[0].Pos, Simple: []*SimpleStmt{{Pos: toks[0].Pos, Import: st}}}
}
