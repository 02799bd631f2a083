package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/config"
)

// extraCommands are constructors of subcommands that other parts of the
// project add from init functions in this package (for example migrate).
var extraCommands []func() *cobra.Command

const rootLong = `xendshim lets programs written for the old Xen daemon (xend) keep working
on a host without xend. It answers xend's wire protocols — the legacy XML-RPC
API that xm uses, and the /xend/ HTTP/SXP API of libvirt's old xen driver —
and carries every request onto xl, or onto a simulated host when no Xen
hypervisor is present. It also converts xm configuration files to xl.

Settings, highest precedence first: command-line flags; environment variables
XENDSHIM_<FLAG> (upper case, "-" as "_"; set to empty to turn a listener off);
the file given by --config (YAML or TOML, keys are the flag names); the host's
/etc/xen/xend-config.sxp (or --xend-config FILE); built-in defaults.
Run 'xendshim serve --help' for the server's flags.`

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "xendshim",
		Short:         "xend's protocols on a modern Xen toolstack",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	config.AddFlags(root.PersistentFlags(), false)
	root.AddCommand(newServeCmd(), newConvertCmd(), newCheckCmd(), newVersionCmd())
	for _, mk := range extraCommands {
		root.AddCommand(mk())
	}
	return root
}
