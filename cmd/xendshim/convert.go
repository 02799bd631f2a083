package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/compat/convert"
	"github.com/xendshim/xendshim/compat/xmconfig"
)

// convertFlags are the options shared by convert and check.
type convertFlags struct {
	vars         []string
	sets         []string
	targetXen    string
	honorIgnored bool
	lenient      bool
	outDir       string
	diff         bool
	force        bool
	json         bool
	quiet        bool
	comments     bool
	traditional  bool
}

func (f *convertFlags) add(cmd *cobra.Command, writes bool) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.vars, "var", nil, "template variable as `NAME=VALUE` (xm create's VAR=VALUE, e.g. vmid=3); repeatable")
	fl.StringArrayVar(&f.sets, "set", nil, "override an option after evaluation as `KEY=VALUE` (xm create's command-line options won over the file); repeatable")
	fl.StringVar(&f.targetXen, "target-xen", "", "Xen `VERSION` of the destination host (e.g. 4.4: builder= instead of type=, extra= instead of cmdline=)")
	fl.BoolVar(&f.traditional, "qemu-traditional", false, "keep xend's device model for HVM guests (device_model_version=qemu-xen-traditional; needs --target-xen below 4.21)")
	fl.BoolVar(&f.honorIgnored, "honor-ignored", false, "convert values xm silently ignored (True, 123L, u'..', tuples)")
	fl.BoolVar(&f.lenient, "lenient", false, "repair shapes that made xm fail (a bare string where a list is needed, an int for cpus)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only warnings and errors, not notes")
	if writes {
		fl.StringVarP(&f.outDir, "output", "o", "", "write NAME.cfg files into `DIR` instead of printing to stdout")
		fl.BoolVar(&f.diff, "diff", false, "show what changes against the existing xl.cfg in the output directory (with -o) instead of writing")
		fl.BoolVar(&f.force, "force", false, "overwrite existing files in the output directory")
		fl.BoolVar(&f.comments, "keep-comments", false, "append the source file's comments, with their line numbers, to each xl.cfg")
		fl.BoolVar(&f.json, "json", false, "print the `xl list -l` JSON of each domain instead of xl.cfg")
	}
}

func (f *convertFlags) options(cmd *cobra.Command) (convert.Options, error) {
	o := convert.Options{TargetXen: f.targetXen, HonorIgnored: f.honorIgnored, Lenient: f.lenient, KeepComments: f.comments, TraditionalDM: f.traditional}
	// --xend-config (the root's flag) given explicitly: carry that host's
	// vif script, VNC listen address, password and keymap into each domain.
	if fl := cmd.Flags().Lookup("xend-config"); fl != nil && fl.Changed {
		h, err := convert.ReadHostDefaults(fl.Value.String())
		if err != nil {
			return o, usageError{err}
		}
		o.Host = h
	}
	for _, v := range f.vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return o, usageError{fmt.Errorf("--var %q: want NAME=VALUE", v)}
		}
		if o.Vars == nil {
			o.Vars = map[string]string{}
		}
		o.Vars[k] = val
	}
	for _, v := range f.sets {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return o, usageError{fmt.Errorf("--set %q: want KEY=VALUE", v)}
		}
		if o.Set == nil {
			o.Set = map[string]string{}
		}
		o.Set[k] = val
	}
	return o, nil
}

// statusError carries convert's exit class: 1 converted with warnings,
// 2 refused. run takes the status from ExitCode; a refusal is not a
// usage error, so no usage hint follows its diagnosis.
type statusError struct {
	class convert.Class
	msg   string
}

func (e *statusError) Error() string { return e.msg }

// ExitCode is the process exit status for this outcome.
func (e *statusError) ExitCode() int { return int(e.class) }

func classError(results []*convert.Result) error {
	counts := map[convert.Class]int{}
	for _, r := range results {
		counts[r.Class()]++
	}
	w := convert.Worst(results)
	msg := fmt.Sprintf("%d converted cleanly, %d with warnings, %d refused", counts[convert.Clean], counts[convert.Warned], counts[convert.Refused])
	switch w {
	case convert.Refused:
		return &statusError{class: w, msg: msg}
	case convert.Warned:
		return &statusError{class: w, msg: msg}
	}
	return nil
}

// collect converts every argument: files, directories of config files,
// and xend domain stores (directories whose subdirectories hold
// config.sxp). progress, when set, is called after each file.
func collect(args []string, opts convert.Options, progress func(done, total int)) ([]*convert.Result, error) {
	type job struct {
		path  string
		store bool
	}
	var jobs []job
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, usageError{err}
		}
		switch {
		case !st.IsDir():
			jobs = append(jobs, job{path: a})
		case isStore(a):
			paths, err := convert.StoreEntries(a)
			if err != nil {
				return nil, err
			}
			for _, p := range paths {
				jobs = append(jobs, job{path: p, store: true})
			}
		default:
			paths, err := convert.DirEntries(a)
			if err != nil {
				return nil, err
			}
			for _, p := range paths {
				jobs = append(jobs, job{path: p})
			}
		}
	}
	out := make([]*convert.Result, 0, len(jobs))
	for i, j := range jobs {
		if j.store {
			out = append(out, convert.StoreFile(j.path, opts))
		} else {
			out = append(out, convert.File(j.path, opts))
		}
		if progress != nil {
			progress(i+1, len(jobs))
		}
	}
	return out, nil
}

