package xmconfig

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Setting is one name bound by a config file, with the position of its
// last assignment.
type Setting struct {
	Name  string
	Value Value
	Pos   lexer.Position
}

// EvalOptions controls evaluation.
type EvalOptions struct {
	// Vars are the VAR=VALUE words of `xm create` (xendshim's --var). As in
	// xm they arrive as strings, unless the file declares them with the
	// xm_vars template and an int() check.
	Vars map[string]string
}

// binding is the evaluator's record of a local name.
type binding struct {
	value   Value
	pos     lexer.Position
	fromVar bool
}

type funcInfo struct {
	name     string
	pos      lexer.Position
	intCheck bool // the body starts with `val = int(val)`
}

type declaredVar struct {
	name  string
	pos   lexer.Position
	check *funcInfo
}

type evaluator struct {
	file      string
	src       []byte
	env       map[string]*binding
	slab      []binding // bindings are allocated from here in blocks
	order     []string
	diags     []*Diagnostic
	vars      map[string]string
	funcs     map[string]*funcInfo
	declared  []declaredVar
	inTest    int    // >0 while evaluating an if test
	opaqueIf  string // non-empty while inside a branch of an opaque if
	opaquePos lexer.Position
	steps     int
}

// maxSteps bounds the evaluator's work on one file.
const maxSteps = 1 << 20

// predefined are the names xm's exec environment held before the file ran
// (§1.1): modules, helpers from xen.util.ip, and the xm_vars template.
var predefinedModules = map[string]bool{"sys": true, "os": true, "re": true, "socket": true, "struct": true, "errno": true}
var predefinedFuncs = map[string]bool{
	"get_defaultroute": true, "get_current_ipaddr": true, "get_current_ipmask": true,
	"get_current_ipgw": true, "inet_aton": true, "inet_ntoa": true, "add_offset_to_ip": true,
	"check_subnet": true, "Vars": true,
	// Python builtins that configs reach for; calling one is refused.
	"int": true, "str": true, "len": true, "range": true, "open": true, "file": true, "eval": true,
	"execfile": true, "input": true, "raw_input": true, "list": true, "dict": true, "tuple": true,
	"float": true, "bool": true, "hex": true, "oct": true, "abs": true, "min": true, "max": true,
	"map": true, "filter": true, "zip": true, "sorted": true, "getattr": true, "setattr": true,
	"__import__": true, "globals": true, "locals": true, "vars": true, "repr": true, "unicode": true, "long": true,
}

// importable are the modules an `import` may name (tier B).
var importable = map[string]bool{"os": true, "os.path": true, "sys": true, "re": true, "string": true,
	"commands": true, "socket": true, "time": true}

// safeCalls are the calls recognised as tier B idioms: they have no side
// effects, and their result is an opaque runtime value.
var safeCalls = map[string]bool{
	"os.uname": true, "os.getenv": true, "os.path.exists": true, "os.path.isfile": true,
	"os.path.isdir": true, "os.path.join": true, "os.path.basename": true, "os.path.dirname": true,
	"os.path.abspath": true, "re.search": true, "re.match": true, "socket.gethostname": true,
	"string.upper": true, "string.lower": true, "string.strip": true,
}

