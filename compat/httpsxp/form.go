package httpsxp

import "strings"

// Args holds a request's arguments as xend's req.args did: each name maps to
// its values in arrival order. Keys iterate in CPython 2.7 dict order, which
// decides which of several bad arguments xend reported first.
type Args struct {
	order pyDict
	vals  map[string][]string
}

// newArgs returns an empty argument set.
func newArgs() *Args { return &Args{vals: map[string][]string{}} }

// add appends one value for name.
func (a *Args) add(name, value string) {
	a.order.insert(name)
	a.vals[name] = append(a.vals[name], value)
}

// replace sets name's values, keeping the key's slot if it already exists
// (dict.update semantics).
func (a *Args) replace(name string, values []string) {
	a.order.insert(name)
	a.vals[name] = values
}

// Get returns the values given for name (nil if absent).
func (a *Args) Get(name string) []string { return a.vals[name] }

// Has reports whether name was given at least once.
func (a *Args) Has(name string) bool { _, ok := a.vals[name]; return ok }

// First returns the first value of name and whether it was present.
func (a *Args) First(name string) (string, bool) {
	v := a.vals[name]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Names returns the argument names in xend's dict iteration order.
func (a *Args) Names() []string { return a.order.keys() }

// parseQuery decodes a form-encoded string into args as Python 2.7's
// cgi.parse_qs did (spec §2.2 item 4):
//   - pairs are split on both '&' and ';';
//   - a pair without '=' is dropped, or kept with an empty value when
//     keepBlank is set (POST bodies);
//   - "a=" is dropped unless keepBlank;
//   - '+' becomes a space, then %XX is decoded (either case of hex);
//     an invalid % sequence is kept as it is.
//
// It never fails: xend accepted any bytes here, and so does the shim.
func parseQuery(args *Args, qs string, keepBlank bool) {
	for _, amp := range strings.Split(qs, "&") {
		for _, pair := range strings.Split(amp, ";") {
			if pair == "" {
				continue
			}
			name, value, hasEq := strings.Cut(pair, "=")
			if !hasEq && !keepBlank {
				continue
			}
			if value == "" && !keepBlank {
				continue
			}
			args.add(unquote(strings.ReplaceAll(name, "+", " ")),
				unquote(strings.ReplaceAll(value, "+", " ")))
		}
	}
}

// unquote decodes %XX escapes as Python 2.7's urllib.unquote: both hex
// cases, anything else (a lone '%', "%4", "%zz") kept verbatim, '+' untouched.
func unquote(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
