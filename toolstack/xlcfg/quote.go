package xlcfg

import (
	"fmt"
	"strings"
)

// Quote quotes s as an xl.cfg string that libxlu reads back unchanged:
// double quotes, and only the escapes libxlu really decodes (config.md
// §1.3). Control bytes other than \a \b \t \n \v \f \r cannot be written
// and are refused.
func Quote(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("control byte %#02x cannot be written in an xl.cfg string (libxlu's \\x and octal escapes are broken)", c)
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}
