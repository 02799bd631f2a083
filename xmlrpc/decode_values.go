package xmlrpc

// The typed values of the decoder: scalars, arrays, structs, and the character
// sets Python clients declare.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// typed reads one typed value whose start tag <name> was consumed.
func (p *parser) typed(name string, depth int) (any, error) {
	switch name {
	case "array":
		if depth >= p.maxDepth {
			return nil, p.tooDeep()
		}
		return p.array(depth + 1)
	case "struct":
		if depth >= p.maxDepth {
			return nil, p.tooDeep()
		}
		return p.structure(depth + 1)
	case "nil":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) != "" {
			return nil, p.errorf("<nil/> must be empty")
		}
		return nil, nil
	}
	s, err := p.text(name)
	if err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return s, nil
	case "int", "i4", "i8":
		return parseInt(p, name, s)
	case "boolean":
		switch s {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, p.errorf("bad boolean value %q, want 0 or 1", s)
	case "double":
		return parseDouble(p, s)
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
		b, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			return nil, p.errorf("bad base64: %v", err)
		}
		return b, nil
	case "dateTime.iso8601":
		t := strings.TrimSpace(s)
		for _, layout := range []string{dateTimeLayout, "2006-01-02T15:04:05", "20060102T150405"} {
			if tm, err := time.Parse(layout, t); err == nil {
				return tm, nil
			}
		}
		return nil, p.errorf("bad dateTime.iso8601 %q, want YYYYMMDDTHH:MM:SS", s)
	}
	return nil, p.errorf("unknown value type <%s>", name)
}

func (p *parser) tooDeep() error {
	line, col := p.dec.InputPos()
	return &SyntaxError{Line: line, Column: col, Offset: p.dec.InputOffset(),
		Msg: fmt.Sprintf("%v: more than %d levels of arrays and structs", ErrTooDeep, p.maxDepth)}
}

func (p *parser) array(depth int) (any, error) {
	if err := p.expectStart("data"); err != nil {
		return nil, err
	}
	items := []any{}
	for {
		se, ok, err := p.nextStartOrEnd("data")
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if se.Name.Local != "value" {
			return nil, p.errorf("unexpected <%s> in <data>, want <value>", se.Name.Local)
		}
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, p.expectEnd("array")
}

func (p *parser) structure(depth int) (any, error) {
	s := Struct{}
	for {
		se, ok, err := p.nextStartOrEnd("struct")
		if err != nil {
			return nil, err
		}
		if !ok {
			return s, nil
		}
		if se.Name.Local != "member" {
			return nil, p.errorf("unexpected <%s> in <struct>, want <member>", se.Name.Local)
		}
		if err := p.expectStart("name"); err != nil {
			return nil, err
		}
		name, err := p.text("name")
		if err != nil {
			return nil, err
		}
		if err := p.expectStart("value"); err != nil {
			return nil, err
		}
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		if err := p.expectEnd("member"); err != nil {
			return nil, err
		}
		s = append(s, Member{Name: name, Value: v})
	}
}

// parseInt reads an integer as Python's int() did: optional surrounding
// whitespace, an optional sign, decimal digits. Values beyond int64 become *big.Int.
func parseInt(p *parser, tag, s string) (any, error) {
	t := strings.TrimSpace(s)
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return nil, p.errorf("bad <%s> value %q, want a decimal integer", tag, s)
	}
	t = strings.TrimPrefix(t, "+")
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return int(n), nil
	}
	n, _ := new(big.Int).SetString(t, 10)
	return n, nil
}

// parseDouble reads a float as Python's float() did (decimal and exponent forms,
// inf and nan), refusing Go-only syntax such as hex floats and underscores.
func parseDouble(p *parser, s string) (any, error) {
	t := strings.TrimSpace(s)
	if strings.ContainsAny(t, "xXpP_") {
		return nil, p.errorf("bad <double> value %q", s)
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && !math.IsNaN(x)) {
		return nil, p.errorf("bad <double> value %q", s)
	}
	return x, nil
}
