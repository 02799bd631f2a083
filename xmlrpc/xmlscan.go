package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// scanner is the decoder's XML tokenizer: a strict, single-pass reader over an
// in-memory document that yields encoding/xml's token types, so the parser is
// written once. It is several times faster than encoding/xml.Decoder on XML-RPC
// (text is returned as sub-slices of the document when it holds no entity or CR)
// and stricter: no DTD (a <!DOCTYPE or <!ENTITY is handed to the parser as a
// Directive, which refuses it), no entity other than the five predefined ones and
// character references, no namespace declarations, and only UTF-8, US-ASCII or an
// ISO-8859-1 document as a whole. Start and end tags must match; characters must
// be valid UTF-8 and legal in XML 1.0; CR LF and CR in text become LF.
type scanner struct {
	doc     []byte
	pos     int
	stack   []string
	pending bool // a self-closing tag's EndElement is due
}

func newScanner(doc []byte) (*scanner, error) {
	s := &scanner{doc: doc}
	if bytes.HasPrefix(doc, []byte("<?xml")) && len(doc) > 5 && isSpace(doc[5]) {
		end := bytes.Index(doc, []byte("?>"))
		if end < 0 {
			return nil, s.errorf("unexpected EOF")
		}
		enc, err := declaredEncoding(doc[5:end])
		if err != nil {
			return nil, s.errorf("%v", err)
		}
		switch strings.ToLower(enc) {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "latin-1", "latin1", "iso8859-1":
			s.doc = latin1ToUTF8(doc)
		default:
			return nil, s.errorf("unsupported encoding %q (want UTF-8 or ISO-8859-1)", enc)
		}
	}
	return s, nil
}

