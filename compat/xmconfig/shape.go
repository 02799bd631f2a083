package xmconfig

// Helpers that recognise syntax-tree shapes (a plain name, a bare primary)
// and render them for messages.

import "strings"

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
