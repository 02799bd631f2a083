package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/listener"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

func init() {
	extraCommands = append(extraCommands, newListCmd)
}

func newListCmd() *cobra.Command {
	var (
		long   bool
		server string
	)
	cmd := &cobra.Command{
		Use:   "list [-l] [DOMAIN...]",
		Short: "list the running server's domains as xm list (-l: xm list -l) printed them",
		Long: `list asks the running xendshim serve over its XML-RPC socket, as xm did:
xend.domains_with_state(True, 'all', 0) for the table, or with -l
xend.domains_with_state(True, 'all', 1) printed as SXP (xend.domain(DOMAIN, 0|1)
for each DOMAIN named). The table has xm's columns; -l shows every record
as the server sends it: dom0 complete (vCPUs, cpu_time, state) and, unless
the server runs with --strict-xend, the console's tty to attach to.

--server takes httpu:///PATH, http://HOST:PORT or https://HOST:PORT (default
httpu:// on the --xmlrpc-socket the configuration names).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				cfg, err := config.Load(cmd.Flags())
				if err != nil {
					return err
				}
				server = "httpu://" + listSocket(cfg)
			}
			c, err := xmlrpc.NewClient(server)
			if err != nil {
				return usageError{err}
			}
			defer c.Close()
			full := 0
			if long {
				full = 1
			}
			var recs []any
			if len(args) == 0 {
				r, err := c.Call(cmd.Context(), "xend.domains_with_state", true, "all", full)
				if err != nil {
					return listErr(server, err)
				}
				recs, _ = r.([]any)
			}
			for _, name := range args {
				r, err := c.Call(cmd.Context(), "xend.domain", name, full)
				if err != nil {
					return listErr(server, err)
				}
				recs = append(recs, r)
			}
			if long {
				return printLong(cmd.OutOrStdout(), recs)
			}
			printTable(cmd.OutOrStdout(), recs)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&long, "long", "l", false, "print each domain's full record as SXP, as xm list -l did")
	cmd.Flags().StringVar(&server, "server", "", "the server's XML-RPC URL (default httpu:// on the configured --xmlrpc-socket)")
	return cmd
}

// listSocket is the XML-RPC socket of the configured server: the
// configured path, or, when that does not exist and we are not root, the
// per-user path a non-root serve moves to.
func listSocket(cfg *config.Config) string {
	p := cfg.XMLRPCSocket
	if _, err := os.Stat(p); err == nil || os.Geteuid() == 0 {
		return p
	}
	moved := *cfg
	moved.UserFallback(listener.Writable, listener.UserRuntimeDir(), listener.UserStateDir())
	return moved.XMLRPCSocket
}

// listErr explains a failed call as xm did ("Error: ...").
func listErr(server string, err error) error {
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		if f.Code == 3 {
			return fmt.Errorf("Error: Domain '%v' does not exist.", f.String)
		}
		return fmt.Errorf("Error: %v", f.String)
	}
	return fmt.Errorf("cannot reach the xendshim server at %s: %w (is 'xendshim serve' running? --server names another)", server, err)
}

// printLong pretty-prints each record 80 columns wide, as xm list -l.
func printLong(w io.Writer, recs []any) error {
	for _, r := range recs {
		v, err := sxp.FromGo(r)
		if err != nil {
			return fmt.Errorf("the server sent a record that is not SXP: %w", err)
		}
		io.WriteString(w, sxp.Pretty(v, sxp.PrettyWidth))
	}
	return nil
}

// printTable prints xm list's table.
func printTable(w io.Writer, recs []any) {
	fmt.Fprintf(w, "%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)")
	for _, r := range recs {
		f := recordFields(r)
		vcpus := f["online_vcpus"]
		if vcpus == nil {
			vcpus = f["vcpus"]
		}
		fmt.Fprintf(w, "%-40s %5s %5d %5d %10s %8.1f\n", pyStrOf(f["name"]), pyStrOf(f["domid"]),
			int64Of(f["memory"]), int64Of(vcpus), pyStrOf(f["state"]), floatOf(f["cpu_time"]))
	}
}

// recordFields maps the keys of ['domain', [key, value], ...] to their
// first values.
func recordFields(r any) map[string]any {
	out := map[string]any{}
	l, _ := r.([]any)
	for _, e := range l {
		kv, ok := e.([]any)
		if !ok || len(kv) < 2 {
			continue
		}
		if k, ok := kv[0].(string); ok {
			if _, seen := out[k]; !seen {
				out[k] = kv[1]
			}
		}
	}
	return out
}

func pyStrOf(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func int64Of(v any) int64 {
	switch t := v.(type) {
	case int:
		return int64(t)
	case int64:
		return t
	case float64:
		return int64(t)
	case string:
		n, _ := strconv.ParseInt(t, 10, 64)
		return n
	}
	return 0
}

func floatOf(v any) float64 {
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case float64:
		return t
	case string:
		f, _ := strconv.ParseFloat(t, 64)
		return f
	}
	return 0
}
