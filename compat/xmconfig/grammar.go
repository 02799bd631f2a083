package xmconfig

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar below parses the full statement and expression shape of the
// Python 2 that xm config files are written in, so that every construct,
// including those the evaluator refuses (tier C), is reported at its exact
// position. Precedence levels follow Python 2's grammar; the bitwise and
// shift operators, which the evaluator refuses anyway, share one level.

// File is a whole config file.
type File struct {
	Stmts []*Stmt `( Newline | @@ )*`
}

// Stmt is one statement: a compound statement or a line of simple ones.
type Stmt struct {
	Pos    lexer.Position
	If     *IfStmt       `  @@`
	Def    *DefStmt      `| @@`
	Other  *OtherBlock   `| @@`
	Simple []*SimpleStmt `| @@ ( ";" @@? )* Newline`
}

// IfStmt is if/elif/else.
type IfStmt struct {
	Pos   lexer.Position
	Test  *Test   `"if" @@ ":"`
	Body  *Suite  `@@`
	Elifs []*Elif `@@*`
	Else  *Suite  `( "else" ":" @@ )?`
}

// Elif is one elif branch.
type Elif struct {
	Pos  lexer.Position
	Test *Test  `"elif" @@ ":"`
	Body *Suite `@@`
}

// Suite is the body of a compound statement.
type Suite struct {
	Block  []*Stmt       `  Newline Indent @@+ Dedent`
	Simple []*SimpleStmt `| @@ ( ";" @@? )* Newline`
}

// DefStmt is a function definition; xm templates define a vmid check.
type DefStmt struct {
	Pos    lexer.Position
	Name   string   `"def" @Name "("`
	Params []string `( @Name | @"," | @"=" | @"*" | @"**" | @String | @Number )* ")" ":"`
	Body   *Suite   `@@`
}

// OtherBlock is a compound statement the evaluator always refuses
// (loops, classes, exception handling, with).
type OtherBlock struct {
	Pos     lexer.Position
	Keyword string   `@( "for" | "while" | "class" | "try" | "except" | "finally" | "with" | "else" | "elif" )`
	Header  []string `( @( Name | Keyword | String | Number | "(" | ")" | "[" | "]" | "," | "." | "=" | "==" | "*" | "+" | "-" | "%" | "<" | ">" | "<=" | ">=" | "!=" ) )* ":"`
	Body    *Suite   `@@`
}

// SimpleStmt is one simple statement.
type SimpleStmt struct {
	Pos         lexer.Position
	Pass        bool         `  @"pass"`
	Import      *ImportStmt  `| @@`
	From        *FromStmt    `| @@`
	Unsupported *Unsupported `| @@`
	Expr        *ExprStmt    `| @@`
}

// ImportStmt is `import a.b [as c], ...`.
type ImportStmt struct {
	Pos   lexer.Position
	Names []*DottedAs `"import" @@ ( "," @@ )*`
}

// DottedAs is `a.b [as c]`.
type DottedAs struct {
	Pos  lexer.Position
	Path []string `@Name ( "." @Name )*`
	As   string   `( "as" @Name )?`
}

// FromStmt is `from a.b import c [as d], ...` or `from a import *`.
type FromStmt struct {
	Pos    lexer.Position
	Module []string    `"from" @Name ( "." @Name )* "import"`
	Star   bool        `( @"*"`
	Names  []*DottedAs `| "("? @@ ( "," @@ )* ","? ")"? )`
}

// Unsupported is a simple statement the evaluator always refuses.
type Unsupported struct {
	Pos     lexer.Position
	Keyword string  `@( "print" | "exec" | "del" | "global" | "assert" | "raise" | "return" | "yield" | "break" | "continue" | "@" )`
	Rest    []*Test `( @@ ","? )*`
}

// ExprStmt is an expression statement, an assignment (possibly chained)
// or an augmented assignment.
type ExprStmt struct {
	Pos    lexer.Position
	First  *TestList   `@@`
	AugOp  string      `( @( "+=" | "-=" | "*=" | "/=" | "%=" | "//=" | "**=" | "&=" | "|=" | "^=" | "<<=" | ">>=" )`
	AugVal *TestList   `  @@`
	Assign []*TestList `| ( "=" @@ )+ )?`
}

// TestList is a comma-separated expression list: a tuple when it has a
// comma.
type TestList struct {
	Pos   lexer.Position
	Items []*Test `@@ ( "," @@ )*`
	Comma bool    `@","?`
}

// Test is a full expression, possibly conditional or a lambda.
type Test struct {
	Pos    lexer.Position
	Lambda *Lambda `  @@`
	Or     *OrTest `| @@`
	Cond   *OrTest `( "if" @@`
	Else   *Test   `  "else" @@ )?`
}

// Lambda is a lambda expression (always refused).
type Lambda struct {
	Pos    lexer.Position
	Params []string `"lambda" ( @Name | @"," | @"=" | @"*" | @"**" )* ":"`
	Body   *Test    `@@`
}

// OrTest is `a or b or ...`.
type OrTest struct {
	Pos   lexer.Position
	Terms []*AndTest `@@ ( "or" @@ )*`
}