// declaredEncoding reads the version and encoding pseudo-attributes of an XML
// declaration, refusing versions other than 1.0.
func declaredEncoding(decl []byte) (string, error) {
	attr := func(name string) string {
		i := bytes.Index(decl, []byte(name))
		if i < 0 {
			return ""
		}
		rest := bytes.TrimLeft(decl[i+len(name):], " \t\r\n")
		if len(rest) == 0 || rest[0] != '=' {
			return ""
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		j := bytes.IndexByte(rest[1:], rest[0])
		if j < 0 {
			return ""
		}
		return string(rest[1 : 1+j])
	}
	if v := attr("version"); v != "" && v != "1.0" {
		return "", fmt.Errorf("unsupported XML version %q", v)
	}
	return attr("encoding"), nil
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		if c < 0x80 {
			out = append(out, c)
		} else {
			out = append(out, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return out
}

// InputPos returns the 1-based line and column of the current position.
func (s *scanner) InputPos() (line, column int) {
	p := min(s.pos, len(s.doc))
	line = 1 + bytes.Count(s.doc[:p], []byte("\n"))
	return line, p - bytes.LastIndexByte(s.doc[:p], '\n')
}

// InputOffset returns the byte offset of the current position.
func (s *scanner) InputOffset() int64 { return int64(s.pos) }

func (s *scanner) errorf(format string, args ...any) error {
	line, _ := s.InputPos()
	return &xml.SyntaxError{Msg: fmt.Sprintf(format, args...), Line: line}
}

// Token returns the next token, or io.EOF after the last one.
func (s *scanner) Token() (xml.Token, error) {
	if s.pending {
		s.pending = false
		name := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		return boxEnd(name), nil
	}
	if s.pos >= len(s.doc) {
		if len(s.stack) > 0 {
			return nil, s.errorf("unexpected EOF")
		}
		return nil, io.EOF
	}
	if s.doc[s.pos] != '<' {
		return s.text()
	}
	rest := s.doc[s.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		end := bytes.Index(rest[4:], []byte("-->"))
		if end < 0 {
			s.pos = len(s.doc)
			return nil, s.errorf("unexpected EOF")
		}
		body := rest[4 : 4+end]
		if bytes.Contains(body, []byte("--")) || bytes.HasSuffix(body, []byte("-")) {
			return nil, s.errorf(`invalid sequence "--" not allowed in comments`)
		}
		if err := s.checkChars(body); err != nil {
			return nil, err
		}
		s.pos += 4 + end + 3
		return xml.Comment(body), nil
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end := bytes.Index(rest[9:], []byte("]]>"))
		if end < 0 {
			s.pos = len(s.doc)
			return nil, s.errorf("unexpected EOF in CDATA section")
		}
		raw := rest[9 : 9+end]
		if err := s.checkChars(raw); err != nil {
			return nil, err
		}
		s.pos += 9 + end + 3
		return xml.CharData(normalizeCR(raw)), nil
	case bytes.HasPrefix(rest, []byte("<!")):
		// DOCTYPE, ENTITY and the like: the parser refuses any Directive.
		return xml.Directive(rest[2:min(len(rest), 40)]), nil
	case bytes.HasPrefix(rest, []byte("<?")):
		return s.procInst()
	case bytes.HasPrefix(rest, []byte("</")):
		return s.endTag()
	}
	return s.startTag()
}

func (s *scanner) procInst() (xml.Token, error) {
	s.pos += 2
	target, err := s.name()
	if err != nil {
		return nil, err
	}
	end := bytes.Index(s.doc[s.pos:], []byte("?>"))
	if end < 0 {
		s.pos = len(s.doc)
		return nil, s.errorf("unexpected EOF")
	}
	inst := s.doc[s.pos : s.pos+end]
	if len(inst) > 0 && !isSpace(inst[0]) {
		return nil, s.errorf("expected space after <?%s", target)
	}
	if err := s.checkChars(inst); err != nil {
		return nil, err
	}
	if target == "xml" {
		enc, err := declaredEncoding(inst)
		if err != nil {
			return nil, s.errorf("%v", err)
		}
		switch strings.ToLower(enc) {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
		default:
			if s.pos != 5 {
				return nil, s.errorf("encoding %q declared after the start of the document", enc)
			}
		}
	}
	s.pos += end + 2
	return xml.ProcInst{Target: target, Inst: inst}, nil
}

func (s *scanner) endTag() (xml.Token, error) {
	s.pos += 2
	name, err := s.name()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos >= len(s.doc) {
		return nil, s.errorf("unexpected EOF")
	}
	if s.doc[s.pos] != '>' {
		return nil, s.errorf("invalid characters between </%s and >", name)
	}
	s.pos++
	if len(s.stack) == 0 {
		return nil, s.errorf("unexpected end element </%s>", name)
	}
	if open := s.stack[len(s.stack)-1]; open != name {
		return nil, s.errorf("element <%s> closed by </%s>", open, name)
	}
	s.stack = s.stack[:len(s.stack)-1]
	return boxEnd(name), nil
}

func (s *scanner) startTag() (xml.Token, error) {
	s.pos++
	name, err := s.name()
	if err != nil {
		return nil, err
	}
	for {
		sawSpace := s.skipSpace()
		if s.pos >= len(s.doc) {
			return nil, s.errorf("unexpected EOF")
		}
		switch s.doc[s.pos] {
		case '>':
			s.pos++
			s.stack = append(s.stack, name)
			return boxStart(name), nil
		case '/':
			if s.pos+1 >= len(s.doc) || s.doc[s.pos+1] != '>' {
				return nil, s.errorf("expected /> in element")
			}
			s.pos += 2
			s.stack = append(s.stack, name)
			s.pending = true
			return boxStart(name), nil
		}
		if !sawSpace {
			return nil, s.errorf("expected space before attribute in <%s>", name)
		}
		if err := s.attribute(name); err != nil {
			return nil, err
		}
	}
}

// attribute checks one attribute's syntax and ignores it: XML-RPC has none, and
// xmlrpclib ignored them. Namespace declarations are refused.
func (s *scanner) attribute(elem string) error {
	an, err := s.name()
	if err != nil {
		return err
	}
	if an == "xmlns" || strings.HasPrefix(an, "xmlns:") {
		return s.errorf("namespace declaration in <%s>: XML-RPC uses no namespaces", elem)
	}
	s.skipSpace()
	if s.pos >= len(s.doc) || s.doc[s.pos] != '=' {
		return s.errorf("attribute %s in <%s> has no value", an, elem)
	}
	s.pos++
	s.skipSpace()
	if s.pos >= len(s.doc) || (s.doc[s.pos] != '"' && s.doc[s.pos] != '\'') {
		return s.errorf("unquoted attribute value in <%s>", elem)
	}
	q := s.doc[s.pos]
	s.pos++
	end := bytes.IndexByte(s.doc[s.pos:], q)
	if end < 0 {
		s.pos = len(s.doc)
		return s.errorf("unexpected EOF")
	}
	val := s.doc[s.pos : s.pos+end]
	if bytes.IndexByte(val, '<') >= 0 {
		return s.errorf("unescaped < inside attribute value")
	}
	if _, err := s.decodeText(val); err != nil {
		return err
	}
	s.pos += end + 1
	return nil
}

// name reads an XML name; names with a colon are refused (no namespaces).
func (s *scanner) name() (string, error) {
	start := s.pos
	for s.pos < len(s.doc) {
		c := s.doc[s.pos]
		if c == '_' || c == ':' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			s.pos > start && (c == '-' || c == '.' || '0' <= c && c <= '9') {
			s.pos++
			continue
		}
		break
	}
	if s.pos == start {
		if s.pos >= len(s.doc) {
			return "", s.errorf("unexpected EOF")
		}
		return "", s.errorf("invalid XML name")
	}
	raw := s.doc[start:s.pos]
	if !utf8.Valid(raw) {
		return "", s.errorf("invalid UTF-8")
	}
	if bytes.IndexByte(raw, ':') >= 0 {
		return "", s.errorf("namespaced name %q: XML-RPC uses no namespaces", raw)
	}
	return internName(raw), nil
}

// Tokens are handed to the parser as xml.Token interface values; boxing one
// allocates, so the tokens of XML-RPC's own element names are boxed once here.
// The parser never modifies a token.
var (
	startTokens            = map[string]xml.Token{}
	endTokens              = map[string]xml.Token{}
	newlineToken xml.Token = xml.CharData("\n")
)

func init() {
	for _, n := range []string{"value", "string", "int", "i4", "array", "data", "struct", "member",
		"name", "param", "params", "double", "boolean", "nil", "methodResponse", "methodCall", "methodName"} {
		startTokens[n] = xml.StartElement{Name: xml.Name{Local: n}}
		endTokens[n] = xml.EndElement{Name: xml.Name{Local: n}}
	}
}

func boxStart(name string) xml.Token {
	if t, ok := startTokens[name]; ok {
		return t
	}
	return xml.StartElement{Name: xml.Name{Local: name}}
}

func boxEnd(name string) xml.Token {
	if t, ok := endTokens[name]; ok {
		return t
	}
	return xml.EndElement{Name: xml.Name{Local: name}}
}

// internName returns the names XML-RPC uses without allocating.
func internName(b []byte) string {
	switch string(b) {
	case "value":
		return "value"
	case "string":
		return "string"
	case "int":
		return "int"
	case "i4":
		return "i4"
	case "array":
		return "array"
	case "data":
		return "data"
	case "struct":
		return "struct"
	case "member":
		return "member"
	case "name":
		return "name"
	case "param":
		return "param"
	case "params":
		return "params"
	case "double":
		return "double"
	case "boolean":
		return "boolean"
	case "nil":
		return "nil"
	case "methodResponse":
		return "methodResponse"
	case "methodCall":
		return "methodCall"
	case "methodName":
		return "methodName"
	}
	return string(b)
}

func (s *scanner) skipSpace() bool {
	start := s.pos
	for s.pos < len(s.doc) && isSpace(s.doc[s.pos]) {
		s.pos++
	}
	return s.pos > start
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// text returns the character data up to the next '<'.
func (s *scanner) text() (xml.Token, error) {
	end := bytes.IndexByte(s.doc[s.pos:], '<')
	if end < 0 {
		end = len(s.doc) - s.pos
	}
	raw := s.doc[s.pos : s.pos+end]
	if i := bytes.Index(raw, []byte("]]>")); i >= 0 {
		s.pos += i
		return nil, s.errorf("unescaped ]]> not in CDATA section")
	}
	out, err := s.decodeText(raw)
	if err != nil {
		return nil, err
	}
	s.pos += end
	if len(out) == 1 && out[0] == '\n' {
		return newlineToken, nil // between every element xmlrpclib writes
	}
	return xml.CharData(out), nil
}

// decodeText resolves entity and character references, normalises CR LF and CR
// to LF and checks every character. Plain ASCII text is returned as it is.
func (s *scanner) decodeText(raw []byte) ([]byte, error) {
	plain := true
	for _, c := range raw {
		if c == '&' || c == '\r' || c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return raw, nil
	}
	out := make([]byte, 0, len(raw))
	base := s.pos
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				s.pos = base + i
				return nil, s.errorf("invalid character entity %s (no semicolon)", clip(raw[i:]))
			}
			ent := raw[i+1 : i+semi]
			r, ok := resolveEntity(ent)
			if !ok {
				s.pos = base + i
				return nil, s.errorf("invalid character entity &%s;", clip(ent))
			}
			out = utf8.AppendRune(out, r)
			i += semi + 1
		case c == '\r':
			out = append(out, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				s.pos = base + i
				return nil, s.errorf("illegal character code U+%04X", c)
			}
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = base + i
				return nil, s.errorf("invalid UTF-8")
			}
			if !isXMLChar(r) {
				s.pos = base + i
				return nil, s.errorf("illegal character code U+%04X", r)
			}
			out = append(out, raw[i:i+size]...)
			i += size
		}
	}
	return out, nil
}

// checkChars validates comment, PI and CDATA content.
func (s *scanner) checkChars(b []byte) error {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return s.errorf("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return s.errorf("illegal character code U+%04X", r)
		}
		i += size
	}
	return nil
}

func normalizeCR(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' {
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// resolveEntity resolves the five predefined entities and character references.
func resolveEntity(ent []byte) (rune, bool) {
	switch string(ent) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	digits, base := ent[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	var n rune
	for _, c := range digits {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + d
	}
	return n, isXMLChar(n)
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func clip(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "..."
	}
	return string(b)
}
