package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/xendshim/xendshim/compat/xmconfig"
)

// refusal is a conversion that cannot proceed.
type refusal struct {
	pos  lexer.Position
	key  string
	msg  string
	hint string
}

// Error implements error with file:line:col, the key, and a hint.
func (r *refusal) Error() string {
	d := &xmconfig.Diagnostic{Pos: r.pos, Severity: xmconfig.Error, Key: r.key, Msg: r.msg, Hint: r.hint}
	if r.key != "" {
		d.Msg = "'" + r.key + "': " + r.msg
	}
	return d.Error()
}

// conv holds one conversion in progress. Settings are xm's view of the
// domain (from an xm file, or rebuilt from SXP); each handler consumes the
// keys it understands.
type conv struct {
	source  string
	opts    Options
	set     map[string]xmconfig.Setting
	order   []string
	used    map[string]bool
	notes   []Note
	hvm     bool
	fromSXP bool
	// xlSource is set when the file is already written for xl (it uses
	// xl-only keys or disk syntax): xl's defaults then apply, not xm's.
	xlSource bool
	// comments of the source file, for Options.KeepComments
	comments []xmconfig.Comment
}

func newConv(source string, settings []xmconfig.Setting, opts Options) *conv {
	c := &conv{source: source, opts: opts, set: map[string]xmconfig.Setting{}, used: map[string]bool{}}
	for _, s := range settings {
		if _, ok := c.set[s.Name]; !ok {
			c.order = append(c.order, s.Name)
		}
		c.set[s.Name] = s
	}
	c.xlSource = looksLikeXL(settings)
	return c
}

// looksLikeXL reports whether settings come from a file written for xl.
func looksLikeXL(settings []xmconfig.Setting) bool {
	for _, s := range settings {
		switch {
		case s.Name == "type" || s.Name == "cmdline" || xlOnly[s.Name]:
			return true
		case s.Name == "disk" && s.Value.Kind == xmconfig.List:
			for _, it := range s.Value.Items {
				if it.Kind == xmconfig.Str && isXLDisk(it.S) {
					return true
				}
			}
		}
	}
	return false
}

func (c *conv) has(key string) bool { _, ok := c.set[key]; return ok }

func (c *conv) pos(key string) lexer.Position {
	if s, ok := c.set[key]; ok && s.Pos.Line > 0 {
		return s.Pos
	}
	return lexer.Position{Filename: c.source}
}

func (c *conv) note(key string, sev xmconfig.Severity, format string, args ...any) {
	c.notes = append(c.notes, Note{Pos: c.pos(key), Key: key, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

func (c *conv) refuse(key, hint, format string, args ...any) error {
	return &refusal{pos: c.pos(key), key: key, msg: fmt.Sprintf(format, args...), hint: hint}
}

// value fetches a key for an emitted setting: opaque runtime values are
// refused here (config.md §1.4, opaque-value rule).
func (c *conv) value(key string) (xmconfig.Value, bool, error) {
	s, ok := c.set[key]
	if !ok {
		return xmconfig.Value{}, false, nil
	}
	c.used[key] = true
	if s.Value.IsOpaque() {
		origin, opos := opaqueOrigin(s.Value)
		return xmconfig.Value{}, true, c.refuse(key, fmt.Sprintf("supply it with --set %s=... or edit the file", key),
			"value depends on runtime Python (%q at line %d)", origin, opos.Line)
	}
	return s.Value, true, nil
}

func opaqueOrigin(v xmconfig.Value) (string, lexer.Position) { return v.OpaqueOrigin() }

// str reads a string option; ints are accepted as xend str()-ed them.
func (c *conv) str(key string) (string, bool, error) {
	v, ok, err := c.value(key)
	if !ok || err != nil {
		return "", ok, err
	}
	switch v.Kind {
	case xmconfig.Str:
		return v.S, true, nil
	case xmconfig.Int, xmconfig.Float:
		return v.Str(), true, nil
	}
	return "", true, c.refuse(key, "write it as a string", "expected a string, got %s %s", v.Kind, shorten(v.Repr()))
}

// integer reads an integer option the way xend's int() did: ints, numeric
// strings, and integral floats.
func (c *conv) integer(key string) (int64, bool, error) {
	v, ok, err := c.value(key)
	if !ok || err != nil {
		return 0, ok, err
	}
	switch v.Kind {
	case xmconfig.Int:
		return v.I, true, nil
	case xmconfig.Float:
		if v.F == float64(int64(v.F)) {
			return int64(v.F), true, nil
		}
		return 0, true, c.refuse(key, "write a whole number", "%s is not an integer", shorten(v.Repr()))
	case xmconfig.Str:
		n, err := strconv.ParseInt(strings.TrimSpace(v.S), 10, 64)
		if err != nil && c.fromSXP {
			// xend printed float-typed fields such as cpu_weight as "1.0"
			if f, ferr := strconv.ParseFloat(strings.TrimSpace(v.S), 64); ferr == nil && f == float64(int64(f)) {
				return int64(f), true, nil
			}
		}
		if err != nil {
			return 0, true, c.refuse(key, "write a whole number", "%s is not an integer (xend's int() failed on it too)", shorten(v.Repr()))
		}
		return n, true, nil
	}
	return 0, true, c.refuse(key, "write a whole number", "expected an integer, got %s %s", v.Kind, shorten(v.Repr()))
}

// boolean reads a 0/1 option (any non-zero integer is true).
func (c *conv) boolean(key string) (bool, bool, error) {
	n, ok, err := c.integer(key)
	return n != 0, ok, err
}

// strList reads a list of strings; a bare string is xm's error (it
// iterated the characters) unless Lenient.
func (c *conv) strList(key string, bareOK bool) ([]string, bool, error) {
	v, ok, err := c.value(key)
	if !ok || err != nil {
		return nil, ok, err
	}
	switch v.Kind {
	case xmconfig.Str:
		if bareOK {
			return []string{v.S}, true, nil
		}
		if !c.opts.Lenient {
			return nil, true, c.refuse(key, "write it as a list: "+key+" = [ "+shorten(v.Repr())+" ], or pass --lenient",
				"a bare string where xm expects a list (xm iterated its characters and failed)")
		}
		c.note(key, xmconfig.Warning, "bare string wrapped in a list (--lenient); xm could not use this value")
		return []string{v.S}, true, nil
	case xmconfig.List:
		out := make([]string, 0, len(v.Items))
		for _, it := range v.Items {
			switch it.Kind {
			case xmconfig.Str:
				out = append(out, it.S)
			case xmconfig.Int:
				out = append(out, it.Str())
			default:
				return nil, true, c.refuse(key, "use strings", "list element %s is a %s, not a string", shorten(it.Repr()), it.Kind)
			}
		}
		return out, true, nil
	}
	return nil, true, c.refuse(key, "write it as a list of strings", "expected a list, got %s", v.Kind)
}
