package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xendshim/xendshim/sxp"
)

// XendOption is one top-level form of an xend-config.sxp: (name arg...).
type XendOption struct {
	Name string
	// Args are the values after the name; xend used the first one.
	Args []sxp.Value
	// Line is the 1-based line of the form's opening parenthesis.
	Line int
}

// XendFile is a parsed xend-config.sxp: its forms in file order, duplicates
// included.
type XendFile struct {
	Path    string
	Options []XendOption
}

// ReadXendConfig reads and parses the xend configuration file at path. It
// checks the syntax only; [XendFile.Settings] checks the options.
func ReadXendConfig(path string) (*XendFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseXendConfig(path, data)
}

// ParseXendConfig parses xend-config.sxp text; path is used in errors only.
// A syntax error reads "PATH:LINE:COL: what is wrong"; a top-level value
// that is not a (name value) form reads "PATH:LINE: ...".
func ParseXendConfig(path string, data []byte) (*XendFile, error) {
	f := &XendFile{Path: path}
	dec := sxp.NewDecoder(bytes.NewReader(data))
	prevEnd := 0
	for {
		v, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			var se *sxp.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s:%d:%d: %s", path, se.Line, se.Col, se.Msg)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		end := int(dec.InputOffset())
		line := lineOf(data, formStart(data, prevEnd, end))
		prevEnd = end
		if !v.IsList() {
			return nil, fmt.Errorf("%s:%d: expected an option such as (xend-port 8000), found %s", path, line, sxp.Show(v))
		}
		name := v.Name()
		if name == "" {
			return nil, fmt.Errorf("%s:%d: expected an option such as (xend-port 8000), found %s: a form must start with the option name", path, line, clip(sxp.Show(v)))
		}
		f.Options = append(f.Options, XendOption{Name: name, Args: v.Items()[1:], Line: line})
	}
}

// Lookup returns the first form named name, the one xend used.
func (f *XendFile) Lookup(name string) (XendOption, bool) {
	for _, o := range f.Options {
		if o.Name == name {
			return o, true
		}
	}
	return XendOption{}, false
}

// formStart returns the offset of the first byte of the value that ends at
// end, skipping the whitespace and comments that follow the previous value.
func formStart(data []byte, from, end int) int {
	i := from
	for i < end {
		switch c := data[i]; {
		case c == '#':
			for i < end && data[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			i++
		default:
			return i
		}
	}
	return i
}

// lineOf returns the 1-based line of offset off.
func lineOf(data []byte, off int) int {
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// clip shortens a printed value for an error message.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