// Evaluate runs the symbolic evaluator over a parsed file and returns every
// local name the file leaves bound (before xm's type filter). Nothing is
// executed. A construct outside tiers A and B stops evaluation with an
// Error *Diagnostic.
func Evaluate(p *Parsed, opts EvalOptions) ([]Setting, []*Diagnostic, error) {
	e := &evaluator{env: make(map[string]*binding, 8), vars: opts.Vars, funcs: map[string]*funcInfo{},
		order: make([]string, 0, 16)}
	if len(p.File.Stmts) > 0 {
		e.file = p.File.Stmts[0].Pos.Filename
	}
	names := make([]string, 0, len(opts.Vars))
	for k := range opts.Vars {
		names = append(names, k)
	}
	sortStrings(names)
	for _, k := range names {
		e.bind(k, StrValue(opts.Vars[k]), lexer.Position{Filename: e.file}, true)
	}
	for _, st := range p.File.Stmts {
		if err := e.stmt(st); err != nil {
			return nil, e.diags, err
		}
	}
	out := make([]Setting, 0, len(e.order))
	for _, n := range e.order {
		b := e.env[n]
		out = append(out, Setting{Name: n, Value: b.value, Pos: b.pos})
	}
	return out, e.diags, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (e *evaluator) bind(name string, v Value, pos lexer.Position, fromVar bool) {
	if e.opaqueIf != "" && v.Kind != Module && v.Kind != Func {
		v = Value{Kind: Opaque, S: "value chosen at run time", Origin: &Origin{Text: e.opaqueIf, Pos: e.opaquePos}}
	}
	if b, ok := e.env[name]; ok {
		b.value, b.pos, b.fromVar = v, pos, fromVar
		return
	}
	if len(e.slab) == cap(e.slab) {
		e.slab = make([]binding, 0, 8)
	}
	e.slab = append(e.slab, binding{value: v, pos: pos, fromVar: fromVar})
	e.env[name] = &e.slab[len(e.slab)-1]
	e.order = append(e.order, name)
}

func (e *evaluator) warn(pos lexer.Position, key, msg, hint string) {
	e.diags = append(e.diags, &Diagnostic{Pos: pos, Severity: Warning, Key: key, Msg: msg, Hint: hint})
}

// refuse builds the tier C error for an unsupported construct.
func refuse(pos lexer.Position, construct, hint string) error {
	if hint == "" {
		hint = "replace it with a literal value"
	}
	return &Diagnostic{Pos: pos, Severity: Error,
		Msg:  fmt.Sprintf("unsupported Python construct %q; xendshim never executes config files", construct),
		Hint: hint}
}

func errorAt(pos lexer.Position, key, msg, hint string) error {
	return &Diagnostic{Pos: pos, Severity: Error, Key: key, Msg: msg, Hint: hint}
}

func (e *evaluator) step(pos lexer.Position) error {
	e.steps++
	if e.steps > maxSteps {
		return errorAt(pos, "", "evaluation too large", "the file is far bigger than any xm config")
	}
	return nil
}

func (e *evaluator) stmt(st *Stmt) error {
	if err := e.step(st.Pos); err != nil {
		return err
	}
	switch {
	case st.Literal != nil:
		e.bind(st.Literal.Name, st.Literal.Value, st.Pos, false)
		return nil
	case st.If != nil:
		return e.ifStmt(st.If)
	case st.Def != nil:
		return e.def(st.Def)
	case st.Other != nil:
		return refuse(st.Other.Pos, st.Other.Keyword+" statement", "loops, classes and exception handling are not evaluated; write the resulting values as literals")
	}
	for _, s := range st.Simple {
		if s == nil {
			continue
		}
		if err := e.simple(s); err != nil {
			return err
		}
	}
	return nil
}

func (e *evaluator) suite(s *Suite) error {
	for _, st := range s.Block {
		if err := e.stmt(st); err != nil {
			return err
		}
	}
	for _, ss := range s.Simple {
		if ss == nil {
			continue
		}
		if err := e.simple(ss); err != nil {
			return err
		}
	}
	return nil
}

func (e *evaluator) simple(s *SimpleStmt) error {
	switch {
	case s.Pass:
		return nil
	case s.Import != nil:
		for _, d := range s.Import.Names {
			mod := strings.Join(d.Path, ".")
			if !importable[mod] {
				return refuse(d.Pos, "import "+mod, "only os, os.path, sys, re, string, commands, socket and time may be imported; remove the import")
			}
			name := d.Path[0]
			if d.As != "" {
				name = d.As
			}
			e.bind(name, Value{Kind: Module, S: "module " + mod, Origin: &Origin{Text: mod, Pos: d.Pos}}, d.Pos, false)
		}
		e.warn(s.Pos, "", "import was not executed; the modules are runtime values that may only feed keys the converter drops", "")
		return nil
	case s.From != nil:
		mod := strings.Join(s.From.Module, ".")
		if !importable[mod] {
			return refuse(s.From.Pos, "from "+mod+" import", "only os, os.path, sys, re, string, commands, socket and time may be imported; remove the import")
		}
		if s.From.Star {
			return refuse(s.From.Pos, "from "+mod+" import *", "import names explicitly")
		}
		for _, d := range s.From.Names {
			name := d.Path[len(d.Path)-1]
			if d.As != "" {
				name = d.As
			}
			full := mod + "." + strings.Join(d.Path, ".")
			e.bind(name, Value{Kind: Func, S: full, Origin: &Origin{Text: full, Pos: d.Pos}}, d.Pos, false)
		}
		e.warn(s.Pos, "", "import was not executed; the names are runtime values that may only feed keys the converter drops", "")
		return nil
	case s.Unsupported != nil:
		return refuse(s.Unsupported.Pos, s.Unsupported.Keyword+" statement", "")
	}
	return e.exprStmt(s.Expr)
}

func (e *evaluator) exprStmt(x *ExprStmt) error {
	switch {
	case x.AugOp != "":
		name, ok := simpleName(x.First)
		if !ok {
			return refuse(x.Pos, "augmented assignment to an expression", "assign to a plain name")
		}
		b, ok := e.env[name]
		if !ok {
			return errorAt(x.Pos, name, fmt.Sprintf("name '%s' is not defined before '%s'", name, x.AugOp), "xm would have failed with NameError")
		}
		rhs, err := e.testList(x.AugVal)
		if err != nil {
			return err
		}
		op := strings.TrimSuffix(x.AugOp, "=")
		v, err := e.binop(x.Pos, op, b.value, rhs)
		if err != nil {
			return err
		}
		e.bind(name, v, x.Pos, false)
		return nil
	case len(x.Assign) > 0:
		targets := append([]*TestList{x.First}, x.Assign[:len(x.Assign)-1]...)
		for _, t := range targets {
			if _, ok := simpleName(t); !ok {
				return refuse(t.Pos, "assignment to "+describeTarget(t), "assign each value to a plain name")
			}
		}
		v, err := e.testList(x.Assign[len(x.Assign)-1])
		if err != nil {
			return err
		}
		for _, t := range targets {
			name, _ := simpleName(t)
			e.bind(name, v, t.Pos, false)
		}
		return nil
	}
	// A bare expression: a docstring, or the xm_vars template calls.
	if len(x.First.Items) == 1 && !x.First.Comma {
		if p := primaryOf(x.First.Items[0]); p != nil {
			if len(p.Trailers) == 0 && len(p.Atom.Strings) > 0 {
				return nil
			}
			if p.Atom.Name == "xm_vars" && len(p.Trailers) == 2 && p.Trailers[0].Attr != "" && p.Trailers[1].Call != nil {
				if _, shadowed := e.env["xm_vars"]; !shadowed {
					return e.xmVars(p.Trailers[0].Attr, p.Trailers[1].Call, p.Pos)
				}
			}
		}
	}
	return refuse(x.Pos, "expression statement "+describeTarget(x.First), "a config file may only assign values; remove the statement")
}

// simpleName reports the name when the target list is a single plain name.
func simpleName(t *TestList) (string, bool) {
	if len(t.Items) != 1 || t.Comma {
		return "", false
	}
	p := primaryOf(t.Items[0])
	if p == nil || len(p.Trailers) > 0 || p.Atom.Name == "" {
		return "", false
	}
	return p.Atom.Name, true
}

// primaryOf digs the Primary out of a Test made of nothing else.
func primaryOf(t *Test) *Primary {
	if t == nil || t.Or == nil || t.Cond != nil || len(t.Or.Terms) != 1 {
		return nil
	}
	a := t.Or.Terms[0]
	if len(a.Terms) != 1 || a.Terms[0].Comp == nil {
		return nil
	}
	c := a.Terms[0].Comp
	if len(c.Ops) > 0 || len(c.Left.Ops) > 0 || len(c.Left.Left.Ops) > 0 || len(c.Left.Left.Left.Ops) > 0 {
		return nil
	}
	f := c.Left.Left.Left.Left
	if f.Power == nil || f.Power.Exponent != nil {
		return nil
	}
	return f.Power.Primary
}

func describeTarget(t *TestList) string {
	if len(t.Items) == 1 {
		if p := primaryOf(t.Items[0]); p != nil {
			return dottedName(p, len(p.Trailers))
		}
	}
	if len(t.Items) > 1 || t.Comma {
		return "a tuple"
	}
	return "an expression"
}

// dottedName renders a primary's first n trailers: os.path.join(...)[...]
func dottedName(p *Primary, n int) string {
	var b strings.Builder
	switch {
	case p.Atom.Name != "":
		b.WriteString(p.Atom.Name)
	case len(p.Atom.Strings) > 0:
		b.WriteString("'...'")
	case p.Atom.Number != "":
		b.WriteString(p.Atom.Number)
	default:
		b.WriteString("(...)")
	}
	for _, t := range p.Trailers[:n] {
		switch {
		case t.Attr != "":
			b.WriteString("." + t.Attr)
		case t.Call != nil:
			b.WriteString("(...)")
		default:
			b.WriteString("[...]")
		}
	}
	return b.String()
}

func (e *evaluator) def(d *DefStmt) error {
	fi := &funcInfo{name: d.Name, pos: d.Pos}
	// Recognise `val = int(val)` as the body's first statement.
	var first *SimpleStmt
	if len(d.Body.Block) > 0 && len(d.Body.Block[0].Simple) > 0 {
		first = d.Body.Block[0].Simple[0]
	} else if len(d.Body.Simple) > 0 {
		first = d.Body.Simple[0]
	}
	if first != nil && first.Expr != nil && len(first.Expr.Assign) == 1 && len(d.Params) > 0 {
		if n, ok := simpleName(first.Expr.First); ok {
			rhs := first.Expr.Assign[0]
			if len(rhs.Items) == 1 && !rhs.Comma {
				if p := primaryOf(rhs.Items[0]); p != nil && p.Atom.Name == "int" && len(p.Trailers) == 1 && p.Trailers[0].Call != nil {
					if args := p.Trailers[0].Call.Args; len(args) == 1 {
						if ap := primaryOf(args[0].Value); ap != nil && ap.Atom.Name == n && len(ap.Trailers) == 0 {
							fi.intCheck = true
						}
					}
				}
			}
		}
	}
	e.funcs[d.Name] = fi
	e.bind(d.Name, Value{Kind: Func, S: "function " + d.Name, Origin: &Origin{Text: d.Name + "()", Pos: d.Pos}}, d.Pos, false)
	e.warn(d.Pos, "", fmt.Sprintf("function %s was recorded, not executed", d.Name), "")
	return nil
}

// xmVars handles the xm_vars template: xm_vars.var(NAME, use=..., check=F)
// declares a variable, xm_vars.check() converts the declared ones.
func (e *evaluator) xmVars(method string, call *CallArgs, pos lexer.Position) error {
	switch method {
	case "var":
		var name string
		var check *funcInfo
		for i, a := range call.Args {
			if a.Star != "" || a.For != nil {
				return refuse(a.Pos, "xm_vars.var(*args)", "")
			}
			switch {
			case a.Keyword == "" && i == 0, a.Keyword == "name":
				v, err := e.test(a.Value)
				if err != nil {
					return err
				}
				if v.Kind != Str {
					return errorAt(a.Pos, "", "xm_vars.var expects the variable name as a string", "")
				}
				name = v.S
			case a.Keyword == "check":
				p := primaryOf(a.Value)
				if p == nil || p.Atom.Name == "" || len(p.Trailers) > 0 || e.funcs[p.Atom.Name] == nil {
					return refuse(a.Pos, "xm_vars.var check= that is not a function defined in this file", "")
				}
				check = e.funcs[p.Atom.Name]
			case a.Keyword == "use":
				if _, err := e.test(a.Value); err != nil {
					return err
				}
			default:
				return refuse(a.Pos, "xm_vars.var argument "+a.Keyword, "")
			}
		}
		if name == "" {
			return errorAt(pos, "", "xm_vars.var without a variable name", "")
		}
		e.declared = append(e.declared, declaredVar{name: name, pos: pos, check: check})
		return nil
	case "check":
		if len(call.Args) > 0 {
			return refuse(pos, "xm_vars.check with arguments", "")
		}
		for _, d := range e.declared {
			raw, ok := e.vars[d.name]
			if !ok {
				return errorAt(d.pos, d.name, fmt.Sprintf("variable '%s' is declared by xm_vars.var but was not given", d.name),
					fmt.Sprintf("pass --var %s=VALUE, as xm needed `xm create FILE %s=VALUE`", d.name, d.name))
			}
			if d.check == nil {
				continue
			}
			if !d.check.intCheck {
				e.warn(d.check.pos, d.name, fmt.Sprintf("check function %s of '%s' was not executed; the value stays a string", d.check.name, d.name), "")
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
			if err != nil {
				return errorAt(d.pos, d.name, fmt.Sprintf("--var %s=%q: %s would fail: invalid literal for int()", d.name, raw, d.check.name), "give an integer")
			}
			e.bind(d.name, IntValue(n), d.pos, true)
		}
		return nil
	}
	return refuse(pos, "xm_vars."+method+"(...)", "only xm_vars.var and xm_vars.check are recognised")
}

func (e *evaluator) ifStmt(s *IfStmt) error {
	type branch struct {
		test *Test
		body *Suite
		pos  lexer.Position
	}
	branches := []branch{{s.Test, s.Body, s.Pos}}
	for _, el := range s.Elifs {
		branches = append(branches, branch{el.Test, el.Body, el.Pos})
	}
	if s.Else != nil {
		branches = append(branches, branch{nil, s.Else, s.Pos})
	}
	for i, br := range branches {
		if br.test == nil {
			return e.suite(br.body)
		}
		e.inTest++
		v, err := e.test(br.test)
		e.inTest--
		if err != nil {
			return err
		}
		if v.IsOpaque() || e.opaqueIf != "" {
			origin, opos := v.OpaqueOrigin()
			if e.opaqueIf != "" {
				origin, opos = e.opaqueIf, e.opaquePos
			}
			// Every remaining branch is evaluated for errors; every name it
			// assigns becomes a runtime value.
			saved, savedPos := e.opaqueIf, e.opaquePos
			e.opaqueIf, e.opaquePos = origin, opos
			for _, rb := range branches[i:] {
				if rb.test != nil && rb.test != br.test {
					e.inTest++
					_, err := e.test(rb.test)
					e.inTest--
					if err != nil {
						return err
					}
				}
				if err := e.suite(rb.body); err != nil {
					return err
				}
			}
			e.opaqueIf, e.opaquePos = saved, savedPos
			if saved == "" {
				e.warn(br.pos, "", fmt.Sprintf("if statement depends on the runtime value %s (line %d); the names it assigns are runtime values", origin, opos.Line), "")
			}
			return nil
		}
		if v.Truth() {
			return e.suite(br.body)
		}
	}
	return nil
}
