package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Default decoding limits (see Decoder).
const (
	// DefaultMaxDepth is how deeply arrays and structs may nest. xend's deepest
	// replies (domain SXP with devices) nest fewer than 10 levels.
	DefaultMaxDepth = 100
	// DefaultMaxDecodeBytes is the largest document Decoder accepts.
	DefaultMaxDecodeBytes = 64 << 20
)

// SyntaxError is a document that is not well-formed XML-RPC. It gives the position
// (1-based line and column, and the byte offset) where decoding stopped.
type SyntaxError struct {
	Line, Column int
	Offset       int64
	Msg          string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("xmlrpc: malformed XML-RPC at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// ErrTooDeep is wrapped by the SyntaxError for a document nesting arrays or structs
// deeper than the Decoder's MaxDepth.
var ErrTooDeep = errors.New("values nested too deeply")

// Decoder reads XML-RPC documents strictly: only the elements of the XML-RPC
// specification (plus <nil/> and <i8>), no DTD or entity declaration, no undefined
// entity, no text where an element belongs, every scalar well-formed. It accepts
// what CPython's xmlrpclib and xm send, including a bare <value>text</value>.
// The XML itself is read by the package's scanner (xmlscan.go), which is as strict
// as expat, the parser of xend and of Python's clients.
// The zero Decoder uses the default limits.
type Decoder struct {
	// MaxDepth bounds the nesting of arrays and structs; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxBytes bounds the document size; 0 means DefaultMaxDecodeBytes.
	MaxBytes int
}

// DecodeCall decodes a methodCall document with the default limits.
func DecodeCall(doc []byte) (method string, args []any, err error) {
	return Decoder{}.DecodeCall(doc)
}

// DecodeResponse decodes a methodResponse document with the default limits. A fault
// response is returned as a *Fault error.
func DecodeResponse(doc []byte) (any, error) {
	return Decoder{}.DecodeResponse(doc)
}

// DecodeCall decodes a methodCall document into the method name and its positional
// arguments. A missing <params> element means no arguments.
func (d Decoder) DecodeCall(doc []byte) (method string, args []any, err error) {
	return d.decodeCall(doc, scannerTokens)
}

func (d Decoder) decodeCall(doc []byte, src tokenFactory) (method string, args []any, err error) {
	p, err := d.start(doc, "methodCall", src)
	if err != nil {
		return "", nil, err
	}
	if err := p.expectStart("methodName"); err != nil {
		return "", nil, err
	}
	if method, err = p.text("methodName"); err != nil {
		return "", nil, err
	}
	args = []any{}
	se, ok, err := p.nextStartOrEnd("methodCall")
	if err != nil {
		return "", nil, err
	}
	if ok {
		if se.Name.Local != "params" {
			return "", nil, p.errorf("unexpected <%s> in <methodCall>, want <params>", se.Name.Local)
		}
		if args, err = p.params(); err != nil {
			return "", nil, err
		}
		if err := p.expectEnd("methodCall"); err != nil {
			return "", nil, err
		}
	}
	return method, args, p.finish()
}

// DecodeResponse decodes a methodResponse document: the single result value, or a
// *Fault error for a <fault> reply.
func (d Decoder) DecodeResponse(doc []byte) (any, error) {
	return d.decodeResponse(doc, scannerTokens)
}

func (d Decoder) decodeResponse(doc []byte, src tokenFactory) (any, error) {
	p, err := d.start(doc, "methodResponse", src)
	if err != nil {
		return nil, err
	}
	se, ok, err := p.nextStartOrEnd("methodResponse")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorf("empty <methodResponse>")
	}
	var result any
	switch se.Name.Local {
	case "params":
		vals, err := p.params()
		if err != nil {
			return nil, err
		}
		if len(vals) != 1 {
			return nil, p.errorf("methodResponse has %d params, want 1", len(vals))
		}
		result = vals[0]
	case "fault":
		if err := p.expectStart("value"); err != nil {
			return nil, err
		}
		v, err := p.value(0)
		if err != nil {
			return nil, err
		}
		if err := p.expectEnd("fault"); err != nil {
			return nil, err
		}
		s, ok := v.(Struct)
		code, okc := s.Get("faultCode")
		str, oks := s.Get("faultString")
		n, okn := code.(int)
		if !ok || !okc || !oks || !okn {
			return nil, p.errorf("fault is not a struct with an int faultCode and a faultString")
		}
		if err := p.expectEnd("methodResponse"); err != nil {
			return nil, err
		}
		if err := p.finish(); err != nil {
			return nil, err
		}
		return nil, &Fault{Code: n, String: str}
	default:
		return nil, p.errorf("unexpected <%s> in <methodResponse>", se.Name.Local)
	}
	if err := p.expectEnd("methodResponse"); err != nil {
		return nil, err
	}
	return result, p.finish()
}

// parser walks the token stream of one document.
type parser struct {
	dec      tokenSource
	maxDepth int
}

// tokenSource is what the parser reads tokens from: the package's scanner, or
// (in tests, as a reference) an encoding/xml.Decoder.
type tokenSource interface {
	Token() (xml.Token, error)
	InputPos() (line, column int)
	InputOffset() int64
}

// tokenFactory opens a tokenSource over a document.
type tokenFactory func(doc []byte) (tokenSource, error)

// scannerTokens is the production tokenFactory.
func scannerTokens(doc []byte) (tokenSource, error) { return newScanner(doc) }

func (d Decoder) start(doc []byte, root string, src tokenFactory) (*parser, error) {
	maxBytes := d.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxDecodeBytes
	}
	if len(doc) > maxBytes {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: fmt.Sprintf("document of %d bytes exceeds the limit of %d", len(doc), maxBytes)}
	}
	p := &parser{maxDepth: d.MaxDepth}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	var err error
	if p.dec, err = src(doc); err != nil {
		var se *xml.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Msg
		}
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: msg}
	}
	if err := p.expectStart(root); err != nil {
		return nil, err
	}
	return p, nil
}

