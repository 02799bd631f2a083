package xmlrpc

// The reference tokenizer: encoding/xml in strict mode, which the package's own
// scanner is checked against (xmlscan_test.go) and benchmarked against.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// stdlibTokens returns a strict encoding/xml.Decoder over doc; tests decode with
// it to check the scanner against the standard library.
func stdlibTokens(doc []byte) (tokenSource, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.CharsetReader = charsetReader
	return d, nil
}

// charsetReader accepts the encodings Python clients declare besides UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin-1", "latin1", "iso8859-1":
		return &latin1Reader{r: in}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8 or ISO-8859-1)", label)
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		raw := make([]byte, max(len(p)/2, 1))
		n, err := l.r.Read(raw)
		for _, c := range raw[:n] {
			if c < 0x80 {
				l.buf = append(l.buf, c)
			} else {
				l.buf = append(l.buf, 0xc0|c>>6, 0x80|c&0x3f)
			}
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
