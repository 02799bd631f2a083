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
	Stmts []*Stmt `parser:"( Newline | @@ )*"`
}

// Stmt is one statement: a compound statement or a line of simple ones.
type Stmt struct {
	Pos    lexer.Position
	If     *IfStmt       `parser:"  @@"`
	Def    *DefStmt      `parser:"| @@"`
	Other  *OtherBlock   `parser:"| @@"`
	Simple []*SimpleStmt `parser:"| @@ ( ';' @@? )* Newline"`

	// Literal is set instead of the fields above for `NAME = LITERAL`
	// lines, which Parse reads without the grammar (see fastpath.go).
	Literal *LiteralAssign
}

// LiteralAssign is `NAME = LITERAL` with the literal already decoded.
type LiteralAssign struct {
	Name  string
	Value Value
}

// IfStmt is if/elif/else.
type IfStmt struct {
	Pos   lexer.Position
	Test  *Test   `parser:"'if' @@ ':'"`
	Body  *Suite  `parser:"@@"`
	Elifs []*Elif `parser:"@@*"`
	Else  *Suite  `parser:"( 'else' ':' @@ )?"`
}

// Elif is one elif branch.
type Elif struct {
	Pos  lexer.Position
	Test *Test  `parser:"'elif' @@ ':'"`
	Body *Suite `parser:"@@"`
}

// Suite is the body of a compound statement.
type Suite struct {
	Block  []*Stmt       `parser:"  Newline Indent @@+ Dedent"`
	Simple []*SimpleStmt `parser:"| @@ ( ';' @@? )* Newline"`
}

// DefStmt is a function definition; xm templates define a vmid check.
type DefStmt struct {
	Pos    lexer.Position
	Name   string   `parser:"'def' @Name '('"`
	Params []string `parser:"( @Name | @',' | @'=' | @'*' | @'**' | @String | @Number )* ')' ':'"`
	Body   *Suite   `parser:"@@"`
}

// OtherBlock is a compound statement the evaluator always refuses
// (loops, classes, exception handling, with).
type OtherBlock struct {
	Pos     lexer.Position
	Keyword string   `parser:"@( 'for' | 'while' | 'class' | 'try' | 'except' | 'finally' | 'with' | 'else' | 'elif' )"`
	Header  []string `parser:"( @( Name | Keyword | String | Number | '(' | ')' | '[' | ']' | ',' | '.' | '=' | '==' | '*' | '+' | '-' | '%' | '<' | '>' | '<=' | '>=' | '!=' ) )* ':'"`
	Body    *Suite   `parser:"@@"`
}

// SimpleStmt is one simple statement.
type SimpleStmt struct {
	Pos         lexer.Position
	Pass        bool         `parser:"  @'pass'"`
	Import      *ImportStmt  `parser:"| @@"`
	From        *FromStmt    `parser:"| @@"`
	Unsupported *Unsupported `parser:"| @@"`
	Expr        *ExprStmt    `parser:"| @@"`
}

// ImportStmt is `import a.b [as c], ...`.
type ImportStmt struct {
	Pos   lexer.Position
	Names []*DottedAs `parser:"'import' @@ ( ',' @@ )*"`
}

// DottedAs is `a.b [as c]`.
type DottedAs struct {
	Pos  lexer.Position
	Path []string `parser:"@Name ( '.' @Name )*"`
	As   string   `parser:"( 'as' @Name )?"`
}

// FromStmt is `from a.b import c [as d], ...` or `from a import *`.
type FromStmt struct {
	Pos    lexer.Position
	Module []string    `parser:"'from' @Name ( '.' @Name )* 'import'"`
	Star   bool        `parser:"( @'*'"`
	Names  []*DottedAs `parser:"| '('? @@ ( ',' @@ )* ','? ')'? )"`
}

