package xmconfig

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// The fast path for compound statements: `def NAME(params):` and
// if/elif/else with indented blocks of simple lines, pass, return, raise
// and nested ifs, and tests built from comparisons, and, or and not. This
// covers the vmid template and the arch_libdir idiom; anything else in a
// compound statement goes to the grammar.

// fastCompound reads a whole compound statement chunk, or returns nil.
func fastCompound(toks []lexer.Token) *Stmt {
	p := &fastParser{toks: toks}
	st := p.compound(0)
	if st == nil || p.i != len(toks) {
		return nil
	}
	return st
}

func (p *fastParser) isKeyword(v string) bool {
	t := p.peek()
	return t != nil && t.Type == tokKeyword && t.Value == v
}

func (p *fastParser) isType(tt lexer.TokenType) bool {
	t := p.peek()
	return t != nil && t.Type == tt
}

func (p *fastParser) compound(depth int) *Stmt {
	t := p.peek()
	if t == nil || t.Type != tokKeyword || depth > maxNesting {
		return nil
	}
	switch t.Value {
	case "if":
		s := p.ifStmt(depth)
		if s == nil {
			return nil
		}
		return &Stmt{Pos: t.Pos, If: s}
	case "def":
		s := p.defStmt(depth)
		if s == nil {
			return nil
		}
		return &Stmt{Pos: t.Pos, Def: s}
	}
	return nil
}

func (p *fastParser) defStmt(depth int) *DefStmt {
	t := p.peek()
	p.i++
	name := p.peek()
	if name == nil || name.Type != tokName {
		return nil
	}
	p.i++
	if !p.isOp("(") {
		return nil
	}
	p.i++
	d := &DefStmt{Pos: t.Pos, Name: name.Value}
	for !p.isOp(")") {
		n := p.peek()
		if n == nil || !(n.Type == tokName || (n.Type == tokOp && n.Value == ",")) {
			return nil
		}
		d.Params = append(d.Params, n.Value)
		p.i++
	}
	p.i++
	if !p.isOp(":") {
		return nil
	}
	p.i++
	d.Body = p.block(depth)
	if d.Body == nil {
		return nil
	}
	return d
}

func (p *fastParser) ifStmt(depth int) *IfStmt {
	t := p.peek()
	p.i++
	s := &IfStmt{Pos: t.Pos}
	if s.Test = p.test(depth); s.Test == nil || !p.isOp(":") {
		return nil
	}
	p.i++
	if s.Body = p.block(depth); s.Body == nil {
		return nil
	}
	for p.isKeyword("elif") {
		e := &Elif{Pos: p.peek().Pos}
		p.i++
		if e.Test = p.test(depth); e.Test == nil || !p.isOp(":") {
			return nil
		}
		p.i++
		if e.Body = p.block(depth); e.Body == nil {
			return nil
		}
		s.Elifs = append(s.Elifs, e)
	}
	if p.isKeyword("else") {
		p.i++
		if !p.isOp(":") {
			return nil
		}
		p.i++
		if s.Else = p.block(depth); s.Else == nil {
			return nil
		}
	}
	return s
}

// block = NEWLINE INDENT stmt+ DEDENT
func (p *fastParser) block(depth int) *Suite {
	if !p.isType(tokNewline) {
		return nil
	}
	p.i++
	if !p.isType(tokIndent) {
		return nil
	}
	p.i++
	s := &Suite{}
	for !p.isType(tokDedent) {
		if p.peek() == nil {
			return nil
		}
		if p.isType(tokKeyword) && (p.isKeyword("if") || p.isKeyword("def")) {
			st := p.compound(depth + 1)
			if st == nil {
				return nil
			}
			s.Block = append(s.Block, st)
			continue
		}
		end := p.i
		for end < len(p.toks) && p.toks[end].Type != tokNewline {
			end++
		}
		if end >= len(p.toks) {
			return nil
		}
		st := fastLine(p.toks[p.i : end+1])
		if st == nil {
			return nil
		}
		s.Block = append(s.Block, st)
		p.i = end + 1
	}
	p.i++
	if len(s.Block) == 0 {
		return nil
	}
	return s
}

