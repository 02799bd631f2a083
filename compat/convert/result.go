// Package convert turns xm config files and xend SXP domain configs into
// toolstack.DomainConfig, and renders that as an xl.cfg file (config.md
// §1.4) or as `xl list -l` JSON. Nothing converts format-to-format
// directly: every input goes through the model, and every key that is
// dropped or changed on the way is reported as a Note.
package convert

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlcfg"
)

// Class is the outcome of converting one file; it is also the exit status
// of `xendshim convert` and `xendshim check`.
type Class int

// Outcome classes, ordered by gravity.
const (
	Clean   Class = 0 // converted; nothing of consequence changed
	Warned  Class = 1 // converted, with warnings worth reading
	Refused Class = 2 // not converted
)

// String returns "clean", "warn" or "refused".
func (c Class) String() string {
	switch c {
	case Clean:
		return "clean"
	case Warned:
		return "warn"
	}
	return "refused"
}

// Note says what happened to one key: kept with a change, dropped, added
// because xm's and xl's defaults differ, or why the file was refused.
type Note struct {
	Pos      lexer.Position
	Key      string
	Severity xmconfig.Severity
	Msg      string
}

// String renders the note as "file:line:col: severity: 'key': message".
func (n Note) String() string {
	loc := ""
	if n.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d: ", n.Pos.Filename, n.Pos.Line, n.Pos.Column)
	} else if n.Pos.Filename != "" {
		loc = n.Pos.Filename + ": "
	}
	key := ""
	if n.Key != "" {
		key = "'" + n.Key + "': "
	}
	return loc + n.Severity.String() + ": " + key + n.Msg
}

// Result is the conversion of one input.
type Result struct {
	// Source is the input path (or name).
	Source string
	// Format is "xm", "xl" or "sxp".
	Format string
	// Config is the converted domain; nil when refused.
	Config *toolstack.DomainConfig
	// XL is the xl.cfg text; empty when refused.
	XL string
	// Notes lists every change, in source order.
	Notes []Note
	// Err is the reason for a refusal.
	Err error

	written []xlSetting // what XL sets, for the libxlutil read-back test
}

// Class is the result's outcome class.
func (r *Result) Class() Class {
	if r.Err != nil || r.Config == nil {
		return Refused
	}
	for _, n := range r.Notes {
		if n.Severity >= xmconfig.Warning {
			return Warned
		}
	}
	return Clean
}

// JSON renders the config as one `xl list -l` entry's "config" object.
func (r *Result) JSON() ([]byte, error) {
	if r.Config == nil {
		return nil, fmt.Errorf("convert: %s was not converted", r.Source)
	}
	return toolstack.MarshalXLConfig(r.Config)
}

// Report is a human-readable summary: the refusal reason, or the notes.
func (r *Result) Report() string {
	var b strings.Builder
	if r.Err != nil {
		b.WriteString(r.Err.Error())
		b.WriteByte('\n')
	}
	for _, n := range r.Notes {
		b.WriteString(n.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Options control a conversion.
type Options struct {
	// Vars are `xm create` VAR=VALUE words (--var vmid=3).
	Vars map[string]string
	// TargetXen is the Xen version of the destination host, e.g. "4.4";
	// empty means current xl (4.10 and later).
	TargetXen string
	// HonorIgnored converts values xm's type filter dropped (True -> 1).
	HonorIgnored bool
	// Lenient repairs shapes that made xm fail (a bare string for a list).
	Lenient bool
	// Set overrides options after evaluation (--set KEY=VALUE), as xm
	// create's command-line options won over the file; it is the way to
	// supply a value the file only computes at run time.
	Set map[string]string
	// Host carries xend-config.sxp's host-wide defaults (vif script, VNC
	// listen address, password, keymap) into each domain; nil leaves xl's.
	Host *HostDefaults
	// KeepComments appends the source file's comments, with their line
	// numbers, after the settings.
	KeepComments bool
	// TraditionalDM keeps xend's device model for HVM guests
	// (device_model_version = "qemu-xen-traditional"); only for a
	// TargetXen below 4.21, which removed it.
	TraditionalDM bool
}

// targetAtLeast reports whether the target Xen is at least major.minor.
func (o Options) targetAtLeast(major, minor int) bool {
	return xlcfg.Options{TargetXen: o.TargetXen}.TargetAtLeast(major, minor)
}