// AndTest is `a and b and ...`.
type AndTest struct {
	Pos   lexer.Position
	Terms []*NotTest `@@ ( "and" @@ )*`
}

// NotTest is `not x` or a comparison.
type NotTest struct {
	Pos  lexer.Position
	Not  *NotTest    `  "not" @@`
	Comp *Comparison `| @@`
}

// Comparison is `a < b == c ...`.
type Comparison struct {
	Pos  lexer.Position
	Left *BitExpr  `@@`
	Ops  []*CompOp `@@*`
}

// CompOp is one comparison operator and its right operand.
type CompOp struct {
	Pos   lexer.Position
	Op    string   `( @( "<" | ">" | "==" | ">=" | "<=" | "!=" | "<>" | "in" )`
	NotIn bool     `| @( "not" "in" )`
	Is    bool     `| @"is"`
	IsNot bool     `  @"not"? )`
	Right *BitExpr `@@`
}

// BitExpr is a chain of bitwise and shift operators.
type BitExpr struct {
	Pos  lexer.Position
	Left *Arith   `@@`
	Ops  []*BinOp `@@*`
}

// Arith is a chain of + and -.
type Arith struct {
	Pos  lexer.Position
	Left *Term      `@@`
	Ops  []*ArithOp `@@*`
}

// ArithOp is one + or - and its right operand.
type ArithOp struct {
	Pos   lexer.Position
	Op    string `@( "+" | "-" )`
	Right *Term  `@@`
}

// BinOp is one bitwise operator and its right operand.
type BinOp struct {
	Pos   lexer.Position
	Op    string `@( "|" | "^" | "&" | "<<" | ">>" )`
	Right *Arith `@@`
}

// Term is a chain of * / // %.
type Term struct {
	Pos  lexer.Position
	Left *Factor   `@@`
	Ops  []*TermOp `@@*`
}

// TermOp is one multiplicative operator and its right operand.
type TermOp struct {
	Pos   lexer.Position
	Op    string  `@( "*" | "/" | "//" | "%" )`
	Right *Factor `@@`
}

// Factor is a unary operator applied to a factor, or a power.
type Factor struct {
	Pos     lexer.Position
	Unary   string  `  @( "-" | "+" | "~" )`
	Operand *Factor `  @@`
	Power   *Power  `| @@`
}

// Power is a primary with an optional `**` exponent.
type Power struct {
	Pos      lexer.Position
	Primary  *Primary `@@`
	Exponent *Factor  `( "**" @@ )?`
}

// Primary is an atom followed by calls, subscripts and attribute lookups.
type Primary struct {
	Pos      lexer.Position
	Atom     *Atom      `@@`
	Trailers []*Trailer `@@*`
}

// Trailer is a call, subscript or attribute lookup.
type Trailer struct {
	Pos   lexer.Position
	Call  *CallArgs  `  "(" @@ ")"`
	Index *Subscript `| "[" @@ "]"`
	Attr  string     `| "." @Name`
}

// CallArgs are the arguments of a call.
type CallArgs struct {
	Pos  lexer.Position
	Args []*Arg `( @@ ( "," @@ )* ","? )?`
}

// Arg is one call argument.
type Arg struct {
	Pos     lexer.Position
	Star    string   `@( "*" | "**" )?`
	Keyword string   `( @Name "=" )?`
	Value   *Test    `@@`
	For     *CompFor `@@?`
}

// Subscript is `[x]` or a slice `[a:b]`.
type Subscript struct {
	Pos   lexer.Position
	Lower *Test `@@?`
	Slice bool  `( @":"`
	Upper *Test `  @@? )?`
}

// Atom is a literal, name, or bracketed expression.
type Atom struct {
	Pos      lexer.Position
	Paren    *ListBody `  "(" @@ ")"`
	List     *ListBody `| "[" @@ "]"`
	Dict     *DictBody `| "{" @@ "}"`
	Backtick *TestList "| \"`\" @@ \"`\""
	Strings  []string  `| @String+`
	Number   string    `| @Number`
	Name     string    `| @Name`
}

// ListBody is the inside of () or []: empty, a comma list, or a
// comprehension.
type ListBody struct {
	Pos   lexer.Position
	First *Test    `( @@`
	For   *CompFor `  ( @@`
	Rest  []*Test  `  | ( "," @@ )+ )?`
	Comma bool     `  @","? )?`
}

// CompFor is a comprehension clause (always refused).
type CompFor struct {
	Pos    lexer.Position
	Target []*BitExpr `"for" @@ ( "," @@ )* "in"`
	Iter   *OrTest    `@@`
	Ifs    []*OrTest  `( "if" @@ )*`
	Next   *CompFor   `@@?`
}

// DictBody is the inside of {}: a dict or set display.
type DictBody struct {
	Pos   lexer.Position
	Items []*DictItem `( @@ ( "," @@ )* ","? )?`
}

// DictItem is `k: v` or a set element.
type DictItem struct {
	Pos   lexer.Position
	Key   *Test `@@`
	Value *Test `( ":" @@ )?`
}

var parser = participle.MustBuild[File](
	participle.Lexer(definition{}),
	participle.UseLookahead(4),
)