// xmlError turns an encoding/xml error into a SyntaxError at the current position.
func (p *parser) xmlError(err error) error {
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	}
	if msg == "unexpected EOF" {
		msg = "unexpected end of document"
	}
	line, col := p.dec.InputPos()
	return &SyntaxError{Line: line, Column: col, Offset: p.dec.InputOffset(), Msg: msg}
}

func (p *parser) errorf(format string, args ...any) error {
	line, col := p.dec.InputPos()
	return &SyntaxError{Line: line, Column: col, Offset: p.dec.InputOffset(), Msg: fmt.Sprintf(format, args...)}
}

// token returns the next token that matters: comments and whitespace-only text are
// skipped, DTDs and processing instructions other than the XML declaration refused.
func (p *parser) token() (xml.Token, error) {
	for {
		tok, err := p.dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil, p.errorf("unexpected end of document")
			}
			return nil, p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Comment:
			continue
		case xml.ProcInst:
			if t.Target == "xml" {
				continue
			}
			return nil, p.errorf("processing instruction <?%s?> is not allowed", t.Target)
		case xml.Directive:
			return nil, p.errorf("DTDs and entity declarations (<!%s...>) are not allowed", firstWord(t))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			return t, nil
		default:
			return tok, nil
		}
	}
}

func firstWord(b []byte) string {
	s := string(b)
	if i := strings.IndexAny(s, " \t\r\n["); i >= 0 {
		s = s[:i]
	}
	if len(s) > 20 {
		s = s[:20]
	}
	return s
}

func (p *parser) expectStart(name string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if se, ok := tok.(xml.StartElement); ok && se.Name.Local == name && se.Name.Space == "" {
		return nil
	}
	return p.errorf("found %s, want <%s>", describe(tok), name)
}

func (p *parser) expectEnd(name string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == name {
		return nil
	}
	return p.errorf("found %s, want </%s>", describe(tok), name)
}

// nextStartOrEnd returns the next start element, or ok=false at </parent>.
func (p *parser) nextStartOrEnd(parent string) (xml.StartElement, bool, error) {
	tok, err := p.token()
	if err != nil {
		return xml.StartElement{}, false, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if t.Name.Space != "" {
			return t, false, p.errorf("namespaced element <%s:%s> is not XML-RPC", t.Name.Space, t.Name.Local)
		}
		return t, true, nil
	case xml.EndElement:
		if t.Name.Local == parent {
			return xml.StartElement{}, false, nil
		}
	}
	return xml.StartElement{}, false, p.errorf("found %s in <%s>", describe(tok), parent)
}

// finish checks that nothing but whitespace, comments or PIs follows the root.
func (p *parser) finish() error {
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return p.errorf("after the document: %v", err)
		}
		switch t := tok.(type) {
		case xml.Comment:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return p.errorf("text after the document element")
			}
		default:
			return p.errorf("found %s after the document element", describe(tok))
		}
	}
}

func describe(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		return "<" + t.Name.Local + ">"
	case xml.EndElement:
		return "</" + t.Name.Local + ">"
	case xml.CharData:
		s := strings.TrimSpace(string(t))
		if len(s) > 20 {
			s = s[:20] + "..."
		}
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%T", tok)
}

// text reads character data up to </name>; elements inside are refused.
func (p *parser) text(name string) (string, error) {
	var sb strings.Builder
	for {
		tok, err := p.dec.Token()
		if err != nil {
			if err == io.EOF {
				return "", p.errorf("unexpected end of document in <%s>", name)
			}
			return "", p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.Comment:
		case xml.EndElement:
			return sb.String(), nil
		case xml.StartElement:
			return "", p.errorf("element <%s> inside <%s>, want text", t.Name.Local, name)
		case xml.Directive:
			return "", p.errorf("DTDs and entity declarations are not allowed")
		default:
			return "", p.errorf("unexpected %s in <%s>", describe(tok), name)
		}
	}
}

// params reads <param><value>..</value></param>* up to </params>.
func (p *parser) params() ([]any, error) {
	args := []any{}
	for {
		se, ok, err := p.nextStartOrEnd("params")
		if err != nil {
			return nil, err
		}
		if !ok {
			return args, nil
		}
		if se.Name.Local != "param" {
			return nil, p.errorf("unexpected <%s> in <params>, want <param>", se.Name.Local)
		}
		if err := p.expectStart("value"); err != nil {
			return nil, err
		}
		v, err := p.value(0)
		if err != nil {
			return nil, err
		}
		if err := p.expectEnd("param"); err != nil {
			return nil, err
		}
		args = append(args, v)
	}
}

// value reads the content of a <value> element whose start tag was consumed, and
// its end tag. depth counts the enclosing arrays and structs.
func (p *parser) value(depth int) (any, error) {
	var text []byte
	for {
		tok, err := p.dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil, p.errorf("unexpected end of document in <value>")
			}
			return nil, p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.Comment:
		case xml.EndElement:
			// A bare <value>text</value> is a string, whitespace included.
			return string(text), nil
		case xml.StartElement:
			if len(bytes.TrimSpace(text)) != 0 {
				return nil, p.errorf("text and <%s> mixed in <value>", t.Name.Local)
			}
			v, err := p.typed(t.Name.Local, depth)
			if err != nil {
				return nil, err
			}
			return v, p.expectEnd("value")
		case xml.Directive:
			return nil, p.errorf("DTDs and entity declarations are not allowed")
		default:
			return nil, p.errorf("unexpected %s in <value>", describe(tok))
		}
	}
}
