package xl

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// stderrClasses maps what xl prints on failure to error classes, first
// match wins. The texts were captured from xl 4.17 in xenlab
// (testdata/xen-4.17/err-*.err) and are stable across 4.11-4.17.
var stderrClasses = []struct {
	re    *regexp.Regexp
	class error
	what  string
}{
	{regexp.MustCompile(`is an invalid domain identifier`), toolstack.ErrNotFound, "no such domain"},
	{regexp.MustCompile(`(?i)already exists`), toolstack.ErrExists, "the name or UUID is taken"},
	{regexp.MustCompile(`config parsing error|Failed to parse config|Neither kernel nor bootloader|xc_dom_kernel_file failed|xc_dom_ramdisk_file failed|failed to open file`), toolstack.ErrInvalid, "the configuration is not usable"},
	{regexp.MustCompile(`(?im)not enough memory|failed to free memory|cannot allocate memory|rc=-5\b|: -5$|ERROR_NOMEM`), toolstack.ErrNoMemory, "the host lacks the memory"},
	{regexp.MustCompile(`didn't acknowledge|did not respond|not suspended|Failed to save domain|guest timed out`), toolstack.ErrBadState, "the guest did not cooperate"},
	{regexp.MustCompile(`Can't open restore file: No such file|Failed to read config file: .*No such file|not connected|does not exist|Unknown device|No such file or directory`), toolstack.ErrNotFound, "it does not exist"},
	{regexp.MustCompile(`command not implemented|pciback driver not loaded|not assignable|device model required but not running|(?i)not supported|No such device`), toolstack.ErrUnsupported, "this host cannot do it"},
	{regexp.MustCompile(`(?i)invalid|must be less than or equal|overcommm?itting|Could not set affinity|out of range|bad |Unable to parse|not a valid`), toolstack.ErrInvalid, "an argument was refused"},
}

// classify turns a failed xl run into a *toolstack.Error: the class comes
// from xl's stderr, the cause is the *CommandError with the full text.
// Failures no pattern recognises are ErrBadState: xl refused the request
// in the domain's or host's current state.
func classify(op string, dom any, args []string, res Result) error {
	ce := &CommandError{Args: args, ExitCode: res.ExitCode, Stderr: string(res.Stderr)}
	text := string(res.Stderr) + "\n" + string(res.Stdout)
	for _, c := range stderrClasses {
		if c.re.MatchString(text) {
			return &toolstack.Error{Op: op, Domain: domString(dom), Class: c.class, Detail: c.what, Cause: ce}
		}
	}
	return &toolstack.Error{Op: op, Domain: domString(dom), Class: toolstack.ErrBadState, Detail: "xl refused", Cause: ce}
}

func domString(dom any) string {
	if dom == nil {
		return ""
	}
	return fmt.Sprint(dom)
}

// fail builds a classed error for something the backend itself checked.
func fail(class error, op string, dom any, format string, args ...any) error {
	return toolstack.Errorf(class, op, dom, format, args...)
}

// wrapClass wraps a non-toolstack error (xenstore, I/O) with a class.
func wrapClass(class error, op string, dom any, err error) error {
	var te *toolstack.Error
	if errors.As(err, &te) {
		return err
	}
	return &toolstack.Error{Op: op, Domain: domString(dom), Class: class, Cause: err}
}

// hasLibxlError reports whether xl's stderr shows libxl refusing the
// request (as opposed to the monitor dying after a successful create).
func hasLibxlError(stderr []byte) bool {
	s := string(stderr)
	return strings.Contains(s, "libxl: error") || strings.Contains(s, "xc: error") ||
		strings.Contains(s, "Failed to") || strings.Contains(s, "cannot make domain")
}
