package xmconfig

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxValueSize bounds the size of any string or list built by the
// evaluator ('x' * 10**9 would otherwise exhaust memory).
const maxValueSize = 1 << 20

// pyFormat implements Python 2's `fmt % args` for a str format: the
// conversions s r d i u x X o c f F e E g G %, the flags - + space 0 #, width
// and precision (including *). A mapping key (%(name)s) is refused.
func pyFormat(format string, arg Value) (string, error) {
	var args []Value
	if arg.Kind == Tuple {
		args = arg.Items
	} else {
		args = []Value{arg}
	}
	next := 0
	take := func() (Value, error) {
		if next >= len(args) {
			return Value{}, fmt.Errorf("not enough arguments for format string")
		}
		v := args[next]
		next++
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format")
		}
		if format[i] == '(' {
			return "", fmt.Errorf("%%(name)s formatting needs a dict")
		}
		var flags string
		for i < len(format) && strings.IndexByte("-+ 0#", format[i]) >= 0 {
			flags += format[i : i+1]
			i++
		}
		width := -1
		if i < len(format) && format[i] == '*' {
			v, err := take()
			if err != nil {
				return "", err
			}
			if v.Kind != Int {
				return "", fmt.Errorf("* wants int")
			}
			width = int(v.I)
			i++
		} else {
			start := i
			for i < len(format) && isDigit(format[i]) {
				i++
			}
			if i > start {
				width, _ = strconv.Atoi(format[start:i])
			}
		}
		prec := -1
		if i < len(format) && format[i] == '.' {
			i++
			if i < len(format) && format[i] == '*' {
				v, err := take()
				if err != nil {
					return "", err
				}
				if v.Kind != Int {
					return "", fmt.Errorf("* wants int")
				}
				prec = int(v.I)
				i++
			} else {
				start := i
				for i < len(format) && isDigit(format[i]) {
					i++
				}
				prec, _ = strconv.Atoi(format[start:i])
			}
		}
		// length modifiers are accepted and ignored, as in Python
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format")
		}
		if width > maxValueSize || prec > maxValueSize {
			return "", fmt.Errorf("format width too large")
		}
		conv := format[i]
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		v, err := take()
		if err != nil {
			return "", err
		}
		s, err := formatOne(conv, flags, prec, v)
		if err != nil {
			return "", err
		}
		if width > len(s) {
			pad := width - len(s)
			switch {
			case strings.Contains(flags, "-"):
				s += strings.Repeat(" ", pad)
			case strings.Contains(flags, "0") && strings.IndexByte("diuxXoeEfFgG", conv) >= 0:
				sign := ""
				if s != "" && (s[0] == '-' || s[0] == '+' || s[0] == ' ') {
					sign, s = s[:1], s[1:]
				}
				s = sign + strings.Repeat("0", pad) + s
			default:
				s = strings.Repeat(" ", pad) + s
			}
		}
		b.WriteString(s)
		if b.Len() > maxValueSize {
			return "", fmt.Errorf("formatted string longer than %d bytes", maxValueSize)
		}
	}
	if next < len(args) {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

func formatOne(conv byte, flags string, prec int, v Value) (string, error) {
	sign := func(neg bool, s string) string {
		switch {
		case neg:
			return "-" + s
		case strings.Contains(flags, "+"):
			return "+" + s
		case strings.Contains(flags, " "):
			return " " + s
		}
		return s
	}
	switch conv {
	case 's', 'r':
		s := v.Str()
		if conv == 'r' {
			s = v.Repr()
		}
		if prec >= 0 && prec < len(s) {
			s = s[:prec]
		}
		return s, nil
	case 'd', 'i', 'u', 'x', 'X', 'o':
		var n int64
		switch v.Kind {
		case Int, Bool:
			n = v.I
		case Float:
			if math.IsInf(v.F, 0) || math.IsNaN(v.F) || math.Abs(v.F) > 9e18 {
				return "", fmt.Errorf("float out of range for %%%c", conv)
			}
			n = int64(v.F)
		case Long:
			if !v.Big.IsInt64() {
				return "", fmt.Errorf("long too large for this formatter")
			}
			n = v.Big.Int64()
		default:
			return "", fmt.Errorf("%%%c format: a number is required, not %s", conv, v.Kind)
		}
		neg := n < 0
		u := uint64(n)
		if neg {
			u = uint64(-n)
		}
		var s string
		switch conv {
		case 'x', 'X':
			s = strconv.FormatUint(u, 16)
			if strings.Contains(flags, "#") {
				s = "0x" + s
			}
			if conv == 'X' {
				s = strings.ToUpper(s)
			}
		case 'o':
			s = strconv.FormatUint(u, 8)
			if strings.Contains(flags, "#") && s != "0" {
				s = "0" + s
			}
		default:
			s = strconv.FormatUint(u, 10)
		}
		if prec > len(s) {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		return sign(neg, s), nil
	case 'c':
		switch v.Kind {
		case Int:
			if v.I < 0 || v.I > 255 {
				return "", fmt.Errorf("%%c arg not in range(256)")
			}
			return string([]byte{byte(v.I)}), nil
		case Str:
			if len(v.S) != 1 {
				return "", fmt.Errorf("%%c requires int or char")
			}
			return v.S, nil
		}
		return "", fmt.Errorf("%%c requires int or char")
	case 'f', 'F', 'e', 'E', 'g', 'G':
		var f float64
		switch v.Kind {
		case Int, Bool:
			f = float64(v.I)
		case Float:
			f = v.F
		default:
			return "", fmt.Errorf("%%%c format: a float is required, not %s", conv, v.Kind)
		}
		if prec < 0 {
			prec = 6
		}
		c := conv
		if c == 'F' {
			c = 'f'
		}
		s := strconv.FormatFloat(math.Abs(f), c, prec, 64)
		if (c == 'e' || c == 'E') && len(s) > 2 && (s[len(s)-2] == '+' || s[len(s)-2] == '-') {
			s = s[:len(s)-1] + "0" + s[len(s)-1:]
		}
		return sign(f < 0, s), nil
	}
	return "", fmt.Errorf("unsupported format character '%c'", conv)
}
