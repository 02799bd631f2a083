package policy

import (
	"errors"
	"fmt"
	"strings"
)

// Decision codes, as carried in REJECT frames and the audit log.
const (
	CodePolicy  = "policy"
	CodeQuota   = "quota"
	CodeConfine = "confine"
)

// Denial is a refused migration: a code, the rule that fired and, for
// confinement, every offending field.
type Denial struct {
	// Code is CodePolicy, CodeQuota or CodeConfine.
	Code string
	// Rule names the policy entry that decided ("peer xendshim://host/a",
	// "default deny").
	Rule string
	// Fields lists "field: why" for each refused field.
	Fields []string
}

// Error lists the refused fields; it contains no single quote, so a xend
// sender shows it in full (specs/migration.md §1.3).
func (d *Denial) Error() string {
	s := fmt.Sprintf("%s refused (%s)", d.Code, d.Rule)
	if len(d.Fields) > 0 {
		s += ": " + strings.Join(d.Fields, "; ")
	}
	return strings.ReplaceAll(s, "'", "")
}

// AsDenial returns the *Denial err wraps, if any.
func AsDenial(err error) (*Denial, bool) {
	var d *Denial
	ok := errors.As(err, &d)
	return d, ok
}
