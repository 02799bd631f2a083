package journald

import (
	"fmt"
	"strings"
)

// MaxNameLen is the longest field name journald accepts.
const MaxNameLen = 64

// Field is one NAME=value pair of a journal record. Value may hold any
// bytes, newlines included.
type Field struct {
	Name  string
	Value string
}

// ValidName reports why name cannot be a field name a client sends, or nil
// if it can: 1 to MaxNameLen characters of A-Z, 0-9 and '_', not starting
// with '_' (reserved for journald's trusted fields) or a digit.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("journald: empty field name")
	case len(name) > MaxNameLen:
		return fmt.Errorf("journald: field name %.20q... is %d characters; the limit is %d", name, len(name), MaxNameLen)
	case name[0] == '_':
		return fmt.Errorf("journald: field name %q starts with '_', which journald reserves for its own fields", name)
	case name[0] >= '0' && name[0] <= '9':
		return fmt.Errorf("journald: field name %q starts with a digit", name)
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return fmt.Errorf("journald: field name %q has %q at offset %d; use A-Z, 0-9 and '_'", name, name[i], i)
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// FieldName turns an arbitrary key (a slog attribute key such as
// "migration_id" or "peer.addr") into a valid field name: letters are
// upper-cased, every other character outside A-Z, 0-9 and '_' becomes '_',
// leading underscores are dropped, a leading digit gets the prefix "X_",
// and the result is cut to MaxNameLen. A key with nothing usable left
// becomes "X".
func FieldName(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !nameByte(c) {
			c = '_'
		}
		b.WriteByte(c)
	}
	s := strings.TrimLeft(b.String(), "_")
	switch {
	case s == "":
		s = "X"
	case s[0] >= '0' && s[0] <= '9':
		s = "X_" + s
	}
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	return s
}
