package xlcfg

import (
	"fmt"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// Setting is one key as written, so that a test can check that libxlu
// reads it back: Type is 's' (string), 'l' (number) or 'L' (list of
// strings).
type Setting struct {
	Key  string
	Type byte
	S    string
	N    int64
	List []string
}

// writer builds xl.cfg text line by line; the first refused value is kept
// in err and ends the emission.
type writer struct {
	b   strings.Builder
	err error
	rec []Setting
}

func (w *writer) fail(key string, err error) {
	if w.err == nil {
		w.err = fmt.Errorf("%s: %w", key, err)
	}
}

func (w *writer) str(key, val string) {
	q, err := Quote(val)
	if err != nil {
		w.fail(key, err)
		return
	}
	fmt.Fprintf(&w.b, "%s = %s\n", key, q)
	w.rec = append(w.rec, Setting{Key: key, Type: 's', S: val})
}

// optStr writes key only when val is not empty.
func (w *writer) optStr(key, val string) {
	if val != "" {
		w.str(key, val)
	}
}

// num writes a number; a negative one is quoted, as libxlu's lexer has no
// minus sign (xl parses the string as a number).
func (w *writer) num(key string, n int64) {
	w.rec = append(w.rec, Setting{Key: key, Type: 'l', N: n})
	if n < 0 {
		fmt.Fprintf(&w.b, "%s = \"%d\"\n", key, n)
		return
	}
	fmt.Fprintf(&w.b, "%s = %d\n", key, n)
}

func (w *writer) flag(key string, d toolstack.Defbool) {
	if d == toolstack.DefboolDefault {
		return
	}
	if d.IsTrue() {
		w.num(key, 1)
	} else {
		w.num(key, 0)
	}
}

// list writes a list of strings on one line when short, else one item a
// line.
func (w *writer) list(key string, vals []string) {
	if len(vals) == 0 {
		return
	}
	w.rec = append(w.rec, Setting{Key: key, Type: 'L', List: vals})
	quoted := make([]string, len(vals))
	width := 0
	for i, v := range vals {
		q, err := Quote(v)
		if err != nil {
			w.fail(key, err)
		}
		quoted[i] = q
		width += len(q) + 2
	}
	if width < 64 {
		fmt.Fprintf(&w.b, "%s = [ %s ]\n", key, strings.Join(quoted, ", "))
		return
	}
	fmt.Fprintf(&w.b, "%s = [\n", key)
	for _, q := range quoted {
		fmt.Fprintf(&w.b, "    %s,\n", q)
	}
	w.b.WriteString("]\n")
}

// numList writes a list of numbers written as bare words (irqs).
func (w *writer) numList(key string, vals []string) {
	if len(vals) == 0 {
		return
	}
	fmt.Fprintf(&w.b, "%s = [ %s ]\n", key, strings.Join(vals, ", "))
	w.rec = append(w.rec, Setting{Key: key, Type: 'L', List: vals})
}
