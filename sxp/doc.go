// Package sxp reads and writes S-expressions (SXP) exactly as xend, the Xen
// 4.4 daemon, did: its parser (xen/xend/sxp.py), its one-line printer
// sxp.show, which every body of the HTTP/SXP interface uses, and its
// PrettyPrint, which `xm list -l` and the managed domain store used. The
// package knows nothing about Xen; the specs are http-sxp.md §1 and
// config.md §4.1.
//
// # Values
//
// A [Value] is a list or a scalar. xend's reader has no numbers: it returns
// bare tokens as atoms ([KindAtom]) and quoted strings as strings
// ([KindQuoted]); `42` is the atom "42". Values built in Go may also be
// [Int], [Long], [Float], [Bool] and [None], which print as xend printed the
// Python int, long, float, bool and None. [FromGo] and [ToGo] convert to and
// from the plain Go values (string, int64, float64, bool, nil, []any) of the
// XML-RPC layer.
//
// # Syntax
//
//	value   = list | string | atom
//	list    = "(" { value } ")"
//	string  = "'" { char | escape } "'"  |  '"' { char | escape } '"'
//	escape  = \a \b \t \n \v \f \r \\ \' \"  |  \xHH  |  \o \oo \ooo (<= \377)
//	atom    = printable ASCII byte, then any bytes up to whitespace, "#",
//	          or one of { } ( ) < > [ ] ;
//	comment = "#" up to the end of the line;  Ctrl-D (0x04) ends the input
//
// [ParseAll] returns every top-level value, [Parse] demands exactly one, and a
// [Decoder] reads values one by one from a stream. Errors are
// [*SyntaxError]s carrying line, column and byte offset. [MaxDepth],
// [MaxSize] and [MaxValues] bound the work hostile input can cause.
//
// # Printing
//
// [Show] writes one line: atoms bare when they consist of letters, digits and
// . - _ : / ~, everything else quoted as Python 2 repr() would, with single
// quotes unless the text holds a ' and no ". [Pretty] lays out a value as
// xend's PrettyPrint did at a given width ([PrettyWidth] is 80, as in
// `xm list -l`). Printing and parsing gives back an [Equal] value.
//
// # Queries
//
// [Value.Child], [Value.ChildValue], [Value.Children] and [Value.Lookup]
// find elements by name, as sxp.py and libvirt did, so callers never walk
// lists by hand. [ParseLibvirt] reads a body the way libvirt's old xen driver
// did (single-quoted strings only, first expression only), for checking what
// libvirt makes of a reply.
//
// # Differences from xend
//
// Three, each deliberate: input that ends inside an unclosed list is always
// an error (xend dropped the list silently when the input ended inside an
// atom or comment; [SyntaxError].XendSilent marks those cases); a lone
// backslash at the end of a line between tokens is skipped (libvirt's test
// files use it; xend read an atom `\`); and \xHH escapes with the letters
// A-F decode correctly (the sxp.py we read takes them as 0-5, so it cannot
// read back its own '\xe9'), which keeps Show and Parse exact inverses.
//
// # Example
//
//	v, err := sxp.ParseString("(domain (domid 3) (name web01) (image (linux (kernel /boot/vmlinuz))))")
//	if err != nil {
//		return err // a *sxp.SyntaxError: "sxp: LINE:COL (byte N): what is wrong"
//	}
//	name := v.ChildText("name", "")                  // "web01"
//	kernel := v.LookupText("image/linux/kernel", "")  // "/boot/vmlinuz"
//	domid, _ := v.ChildValue("domid")                // the atom 3
//	n, err := domid.AsInt()                          // 3
//
//	reply := sxp.MustFromGo([]any{"domain", []any{"domid", 3}, []any{"name", "a b"}})
//	body := sxp.Show(reply)                          // (domain (domid 3) (name 'a b'))
//	listing := sxp.Pretty(reply, sxp.PrettyWidth)    // what xm list -l prints
package sxp
