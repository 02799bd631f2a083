package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// errConvertNotWired is returned until compat/convert's entry points are
// connected to the convert and check commands.
var errConvertNotWired = errors.New("not available in this build yet: compat/convert is not connected to the command line")

// newConvertCmd is the `xendshim convert` command. The convert engine lives
// in compat/convert; this file only declares the command line.
func newConvertCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "convert FILE|DIR...",
		Short: "Convert xm configuration files and xend's domain store to xl.cfg",
		Long: `convert reads xm configuration files (never executing them), whole
directories of them, or xend's SXP domain store, and writes the equivalent
xl.cfg files, with a note for every setting that changed meaning or was dropped.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(*cobra.Command, []string) error { return errConvertNotWired },
	}
}

// newCheckCmd is the `xendshim check` command: convert's validation without
// writing anything.
func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE|DIR...",
		Short: "Validate xm configuration files without converting them",
		Long: `check reads xm configuration files, directories of them, or xend's SXP
domain store the way convert does, reports every problem with file:line, and
writes nothing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(*cobra.Command, []string) error { return errConvertNotWired },
	}
}
