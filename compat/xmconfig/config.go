package xmconfig

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Config is an xm config file as xm would have seen it after running it:
// the values its type filter kept, and those it silently dropped.
type Config struct {
	// Name is the file's path as given.
	Name string
	// Settings are the names xm kept (str, int, float, list, or an opaque
	// runtime value), in order of first assignment. Command-line variables
	// come first.
	Settings []Setting
	// Ignored are the names xm's type filter silently dropped (bool, long,
	// tuple, dict, unicode, None); modules and functions are left out.
	Ignored []Setting
	// Comments are the file's comments with their positions.
	Comments []Comment
	// Diags are warnings and notes found while reading.
	Diags []*Diagnostic
}

// Get returns the kept setting called name.
func (c *Config) Get(name string) (Setting, bool) {
	for _, s := range c.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Load parses and evaluates an xm config file and applies xm's
// post-evaluation type filter (§1.1 step 4). Nothing is executed. A file
// that cannot be read safely returns an Error *Diagnostic.
func Load(filename string, src []byte, opts EvalOptions) (*Config, error) {
	if len(src) > 0 && src[0] == '<' {
		return nil, &Diagnostic{Pos: pos1(filename), Severity: Error,
			Msg:  "file starts with '<': xm read it as a Xen-API XML document, which is not supported",
			Hint: "convert the domain from its SXP (xm list -l) instead"}
	}
	p, err := Parse(filename, src)
	if err != nil {
		return nil, err
	}
	settings, diags, err := Evaluate(p, opts)
	if err != nil {
		return nil, err
	}
	// filter in place: settings belongs to this call
	c := &Config{Name: filename, Comments: p.Comments, Diags: diags, Settings: settings[:0]}
	if !utf8.Valid(src) {
		c.Diags = append(c.Diags, &Diagnostic{Pos: pos1(filename), Severity: Warning,
			Msg: "file is not valid UTF-8; bytes are carried through unchanged"})
	} else if hasNonASCIICode(src, p.Comments) {
		c.Diags = append(c.Diags, &Diagnostic{Pos: pos1(filename), Severity: Warning,
			Msg: "non-ASCII text without a coding cookie: Python 2.5+ would have rejected the file"})
	}
	for _, s := range settings {
		switch s.Value.Kind {
		case Str, Int, Float, List, Opaque:
			c.Settings = append(c.Settings, s)
		case Module, Func:
			// helpers: dropped by xm, not worth a warning
		default:
			c.Ignored = append(c.Ignored, s)
			c.Diags = append(c.Diags, &Diagnostic{Pos: s.Pos, Severity: Warning, Key: s.Name,
				Msg:  fmt.Sprintf("'%s' = %s was ignored by xm (only str/int/float/list values are used)", s.Name, shortRepr(s.Value)),
				Hint: "pass --honor-ignored to convert it"})
		}
	}
	return c, nil
}

func pos1(filename string) (p lexer.Position) {
	p.Filename, p.Line, p.Column = filename, 1, 1
	return p
}

// hasNonASCIICode reports non-ASCII bytes outside comments (a coding
// cookie in the first two lines makes them legal).
func hasNonASCIICode(src []byte, comments []Comment) bool {
	for _, c := range comments {
		if c.Pos.Line <= 2 && (containsStr(c.Text, "coding:") || containsStr(c.Text, "coding=")) {
			return false
		}
	}
	for _, b := range src {
		if b >= 0x80 {
			return true
		}
	}
	return false
}

func containsStr(s, sub string) bool {
	return strings.Contains(s, sub)
}

func shortRepr(v Value) string {
	s := v.Repr()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// BaseName is xm's default domain name: the config file's basename.
func BaseName(path string) string { return filepath.Base(path) }
