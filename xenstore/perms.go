package xenstore

import (
	"fmt"
	"strconv"
)

// Access is one permission letter of xenstore: none, read, write or both.
type Access byte

// The access letters xenstored uses.
const (
	AccessNone  Access = 'n'
	AccessRead  Access = 'r'
	AccessWrite Access = 'w'
	AccessBoth  Access = 'b'
)

// Perm grants Access to a domain. In a node's permission list the first
// Perm names the owner (who has full access) and, through its Access, what
// every domain not listed later may do.
type Perm struct {
	Domid  uint32
	Access Access
}

// String renders p as on the wire, e.g. "r3".
func (p Perm) String() string {
	return string(rune(p.Access)) + strconv.FormatUint(uint64(p.Domid), 10)
}

// ParsePerm parses the wire form of one permission ("b0", "r12").
func ParsePerm(s string) (Perm, error) {
	if len(s) < 2 {
		return Perm{}, fmt.Errorf("xenstore: permission %q: want a letter n, r, w or b followed by a domain id", s)
	}
	a := Access(s[0])
	switch a {
	case AccessNone, AccessRead, AccessWrite, AccessBoth:
	default:
		return Perm{}, fmt.Errorf("xenstore: permission %q: access letter %q is not one of n, r, w, b", s, s[0])
	}
	id, err := strconv.ParseUint(s[1:], 10, 32)
	if err != nil {
		return Perm{}, fmt.Errorf("xenstore: permission %q: domain id %q is not a number", s, s[1:])
	}
	return Perm{Domid: uint32(id), Access: a}, nil
}

// ParsePerms parses a GET_PERMS reply split into strings; empty strings are skipped.
func ParsePerms(parts []string) ([]Perm, error) {
	var out []Perm
	for _, s := range parts {
		if s == "" {
			continue
		}
		p, err := ParsePerm(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
