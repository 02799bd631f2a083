// Package xmconfig reads xm configuration files — the Python 2 scripts that
// `xm create` executed as root — without executing anything (config.md §1).
//
// # Syntax
//
// The lexer turns the source into Python's logical lines: brackets and a
// backslash-newline join physical lines, blank and comment-only lines
// vanish, leading whitespace becomes INDENT/DEDENT (tabs to multiples of
// eight), CR LF is a line end, and every '#' comment is kept with its
// position (Config.Comments). The participle grammar in grammar.go then
// reads the full statement and expression shape of Python 2:
//
//	file      = { NEWLINE | stmt }
//	stmt      = if | def | other-block | simple { ";" simple } NEWLINE
//	simple    = "pass" | import | from-import | unsupported | expr-stmt
//	expr-stmt = testlist [ ("=" testlist)+ | augop testlist ]
//	test      = lambda | or-test [ "if" or-test "else" test ]
//	or-test .. comparison .. bit-expr .. arith ("+" "-") .. term ("*" "/" "//" "%")
//	factor    = ("-" | "+" | "~") factor | power
//	power     = atom { "(" args ")" | "[" subscript "]" | "." NAME } [ "**" factor ]
//	atom      = "(" list-body ")" | "[" list-body "]" | "{" dict "}" | STRING+ | NUMBER | NAME
//
// Lines of the form NAME = LITERAL (and simple names, %, + and calls) are
// read by a hand-written fast path that builds the same nodes (fastpath.go);
// everything else goes through the grammar, so every construct is reported
// at its exact file:line:col.
//
// # Evaluation
//
// [Evaluate] interprets the tree symbolically in three tiers:
//
//   - Tier A is evaluated: all string literal forms, ints (decimal, hex,
//     octal, binary, L suffix), floats, True/False/None, lists, tuples,
//     unary - and +, + - * / // % with Python 2 semantics including string
//     % formatting, names assigned earlier, and --var values (strings, as xm
//     passed them).
//   - Tier B is recognised and yields opaque runtime values: imports of
//     os, os.path, sys, re, string, commands, socket and time; os.uname()
//     and similar side-effect-free calls; any if/elif/else whose test is
//     opaque (the names it assigns become opaque); the xm_vars template
//     (def NAME(var, val) with `val = int(val)`, xm_vars.var, xm_vars.check).
//     An opaque value may only reach keys the converter drops.
//   - Tier C is refused with a *Diagnostic naming the construct, its
//     position and a hint: other calls, attribute access and subscripts,
//     loops, comprehensions, lambda, conditional expressions, exec, print,
//     class, try, with, global, del, assert, raise, return, backticks,
//     ** and bitwise operators, comparisons outside an if test, %(name)s.
//
// [Load] applies xm's post-evaluation type filter: only str, int, float and
// list values are kept (Config.Settings); bool, long, tuple, dict, unicode
// and None values are reported in Config.Ignored with a warning, as xm
// silently dropped them.
//
// Hostile input is bounded: MaxFileSize, bracket and indentation depth,
// runs of prefix operators, the size of built strings and lists, integer
// width, and the number of evaluation steps.
package xmconfig
