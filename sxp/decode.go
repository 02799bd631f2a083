package sxp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A Decoder reads SXP values one at a time from a stream, such as a
// relocation connection that carries several values. It reads only as much
// as it needs: a list is returned as soon as its ")" arrives, without waiting
// for more input, and a value split across many reads is assembled. Syntax
// and limits are those of [ParseAll]; a single value may be at most
// [MaxSize] bytes. After an error the Decoder returns the same error forever.
type Decoder struct {
	r       io.Reader
	buf     []byte
	start   int     // first unconsumed byte of buf
	scan    int     // scanner position in buf (>= start)
	pending []Value // values parsed but not yet returned
	err     error   // sticky error
	readErr error   // error from r, returned once the buffer is drained
	eot     bool    // saw Ctrl-D at the top level: the stream is over

	// position of buf[start] in the stream
	off       int64
	line, col int

	// the parser's scratch space, kept between values
	stack  []Value
	opens  []int
	openAt []int

	// scanner state
	st        scanState
	depth     int
	quote     byte
	atomStart int
}

type scanState uint8

const (
	scanBetween scanState = iota // between tokens
	scanAtom
	scanString
	scanEscape
	scanComment
)

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r, line: 1, col: 1}
}

// Decode returns the next top-level value. At the clean end of the stream
// (end of input or Ctrl-D between values) it returns io.EOF. If the stream
// ends inside a value it returns a [*SyntaxError] wrapping
// [ErrUnexpectedEOF]; read errors other than io.EOF are returned as they are.
func (d *Decoder) Decode() (Value, error) {
	for {
		if len(d.pending) > 0 {
			v := d.pending[0]
			d.pending[0] = Value{}
			d.pending = d.pending[1:]
			return v, nil
		}
		if d.err != nil {
			return Value{}, d.err
		}
		if d.eot {
			d.err = io.EOF
			continue
		}
		end, ok := d.scanValue()
		if !ok {
			if d.scan-d.start > MaxSize {
				d.fail(d.tooLarge())
				continue
			}
			if d.readErr != nil {
				d.finish()
				continue
			}
			d.fill()
			continue
		}
		d.consume(end)
	}
}

// More reports whether another value may follow: false once Decode has
// returned an error or io.EOF, or when the stream has ended with nothing but
// whitespace and comments left. It may block to read.
func (d *Decoder) More() bool {
	for len(d.pending) == 0 && d.err == nil {
		if d.eot {
			return false
		}
		end, ok := d.scanValue()
		if ok {
			d.consume(end)
			continue
		}
		if d.readErr != nil {
			if d.st == scanBetween && d.depth == 0 || d.st == scanComment && d.depth == 0 {
				return false
			}
			return true
		}
		if d.scan-d.start > MaxSize {
			return true
		}
		d.fill()
	}
	return len(d.pending) > 0
}

// Buffered returns the bytes read from the stream but not yet decoded, so
// that a protocol can switch to raw data after a value. A top-level atom ends
// at the byte after it, which stays in the buffer.
func (d *Decoder) Buffered() io.Reader {
	return bytes.NewReader(d.buf[d.start:])
}

// InputOffset returns the stream offset just after the last decoded value.
func (d *Decoder) InputOffset() int64 { return d.off }

func (d *Decoder) fail(err error) {
	d.err = err
	d.pending = nil
}

// fill reads more input into the buffer.
func (d *Decoder) fill() {
	if d.start > 0 && d.start >= len(d.buf)/2 {
		n := copy(d.buf, d.buf[d.start:])
		d.buf = d.buf[:n]
		d.scan -= d.start
		d.atomStart -= d.start
		d.start = 0
	}
	if cap(d.buf)-len(d.buf) < 512 {
		nb := make([]byte, len(d.buf), 2*cap(d.buf)+4096)
		copy(nb, d.buf)
		d.buf = nb
	}
	n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
	d.buf = d.buf[:len(d.buf)+n]
	if err != nil {
		d.readErr = err
	}
}

