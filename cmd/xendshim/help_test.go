package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xendshim/xendshim/config"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestHelpExplainsEveryFlag: `xendshim --help` and `xendshim serve --help`
// list every setting with its explanation and environment variable.
func TestHelpExplainsEveryFlag(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		serve bool // whether serve's own options must appear
	}{
		{[]string{"--help"}, false},
		{[]string{"serve", "--help"}, true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.args...)
			if code != exitOK {
				t.Fatalf("xendshim %v exit %d: %s", tc.args, code, errOut)
			}
			for _, o := range config.Options {
				if o.Serve && !tc.serve {
					continue
				}
				if !strings.Contains(out, "--"+o.Key+" ") {
					t.Errorf("xendshim %v does not list --%s", tc.args, o.Key)
				}
				if !strings.Contains(out, o.Usage) || !strings.Contains(out, config.EnvName(o.Key)) {
					t.Errorf("xendshim %v does not explain --%s (%q, %s)", tc.args, o.Key, o.Usage, config.EnvName(o.Key))
				}
			}
		})
	}
	out, _, _ := runCLI(t, "--help")
	for _, sub := range []string{"serve", "convert", "check", "version", "completion"} {
		if !strings.Contains(out, "\n  "+sub+" ") {
			t.Errorf("xendshim --help does not list the %s command", sub)
		}
	}
}

// TestEveryFlagHasUsage walks every command, including ones added by other
// parts of the project, and fails on a flag without an explanation.
func TestEveryFlagHasUsage(t *testing.T) {
	root := newRootCmd(new(bytes.Buffer), new(bytes.Buffer))
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s has no usage text", c.CommandPath(), f.Name)
			}
		})
		if c.Short == "" {
			t.Errorf("%s has no short description", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func TestCLIStatuses(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		want     int
		inStdout string
		inStderr string
	}{
		{[]string{"version"}, exitOK, "xendshim ", ""},
		{[]string{"completion", "bash"}, exitOK, "bash completion", ""},
		{[]string{"serve", "--no-such-flag"}, exitUsage, "", "unknown flag: --no-such-flag"},
		{[]string{"serve", "--backend", "kvm", "--xend-config", ""}, exitError, "", "auto, sim or xl"},
		{[]string{"convert"}, exitError, "", "requires at least 1 arg"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.args...)
			if code != tc.want || !strings.Contains(out, tc.inStdout) || !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("xendshim %v = exit %d, stdout %.80q, stderr %.200q; want exit %d, stdout with %q, stderr with %q",
					tc.args, code, out, errOut, tc.want, tc.inStdout, tc.inStderr)
			}
		})
	}
}

type codedError int

func (c codedError) Error() string { return "coded" }
func (c codedError) ExitCode() int { return int(c) }

// TestRunExitCodeFromError: an error with an ExitCode method chooses the
// status, even wrapped, and gets no usage hint.
func TestRunExitCodeFromError(t *testing.T) {
	extraCommands = append(extraCommands, func() *cobra.Command {
		return &cobra.Command{Use: "coded-test", Short: "test", RunE: func(*cobra.Command, []string) error {
			return usageError{codedError(3)}
		}}
	})
	defer func() { extraCommands = extraCommands[:len(extraCommands)-1] }()
	_, errOut, code := runCLI(t, "coded-test")
	if code != 3 || strings.Contains(errOut, "--help") {
		t.Errorf("run(coded-test) = exit %d, stderr %q; want exit 3 without a usage hint", code, errOut)
	}
}
