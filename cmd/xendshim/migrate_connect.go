package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/compat/relocation"
)

func init() {
	extraCommands = append(extraCommands, newMigrateConnectCmd)
}

// migXLReceiveArgs picks the receiver options out of the rune xl builds:
// HOST xl [-t] [-T] [-v...] migrate-receive [-e] [-d] [-p] (xl_migrate.c).
func migXLReceiveArgs(args []string) ([]string, error) {
	i := slices.Index(args, "migrate-receive")
	if i < 0 {
		return nil, fmt.Errorf("no migrate-receive in %q: use me as xl migrate -s \"xendshim migrate-connect [flags]\"", args)
	}
	var out []string
	for _, a := range args[i+1:] {
		switch a {
		case "-e", "-d", "-p":
			out = append(out, a)
		default:
			return nil, fmt.Errorf("xl migrate-receive option %q is not supported over the tunnel (only -e, -d, -p)", a)
		}
	}
	return out, nil
}

func newMigrateConnectCmd() *cobra.Command {
	var (
		tr   migTransport
		lg   migLogging
		addr string
	)
	cmd := &cobra.Command{
		Use:   "migrate-connect [flags] HOST xl [XL-OPTIONS] migrate-receive [-e] [-d] [-p]",
		Short: "xl migrate's transport over xendshim's TLS (xl migrate -s \"xendshim migrate-connect\")",
		Long: `Carry xl's migration stream to HOST over TLS 1.3 with mutual authentication:

  xl migrate -s "xendshim migrate-connect --addr 192.0.2.11:8005" web1 hv-b

xl runs "xendshim migrate-connect ... hv-b xl migrate-receive [-p]" with the
stream on standard input and output. The receiver (migrate-receive --xl)
authorises the sender, checks the domain config in xl's header against its
policy before xl reads a byte, and runs xl migrate-receive. xl's own
handshake decides the outcome (its "undefined" window after GO remains;
use xendshim migrate for the journalled commit).`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := migXLReceiveArgs(args[1:])
			if err != nil {
				return usageError{err}
			}
			// Standard output is xl's protocol stream: the log goes to
			// standard error (xl shows it) or where --log says.
			cfg, err := migLoadConfig(cmd)
			if err != nil {
				return err
			}
			log, closeLog, err := lg.open(cmd.ErrOrStderr(), false, cfg.LogFile)
			if err != nil {
				return err
			}
			defer closeLog()
			ep, err := tr.endpoint()
			if err != nil {
				return err
			}
			host := args[0]
			if addr == "" {
				addr = net.JoinHostPort(host, strconv.Itoa(migDefaultPort))
			}
			dial := func(ctx context.Context, a string) (net.Conn, error) {
				d := net.Dialer{Timeout: 10 * time.Second}
				return d.DialContext(ctx, "tcp", a)
			}
			log.Info("xl tunnel", "dest", host, "addr", addr, "args", opts)
			return relocation.XLConnect(cmd.Context(), ep, dial, host, addr, opts, cmd.InOrStdin(), os.Stdout)
		},
	}
	cmd.Flags().SetInterspersed(false) // xl's own options follow HOST
	tr.addFlags(cmd.Flags())
	lg.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&addr, "addr", "", "the receiver's address HOST:PORT (default HOST:8005)")
	return cmd
}