// Unsupported is a simple statement the evaluator always refuses.
type Unsupported struct {
	Pos     lexer.Position
	Keyword string  `parser:"@( 'print' | 'exec' | 'del' | 'global' | 'assert' | 'raise' | 'return' | 'yield' | 'break' | 'continue' | '@' )"`
	Rest    []*Test `parser:"( @@ ','? )*"`
}

// ExprStmt is an expression statement, an assignment (possibly chained)
// or an augmented assignment.
type ExprStmt struct {
	Pos    lexer.Position
	First  *TestList   `parser:"@@"`
	AugOp  string      `parser:"( @( '+=' | '-=' | '*=' | '/=' | '%=' | '//=' | '**=' | '&=' | '|=' | '^=' | '<<=' | '>>=' )"`
	AugVal *TestList   `parser:"  @@"`
	Assign []*TestList `parser:"| ( '=' @@ )+ )?"`
}

// TestList is a comma-separated expression list: a tuple when it has a
// comma.
type TestList struct {
	Pos   lexer.Position
	Items []*Test `parser:"@@ ( ',' @@ )*"`
	Comma bool    `parser:"@','?"`
}

// Test is a full expression, possibly conditional or a lambda.
type Test struct {
	Pos    lexer.Position
	Lambda *Lambda `parser:"  @@"`
	Or     *OrTest `parser:"| @@"`
	Cond   *OrTest `parser:"( 'if' @@"`
	Else   *Test   `parser:"  'else' @@ )?"`
}

// Lambda is a lambda expression (always refused).
type Lambda struct {
	Pos    lexer.Position
	Params []string `parser:"'lambda' ( @Name | @',' | @'=' | @'*' | @'**' )* ':'"`
	Body   *Test    `parser:"@@"`
}

// OrTest is `a or b or ...`.
type OrTest struct {
	Pos   lexer.Position
	Terms []*AndTest `parser:"@@ ( 'or' @@ )*"`
}

// AndTest is `a and b and ...`.
type AndTest struct {
	Pos   lexer.Position
	Terms []*NotTest `parser:"@@ ( 'and' @@ )*"`
}

// NotTest is `not x` or a comparison.
type NotTest struct {
	Pos  lexer.Position
	Not  *NotTest    `parser:"  'not' @@"`
	Comp *Comparison `parser:"| @@"`
}

// Comparison is `a < b == c ...`.
type Comparison struct {
	Pos  lexer.Position
	Left *BitExpr  `parser:"@@"`
	Ops  []*CompOp `parser:"@@*"`
}

// CompOp is one comparison operator and its right operand.
type CompOp struct {
	Pos   lexer.Position
	Op    string   `parser:"( @( '<' | '>' | '==' | '>=' | '<=' | '!=' | '<>' | 'in' )"`
	NotIn bool     `parser:"| @( 'not' 'in' )"`
	Is    bool     `parser:"| @'is'"`
	IsNot bool     `parser:"  @'not'? )"`
	Right *BitExpr `parser:"@@"`
}

// BitExpr is a chain of bitwise and shift operators.
type BitExpr struct {
	Pos  lexer.Position
	Left *Arith   `parser:"@@"`
	Ops  []*BinOp `parser:"@@*"`
}

// Arith is a chain of + and -.
type Arith struct {
	Pos  lexer.Position
	Left *Term      `parser:"@@"`
	Ops  []*ArithOp `parser:"@@*"`
}

// ArithOp is one + or - and its right operand.
type ArithOp struct {
	Pos   lexer.Position
	Op    string `parser:"@( '+' | '-' )"`
	Right *Term  `parser:"@@"`
}

// BinOp is one bitwise operator and its right operand.
type BinOp struct {
	Pos   lexer.Position
	Op    string `parser:"@( '|' | '^' | '&' | '<<' | '>>' )"`
	Right *Arith `parser:"@@"`
}

// Term is a chain of * / // %.
type Term struct {
	Pos  lexer.Position
	Left *Factor   `parser:"@@"`
	Ops  []*TermOp `parser:"@@*"`
}

