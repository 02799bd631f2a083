package xmconfig

import (
	"fmt"
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

type evaluator struct {
	file      string
	src       []byte
	env       map[string]int // name -> index in settings
	settings  []Setting      // every local, in order of first assignment
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
	e := &evaluator{env: make(map[string]int, 8), vars: opts.Vars, funcs: map[string]*funcInfo{},
		settings: make([]Setting, 0, 16)}
	if len(p.File.Stmts) > 0 {
		e.file = p.File.Stmts[0].Pos.Filename
	}
	names := make([]string, 0, len(opts.Vars))
	for k := range opts.Vars {
		names = append(names, k)
	}
	sortStrings(names)
	for _, k := range names {
		e.bind(k, StrValue(opts.Vars[k]), lexer.Position{Filename: e.file})
	}
	for _, st := range p.File.Stmts {
		if err := e.stmt(st); err != nil {
			return nil, e.diags, err
		}
	}
	return e.settings, e.diags, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (e *evaluator) bind(name string, v Value, pos lexer.Position) {
	if e.opaqueIf != "" && v.Kind != Module && v.Kind != Func {
		v = Value{Kind: Opaque, S: "value chosen at run time", Origin: &Origin{Text: e.opaqueIf, Pos: e.opaquePos}}
	}
	if i, ok := e.env[name]; ok {
		e.settings[i].Value, e.settings[i].Pos = v, pos
		return
	}
	e.env[name] = len(e.settings)
	e.settings = append(e.settings, Setting{Name: name, Value: v, Pos: pos})
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
		e.bind(st.Literal.Name, st.Literal.Value, st.Pos)
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
			e.bind(name, Value{Kind: Module, S: "module " + mod, Origin: &Origin{Text: mod, Pos: d.Pos}}, d.Pos)
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
			e.bind(name, Value{Kind: Func, S: full, Origin: &Origin{Text: full, Pos: d.Pos}}, d.Pos)
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
		i, ok := e.env[name]
		if !ok {
			return errorAt(x.Pos, name, fmt.Sprintf("name '%s' is not defined before '%s'", name, x.AugOp), "xm would have failed with NameError")
		}
		rhs, err := e.testList(x.AugVal)
		if err != nil {
			return err
		}
		op := strings.TrimSuffix(x.AugOp, "=")
		v, err := e.binop(x.Pos, op, e.settings[i].Value, rhs)
		if err != nil {
			return err
		}
		e.bind(name, v, x.Pos)
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
			e.bind(name, v, t.Pos)
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