// fastLine reads one simple line inside a block.
func fastLine(line []lexer.Token) *Stmt {
	t := line[0]
	if t.Type == tokKeyword {
		switch t.Value {
		case "pass":
			if len(line) == 2 {
				return &Stmt{Pos: t.Pos, Simple: []*SimpleStmt{{Pos: t.Pos, Pass: true}}}
			}
			return nil
		case "return", "raise":
			u := &Unsupported{Pos: t.Pos, Keyword: t.Value}
			if len(line) > 2 {
				p := &fastParser{toks: line[1 : len(line)-1]}
				v := p.value(0)
				if v == nil || p.i != len(p.toks) {
					return nil
				}
				u.Rest = []*Test{v}
			}
			return &Stmt{Pos: t.Pos, Simple: []*SimpleStmt{{Pos: t.Pos, Unsupported: u}}}
		}
	}
	st := fastStmt(line)
	if st != nil && st.Literal != nil {
		// inside blocks keep the grammar's node shape
		pos := line[0].Pos
		p := &fastParser{toks: line[2 : len(line)-1]}
		val := p.value(0)
		if val == nil || p.i != len(p.toks) {
			return nil
		}
		target := &TestList{Pos: pos, Items: []*Test{wrapAtom(&Atom{Pos: pos, Name: line[0].Value}, pos)}}
		return &Stmt{Pos: pos, Simple: []*SimpleStmt{{Pos: pos, Expr: &ExprStmt{Pos: pos, First: target,
			Assign: []*TestList{{Pos: val.Pos, Items: []*Test{val}}}}}}}
	}
	return st
}

// test = and-test ("or" and-test)*
func (p *fastParser) test(depth int) *Test {
	t := p.peek()
	if t == nil || depth > maxNesting {
		return nil
	}
	or := &OrTest{Pos: t.Pos}
	for {
		a := p.andTest(depth)
		if a == nil {
			return nil
		}
		or.Terms = append(or.Terms, a)
		if !p.isKeyword("or") {
			break
		}
		p.i++
	}
	return &Test{Pos: t.Pos, Or: or}
}

func (p *fastParser) andTest(depth int) *AndTest {
	t := p.peek()
	if t == nil {
		return nil
	}
	and := &AndTest{Pos: t.Pos}
	for {
		n := p.notTest(depth)
		if n == nil {
			return nil
		}
		and.Terms = append(and.Terms, n)
		if !p.isKeyword("and") {
			break
		}
		p.i++
	}
	return and
}

func (p *fastParser) notTest(depth int) *NotTest {
	t := p.peek()
	if t == nil || depth > maxNesting {
		return nil
	}
	if t.Type == tokKeyword && t.Value == "not" {
		p.i++
		inner := p.notTest(depth + 1)
		if inner == nil {
			return nil
		}
		return &NotTest{Pos: t.Pos, Not: inner}
	}
	c := p.comparison(depth)
	if c == nil {
		return nil
	}
	return &NotTest{Pos: t.Pos, Comp: c}
}

func (p *fastParser) bitExpr(depth int) *BitExpr {
	ar := p.arith(depth)
	if ar == nil {
		return nil
	}
	return &BitExpr{Pos: ar.Pos, Left: ar}
}

func (p *fastParser) comparison(depth int) *Comparison {
	left := p.bitExpr(depth)
	if left == nil {
		return nil
	}
	c := &Comparison{Pos: left.Pos, Left: left}
	for {
		t := p.peek()
		if t == nil {
			return c
		}
		op := &CompOp{Pos: t.Pos}
		switch {
		case t.Type == tokOp && (t.Value == "<" || t.Value == ">" || t.Value == "==" || t.Value == ">=" || t.Value == "<=" || t.Value == "!=" || t.Value == "<>"):
			op.Op = t.Value
			p.i++
		case t.Type == tokKeyword && t.Value == "in":
			op.Op = "in"
			p.i++
		default:
			return c
		}
		if op.Right = p.bitExpr(depth); op.Right == nil {
			return nil
		}
		c.Ops = append(c.Ops, op)
	}
}
