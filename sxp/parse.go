package sxp

import (
	"fmt"
	"strconv"
)

// Parse reads exactly one value from data, the way xend read the typed
// "sxpr" arguments of its HTTP operations: no value, or more than one, is an
// error wrapping [ErrValueCount]. Errors are [*SyntaxError]s with the
// position of the problem. Strings in the result may share memory with a copy
// of data, never with data itself.
func Parse(data []byte) (Value, error) { return ParseString(string(data)) }

// ParseString is [Parse] on a string. Atoms and strings without escapes in
// the result are substrings of s.
func ParseString(s string) (Value, error) {
	p := parser{s: s}
	vals, err := p.run(1)
	if err != nil {
		return Value{}, err
	}
	if len(vals) == 0 {
		return Value{}, p.errAt(len(s), ErrValueCount, "no value in input: expected one S-expression such as (name value)", "")
	}
	if !p.stopped {
		return vals[0], nil
	}
	return Value{}, p.errAt(p.secondAt, ErrValueCount, "more than one value: expected exactly one S-expression, found another starting here", "Too many sxprs")
}

// ParseAll reads every top-level value in data, as xend's sxp.parse did
// (http-sxp.md §1.2, config.md §4.1). xend's own callers used the first one
// (`sxp.parse(f)[0]`). On error it returns the values completed before the
// error together with a [*SyntaxError].
//
// Accepted syntax, exactly as xend 4.4's sxp.Parser accepted it:
//   - whitespace is space, \t \n \v \f \r; `#` starts a comment up to the end of
//     the line, also in the middle of an atom; byte 0x04 (Ctrl-D) ends the input;
//   - `(` and `)` open and close lists;
//   - a quoted string runs from ' or " to the same quote character, with escapes
//     \a \b \t \n \v \f \r \\ \' \", \xHH (two hex digits), \o \oo \ooo (octal,
//     at most 0377); any other escaped byte keeps the backslash and drops the
//     byte;
//   - any other printable ASCII byte starts an atom, which runs to whitespace, `#`
//     or one of { } ( ) < > [ ] ; (a separator other than a parenthesis starts
//     the next atom). Numbers are atoms.
//
// One extension: a lone `\` at the end of a line (before \n or \r\n) between
// tokens is skipped, because libvirt's SXP test files break lines that way;
// xend read it as an atom `\`.
//
// One deliberate difference: input that ends inside an unclosed list is an
// error here even when xend silently dropped the list; such errors have
// XendSilent set.
//
// Quoted strings come back as [KindQuoted] and bare tokens as [KindAtom], so
// that Show reproduces a parsed xend reply exactly. xend itself made no such
// difference; [Value.Plain] gives the values as xend's reader saw them.
func ParseAll(data []byte) ([]Value, error) { return ParseAllString(string(data)) }

// ParseAllString is [ParseAll] on a string.
func ParseAllString(s string) ([]Value, error) {
	p := parser{s: s}
	return p.run(-1)
}

// byte classes of the parser.
const (
	cInvalid uint8 = iota // not allowed at the start of a token
	cSpace                // whitespace
	cComment              // #
	cOpen                 // (
	cClose                // )
	cQuote                // ' or "
	cEOT                  // 0x04, Ctrl-D: end of input
	cAtom                 // printable: starts an atom
)

var class = func() (t [256]uint8) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = cAtom
	}
	for _, c := range " \t\n\v\f\r" {
		t[c] = cSpace
	}
	t['#'] = cComment
	t['('] = cOpen
	t[')'] = cClose
	t['\''] = cQuote
	t['"'] = cQuote
	t[0x04] = cEOT
	return t
}()

// atomEnd marks the bytes that end an atom: whitespace, #, the separators
// { } ( ) < > [ ] ;. A Ctrl-D inside an atom is an ordinary byte, as in xend.
var atomEnd = func() (t [256]bool) {
	for _, c := range " \t\n\v\f\r#{}()<>[];" {
		t[c] = true
	}
	return t
}()

// parser holds the state of one parse of an in-memory string.
type parser struct {
	s        string
	pos      int
	stack    []Value // items of the open lists, innermost last
	arena    []Value // storage handed out to closed lists by alloc
	opens    []int   // for each open list: its first index in stack
	openAt   []int   // for each open list: offset of its '('
	nvalues  int
	secondAt int  // offset of the value after the first max ones
	stopped  bool // run stopped at secondAt
	eot      bool // run stopped at a Ctrl-D
	// tokenAtEOF: the input ended inside an atom or a comment.
	tokenAtEOF bool
	// base position of s within a larger stream (Decoder); zero for Parse.
	baseOff  int64
	baseLine int
	baseCol  int
}