func isStore(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*", "config.sxp"))
	return len(m) > 0
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws a one-line bar on a terminal for batches.
func progressBar(w io.Writer) func(done, total int) {
	if !isTerminal(w) {
		return nil
	}
	return func(done, total int) {
		if total < 2 {
			return
		}
		const width = 30
		n := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

func report(w io.Writer, r *convert.Result, quiet bool) {
	if r.Err != nil {
		fmt.Fprintf(w, "%s: refused: %v\n", r.Source, r.Err)
	}
	for _, n := range r.Notes {
		if quiet && n.Severity < xmconfig.Warning {
			continue
		}
		fmt.Fprintln(w, n.String())
	}
}

// outputName is the file written for a result: the domain name for a
// store entry, else the input's base name, with ".cfg".
func outputName(r *convert.Result) string {
	base := filepath.Base(r.Source)
	if base == "config.sxp" && r.Config != nil {
		base = r.Config.CInfo.Name
	}
	// a domain name is not a path: never let it leave the output directory
	base = strings.NewReplacer("/", "_", "\x00", "_").Replace(base)
	if base == "" || base == "." || base == ".." {
		base = "domain"
	}
	base = strings.TrimSuffix(base, ".sxp")
	if !strings.HasSuffix(base, ".cfg") {
		base += ".cfg"
	}
	return base
}

// writeAtomic writes data to path through a temporary file and rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xendshim-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// newConvertCmd is the `xendshim convert` command. The convert engine lives
// in compat/convert; this file only declares the command line.
func newConvertCmd() *cobra.Command {
	var f convertFlags
	cmd := &cobra.Command{
		Use:   "convert FILE|DIR...",
		Short: "Convert xm configuration files and xend's domain store to xl.cfg",
		Long: `convert reads xm configuration files (never executing them), whole
directories of them (e.g. /etc/xen), or xend's SXP domain store
(/var/lib/xend/domains), and writes the equivalent xl.cfg files, with a
comment for every setting that changed meaning or was dropped.

Without -o a single input is printed to stdout. Notes go to stderr. With
--xend-config FILE, that host's vif script, VNC listen address, VNC password
and keymap are written into each domain (xl's own defaults differ).
Exit status: 0 all converted cleanly, 1 converted with warnings, 2 refused.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(cmd)
			if err != nil {
				return err
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if f.diff && f.outDir == "" {
				return usageError{errors.New("--diff compares with the files in the output directory: give -o DIR")}
			}
			results, err := collect(args, opts, progressBar(stderr))
			if err != nil {
				return err
			}
			for _, r := range results {
				report(stderr, r, f.quiet)
				if r.Config == nil {
					continue
				}
				text := []byte(r.XL)
				if f.json {
					js, err := r.JSON()
					if err != nil {
						return err
					}
					text = js
				}
				if f.outDir == "" {
					if len(results) > 1 {
						fmt.Fprintf(stdout, "# ==> %s <==\n", r.Source)
					}
					if _, err := stdout.Write(text); err != nil {
						return err
					}
					continue
				}
				dest := filepath.Join(f.outDir, outputName(r))
				if f.json {
					dest = strings.TrimSuffix(dest, ".cfg") + ".json"
				}
				old, rerr := os.ReadFile(dest)
				if f.diff {
					if rerr != nil {
						old = nil
					}
					fmt.Fprint(stdout, convert.Diff(dest, string(old), r.Source+" (converted)", string(text)))
					continue
				}
				if rerr == nil && !f.force {
					fmt.Fprintf(stderr, "%s: %s exists; not overwritten (use --force, or --diff to compare)\n", r.Source, dest)
					continue
				}
				if err := writeAtomic(dest, text); err != nil {
					return err
				}
			}
			return classError(results)
		},
	}
	f.add(cmd, true)
	return cmd
}

// newCheckCmd is the `xendshim check` command: convert's validation without
// writing anything.
func newCheckCmd() *cobra.Command {
	var f convertFlags
	cmd := &cobra.Command{
		Use:   "check FILE|DIR...",
		Short: "Validate xm configuration files without converting them",
		Long: `check reads xm configuration files, directories of them, or xend's SXP
domain store the way convert does, reports every problem with file:line, and
writes nothing. Exit status: 0 clean, 1 warnings, 2 refused.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(cmd)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			results, err := collect(args, opts, progressBar(stderr))
			if err != nil {
				return err
			}
			for _, r := range results {
				report(stderr, r, f.quiet)
				if r.Config != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", r.Source, r.Class())
				}
			}
			return classError(results)
		},
	}
	f.add(cmd, false)
	return cmd
}
