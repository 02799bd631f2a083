// Command xendshim lets programs written for the old Xen daemon (xend) keep
// working on a host run by xl: it serves xend's legacy XML-RPC API (xm), its
// /xend/ HTTP/SXP API (libvirt's old xen driver) and, with the migration
// work, its relocation port, carrying every request onto a toolstack
// backend — the real host through xl, or the embedded simulated host when
// there is no hypervisor. It also converts xm configurations to xl.
//
// Subcommands: serve, convert, check, version, completion. Settings come
// from flags, XENDSHIM_* environment variables, a YAML or TOML file and the
// host's /etc/xen/xend-config.sxp; see package config for the precedence.
//
// This is the only package that names the backends (toolstack/sim and
// toolstack/xl). Other commands (migrate, migrate-receive) plug in by
// appending a constructor to extraCommands from an init function in a file
// of this package; protocol servers plug in through protocolFactories.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks errors in the command line itself.
type usageError struct{ error }

// Unwrap returns the wrapped error.
func (u usageError) Unwrap() error { return u.error }

// run executes the command line args and returns the exit status. Command
// output goes to stdout; errors and logs go to stderr, never stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "xendshim: %v\n", err)
	// An error may choose the exit status (convert: 1 warnings, 2 refused).
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'xendshim --help' for usage.")
		return exitUsage
	}
	return exitError
}