// run parses top-level values until the input ends, or until it has found
// max values (max < 0: no limit).
func (p *parser) run(max int) ([]Value, error) {
	s := p.s
	if len(s) > MaxSize {
		return nil, p.errAt(0, ErrTooLarge, fmt.Sprintf("input is %d bytes, more than the limit of %d (sxp.MaxSize)", len(s), MaxSize), "")
	}
	var out []Value
	for p.pos < len(s) {
		c := s[p.pos]
		var v Value
		switch class[c] {
		case cSpace:
			p.pos++
			continue
		case cComment:
			p.skipComment()
			continue
		case cEOT:
			p.eot = true
			s = s[:p.pos]
			continue
		case cOpen:
			if len(p.opens) >= MaxDepth {
				return out, p.errAt(p.pos, ErrTooDeep, fmt.Sprintf("lists nest more than %d deep (sxp.MaxDepth)", MaxDepth), "")
			}
			if p.full(len(out), max) {
				return out, nil
			}
			p.opens = append(p.opens, len(p.stack))
			p.openAt = append(p.openAt, p.pos)
			p.pos++
			continue
		case cClose:
			if len(p.opens) == 0 {
				return out, p.errAt(p.pos, ErrSyntax, "unexpected ')' with no list open: remove it or add the missing '('", "syntax error: )")
			}
			p.pos++
			n := len(p.opens) - 1
			start := p.opens[n]
			items := p.alloc(len(p.stack) - start)
			copy(items, p.stack[start:])
			p.stack = p.stack[:start]
			p.opens = p.opens[:n]
			p.openAt = p.openAt[:n]
			v = mkList(items)
		case cQuote:
			if p.full(len(out), max) {
				return out, nil
			}
			str, err := p.quoted()
			if err != nil {
				return out, err
			}
			v = mkString(KindQuoted, str)
		case cAtom:
			if c == '\\' && p.lineContinuation() {
				continue
			}
			if p.full(len(out), max) {
				return out, nil
			}
			start := p.pos
			i := p.pos + 1
			for i < len(s) && !atomEnd[s[i]] {
				i++
			}
			p.pos = i
			p.tokenAtEOF = i == len(s)
			v = mkString(KindAtom, s[start:i])
		default:
			return out, p.errAt(p.pos, ErrSyntax, fmt.Sprintf("invalid character: code %d (0x%02x) cannot start a token; put non-ASCII or control bytes inside a quoted string", c, c), "invalid character: code "+strconv.Itoa(int(c)))
		}
		p.nvalues++
		if p.nvalues > MaxValues {
			return out, p.errAt(p.pos, ErrTooLarge, fmt.Sprintf("input holds more than %d values (sxp.MaxValues)", MaxValues), "")
		}
		if len(p.opens) == 0 {
			out = append(out, v)
		} else {
			p.stack = append(p.stack, v)
		}
	}
	if n := len(p.opens); n > 0 {
		l, c := p.lineCol(p.openAt[n-1])
		e := p.errAt(len(s), ErrUnexpectedEOF, fmt.Sprintf("unexpected end of input: the list opened at %d:%d is not closed; add %d ')'", l, c, n), "unexpected EOF")
		// xend's list state never saw the end of input when an atom or a
		// comment consumed it: it dropped the list without a word.
		e.XendSilent = p.tokenAtEOF
		return out, e
	}
	return out, nil
}

// full reports whether a top-level token starting at p.pos would exceed max
// values, and if so records its offset in p.secondAt.
func (p *parser) full(n, max int) bool {
	if len(p.opens) == 0 && max >= 0 && n >= max {
		p.secondAt = p.pos
		p.stopped = true
		return true
	}
	return false
}

// alloc returns room for n list items. Lists take their items from shared
// chunks rather than one allocation each: a parse's values live and die
// together, and this halves the parser's time in the allocator.
func (p *parser) alloc(n int) []Value {
	if n > cap(p.arena)-len(p.arena) {
		size := len(p.s)/16 + 16 // about one Value per 16 input bytes
		if size > 4096 {
			size = 4096
		}
		if size < n {
			size = n
		}
		p.arena = make([]Value, 0, size)
	}
	l := len(p.arena)
	p.arena = p.arena[:l+n]
	return p.arena[l : l+n : l+n]
}

// skipComment skips from '#' to just after the next newline, or to the end.
func (p *parser) skipComment() {
	s := p.s
	i := p.pos + 1
	for i < len(s) && s[i] != '\n' {
		i++
	}
	if i < len(s) {
		i++
	} else {
		p.tokenAtEOF = true
	}
	p.pos = i
}

// lineContinuation skips a lone backslash before the end of a line (see
// ParseAll) and reports whether it did.
func (p *parser) lineContinuation() bool {
	s := p.s
	i := p.pos + 1
	if i < len(s) && s[i] == '\r' {
		i++
	}
	if i < len(s) && s[i] == '\n' {
		p.pos = i + 1
		return true
	}
	return false
}

// lineCol returns the absolute line and column of offset off in p.s.
func (p *parser) lineCol(off int) (int, int) {
	l, c := position(p.s, off)
	if p.baseLine > 0 {
		if l == 1 {
			c += p.baseCol - 1
		}
		l += p.baseLine - 1
	}
	return l, c
}

// errAt builds a SyntaxError at offset off of p.s.
func (p *parser) errAt(off int, class error, msg, xend string) *SyntaxError {
	l, c := p.lineCol(off)
	return &SyntaxError{Offset: p.baseOff + int64(off), Line: l, Col: c, Msg: msg, XendMsg: xend, Err: class}
}
