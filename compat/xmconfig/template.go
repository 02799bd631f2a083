package xmconfig

// The xm_vars template of xmexample2/3 and xmdefaults (config.md §1.1):
// def vmid_check(var, val) recorded, xm_vars.var declaring a variable,
// xm_vars.check converting the given value.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

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
	e.bind(d.Name, Value{Kind: Func, S: "function " + d.Name, Origin: &Origin{Text: d.Name + "()", Pos: d.Pos}}, d.Pos)
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
			e.bind(d.name, IntValue(n), d.pos)
		}
		return nil
	}
	return refuse(pos, "xm_vars."+method+"(...)", "only xm_vars.var and xm_vars.check are recognised")
}
