package sxp

// PrettyWidth is the line width of xend's PrettyPrint as `xm list -l` used it.
// xend wrote managed domain configs (config.sxp) 78 columns wide.
const PrettyWidth = 80

// Pretty returns v laid out as xend's PrettyPrint.prettyprint did (what
// `xm list -l` printed), for the given line width (http-sxp.md §1.4):
//
//   - a non-list is written as by [Show];
//   - a list that fits in the rest of the line is written on one line, as by
//     Show;
//   - otherwise its first item follows the "(", every further item goes on a
//     line of its own indented four columns past the "(", and the ")" goes on
//     a line of its own at the column of the "(".
//
// The result ends with one newline.
func Pretty(v Value, width int) string { return string(AppendPretty(nil, v, width)) }

// AppendPretty appends [Pretty](v, width) to dst and returns the extended
// slice.
func AppendPretty(dst []byte, v Value, width int) []byte {
	dst, _ = appendPretty(dst, v, 0, width)
	return append(dst, '\n')
}

// appendPretty writes v starting at column col and returns the column after
// it.
func appendPretty(dst []byte, v Value, col, width int) ([]byte, int) {
	if v.kind != KindList {
		n := len(dst)
		dst = AppendShow(dst, v)
		return dst, col + len(dst) - n
	}
	if w := showLenUpTo(v, width-col); col+w <= width {
		return AppendShow(dst, v), col + w
	}
	dst = append(dst, '(')
	c := col + 1
	for i, x := range v.list() {
		if i > 0 {
			dst = appendNewline(dst, col+4)
			c = col + 4
		}
		dst, c = appendPretty(dst, x, c, width)
	}
	_ = c
	dst = appendNewline(dst, col)
	return append(dst, ')'), col + 1
}

func appendNewline(dst []byte, indent int) []byte {
	dst = append(dst, '\n')
	for range indent {
		dst = append(dst, ' ')
	}
	return dst
}

// showLenUpTo returns len(Show(v)) if it is at most limit, and otherwise
// some number above limit, without measuring the rest: a block that does not
// fit needs no exact width, and stopping early keeps Pretty linear.
func showLenUpTo(v Value, limit int) int {
	if v.kind != KindList {
		return showLen(v)
	}
	items := v.list()
	n := 2
	if len(items) > 1 {
		n += len(items) - 1
	}
	for _, x := range items {
		if n > limit {
			return n
		}
		n += showLenUpTo(x, limit-n)
	}
	return n
}