// TermOp is one multiplicative operator and its right operand.
type TermOp struct {
	Pos   lexer.Position
	Op    string  `parser:"@( '*' | '/' | '//' | '%' )"`
	Right *Factor `parser:"@@"`
}

// Factor is a unary operator applied to a factor, or a power.
type Factor struct {
	Pos     lexer.Position
	Unary   string  `parser:"  @( '-' | '+' | '~' )"`
	Operand *Factor `parser:"  @@"`
	Power   *Power  `parser:"| @@"`
}

// Power is a primary with an optional `**` exponent.
type Power struct {
	Pos      lexer.Position
	Primary  *Primary `parser:"@@"`
	Exponent *Factor  `parser:"( '**' @@ )?"`
}

// Primary is an atom followed by calls, subscripts and attribute lookups.
type Primary struct {
	Pos      lexer.Position
	Atom     *Atom      `parser:"@@"`
	Trailers []*Trailer `parser:"@@*"`
}

// Trailer is a call, subscript or attribute lookup.
type Trailer struct {
	Pos   lexer.Position
	Call  *CallArgs  `parser:"  '(' @@ ')'"`
	Index *Subscript `parser:"| '[' @@ ']'"`
	Attr  string     `parser:"| '.' @Name"`
}

// CallArgs are the arguments of a call.
type CallArgs struct {
	Pos  lexer.Position
	Args []*Arg `parser:"( @@ ( ',' @@ )* ','? )?"`
}

// Arg is one call argument.
type Arg struct {
	Pos     lexer.Position
	Star    string   `parser:"@( '*' | '**' )?"`
	Keyword string   `parser:"( @Name '=' )?"`
	Value   *Test    `parser:"@@"`
	For     *CompFor `parser:"@@?"`
}

// Subscript is `[x]` or a slice `[a:b]`.
type Subscript struct {
	Pos   lexer.Position
	Lower *Test `parser:"@@?"`
	Slice bool  `parser:"( @':'"`
	Upper *Test `parser:"  @@? )?"`
}

// Atom is a literal, name, or bracketed expression.
type Atom struct {
	Pos      lexer.Position
	Paren    *ListBody `parser:"  '(' @@ ')'"`
	List     *ListBody `parser:"| '[' @@ ']'"`
	Dict     *DictBody `parser:"| '{' @@ '}'"`
	Backtick *TestList "parser:\"| '`' @@ '`'\""
	Strings  []string  `parser:"| @String+"`
	Number   string    `parser:"| @Number"`
	Name     string    `parser:"| @Name"`
}

// ListBody is the inside of () or []: empty, a comma list, or a
// comprehension.
type ListBody struct {
	Pos   lexer.Position
	First *Test    `parser:"( @@"`
	For   *CompFor `parser:"  ( @@"`
	Rest  []*Test  `parser:"  | ( ',' @@ )+ )?"`
	Comma bool     `parser:"  @','? )?"`
}

// CompFor is a comprehension clause (always refused).
type CompFor struct {
	Pos    lexer.Position
	Target []*BitExpr `parser:"'for' @@ ( ',' @@ )* 'in'"`
	Iter   *OrTest    `parser:"@@"`
	Ifs    []*OrTest  `parser:"( 'if' @@ )*"`
	Next   *CompFor   `parser:"@@?"`
}

// DictBody is the inside of {}: a dict or set display.
type DictBody struct {
	Pos   lexer.Position
	Items []*DictItem `parser:"( @@ ( ',' @@ )* ','? )?"`
}

// DictItem is `k: v` or a set element.
type DictItem struct {
	Pos   lexer.Position
	Key   *Test `parser:"@@"`
	Value *Test `parser:"( ':' @@ )?"`
}

var parser = participle.MustBuild[File](
	participle.Lexer(definition{}),
	participle.UseLookahead(1),
)