// finish handles the end of the underlying stream: what is left is parsed
// as it is. Whitespace and comments give nothing, a top-level atom is
// complete, and anything else is an unexpected end that the parser reports
// with its position.
func (d *Decoder) finish() {
	if !errors.Is(d.readErr, io.EOF) {
		d.fail(d.readErr)
		return
	}
	d.consume(len(d.buf))
	if d.err == nil && len(d.pending) == 0 {
		d.fail(io.EOF)
	}
}

// consume parses buf[start:end], queues its values and advances the stream
// position past it.
func (d *Decoder) consume(end int) {
	seg := string(d.buf[d.start:end])
	p := parser{s: seg, baseOff: d.off, baseLine: d.line, baseCol: d.col, stack: d.stack[:0], opens: d.opens[:0], openAt: d.openAt[:0]}
	vals, err := p.run(-1)
	d.stack, d.opens, d.openAt = p.stack[:0], p.opens[:0], p.openAt[:0] // scratch space, reused
	d.eot = p.eot                                                       // Ctrl-D: the stream is over
	d.pending = append(d.pending, vals...)
	if err != nil {
		// The values completed before the error are still returned, as
		// ParseAll returns them.
		d.err = err
		return
	}
	if nl := strings.Count(seg, "\n"); nl > 0 {
		d.line += nl
		d.col = len(seg) - strings.LastIndexByte(seg, '\n')
	} else {
		d.col += len(seg)
	}
	d.off += int64(len(seg))
	d.start = end
	if d.scan < end {
		d.scan = end
	}
	d.st, d.depth = scanBetween, 0
}

func (d *Decoder) tooLarge() error {
	p := parser{s: "", baseOff: d.off, baseLine: d.line, baseCol: d.col}
	return p.errAt(0, ErrTooLarge, fmt.Sprintf("value starting here is larger than %d bytes (sxp.MaxSize)", MaxSize), "")
}

// scanValue advances the scanner over the buffered bytes and reports the end
// of the first complete top-level value (exclusive), if there is one. It
// does not build values; the parser does that on the complete segment.
func (d *Decoder) scanValue() (end int, ok bool) {
	buf := d.buf
	for i := d.scan; i < len(buf); i++ {
		c := buf[i]
		switch d.st {
		case scanBetween:
			switch class[c] {
			case cSpace:
			case cComment:
				d.st = scanComment
			case cEOT:
				d.scan = i + 1
				return i + 1, true
			case cOpen:
				d.depth++
			case cClose:
				if d.depth <= 1 {
					d.depth = 0
					d.scan = i + 1
					return i + 1, true
				}
				d.depth--
			case cQuote:
				d.st, d.quote = scanString, c
			case cAtom:
				d.st, d.atomStart = scanAtom, i
			default:
				// The parser rejects this byte; hand it over now.
				d.scan = i + 1
				return i + 1, true
			}
		case scanAtom:
			if !atomEnd[c] {
				for i+1 < len(buf) && !atomEnd[buf[i+1]] {
					i++
				}
				continue
			}
			d.st = scanBetween
			if d.depth == 0 {
				if i-d.atomStart == 1 && buf[d.atomStart] == '\\' && (c == '\n' || c == '\r') {
					// A line continuation: not a value; keep scanning.
					continue
				}
				d.scan = i
				return i, true
			}
			i-- // the byte that ended the atom is a token of its own
		case scanString:
			switch c {
			case d.quote:
				d.st = scanBetween
				if d.depth == 0 {
					d.scan = i + 1
					return i + 1, true
				}
			case '\\':
				d.st = scanEscape
			default:
				for i+1 < len(buf) && buf[i+1] != d.quote && buf[i+1] != '\\' {
					i++
				}
			}
		case scanEscape:
			d.st = scanString
		case scanComment:
			if c == '\n' {
				d.st = scanBetween
			} else if j := bytes.IndexByte(buf[i:], '\n'); j < 0 {
				i = len(buf) - 1
			} else {
				i += j - 1
			}
		}
	}
	d.scan = len(buf)
	return 0, false
}
