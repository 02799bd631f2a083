package sxp

import "fmt"

// ParseLibvirt reads data the way libvirt's old xen driver read xend's SXP
// replies (string2sexpr in src/util/virsexpr.c; http-sxp.md §1.5), so tests
// can check what libvirt would make of a reply body. It differs from xend's
// own reader:
//
//   - only the first expression is read; trailing bytes (such as the ” xend
//     appends to some bodies) are ignored, and so is a missing ")" at the end;
//   - only single-quoted strings are understood, and a backslash in them
//     protects the next byte but stays in the value (no unescaping);
//   - anything else, a double quote included, is an atom running to
//     whitespace, "(" or ")"; whitespace is space, tab, CR and LF;
//   - "#" is not a comment.
//
// Every scalar in the result is a [KindAtom] holding the bytes libvirt would
// see. The only error is nesting deeper than [MaxDepth].
func ParseLibvirt(data []byte) (Value, error) {
	r := libvirtReader{s: data}
	return r.value(0)
}

type libvirtReader struct {
	s   []byte
	pos int
}

func (r *libvirtReader) skipSpace() {
	for r.pos < len(r.s) {
		switch r.s[r.pos] {
		case ' ', '\t', '\r', '\n':
			r.pos++
		default:
			return
		}
	}
}

func (r *libvirtReader) value(depth int) (Value, error) {
	r.skipSpace()
	if r.pos < len(r.s) && r.s[r.pos] == '(' {
		if depth >= MaxDepth {
			return Value{}, &SyntaxError{Offset: int64(r.pos), Msg: fmt.Sprintf("lists nest more than %d deep (sxp.MaxDepth)", MaxDepth), Err: ErrTooDeep}
		}
		r.pos++
		items := []Value{}
		for {
			r.skipSpace()
			if r.pos >= len(r.s) || r.s[r.pos] == 0 {
				break
			}
			if r.s[r.pos] == ')' {
				r.pos++
				break
			}
			v, err := r.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			items = append(items, v)
		}
		return mkList(items), nil
	}
	if r.pos < len(r.s) && r.s[r.pos] == '\'' {
		r.pos++
		start := r.pos
		for r.pos < len(r.s) && r.s[r.pos] != '\'' && r.s[r.pos] != 0 {
			if r.s[r.pos] == '\\' && r.pos+1 < len(r.s) && r.s[r.pos+1] != 0 {
				r.pos++
			}
			r.pos++
		}
		v := Atom(string(r.s[start:r.pos]))
		if r.pos < len(r.s) && r.s[r.pos] == '\'' {
			r.pos++
		}
		return v, nil
	}
	start := r.pos
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == '(' || c == ')' {
			break
		}
		r.pos++
	}
	return Atom(string(r.s[start:r.pos])), nil
}
