package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/toolstack"
)

func init() {
	extraCommands = append(extraCommands, newMigrateCmd, newMigrateResolveCmd, newMigrateReceiveCmd, newMigrateCertCmd)
}

func newMigrateCmd() *cobra.Command {
	var (
		tr   migTransport
		lg   migLogging
		addr string
		opts relocation.Options
	)
	cmd := &cobra.Command{
		Use:   "migrate DOMAIN HOST",
		Short: "migrate a domain to another xendshim host over the secure transport",
		Long: `Migrate DOMAIN (name, domid or UUID) to HOST over TLS 1.3 with mutual
authentication (XMP/1). HOST is the receiver's name as its certificate,
pin or pre-shared key names it; --addr gives its address if HOST does not
resolve (default HOST:8005).

The domain is suspended only after the receiver has authorised the sender
and accepted the domain's configuration. On any failure before the receiver
is told to go, the domain resumes here. If the connection breaks after
that, the domain stays parked here (not running) until the receiver is asked
again; 'xendshim migrate-resolve ID' does that.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			ts, closeTS, err := migBackend(cfg, log)
			if err != nil {
				return err
			}
			defer closeTS()
			ctx := cmd.Context()
			info, err := toolstack.Lookup(ctx, ts, args[0])
			if err != nil {
				return err
			}
			j, dir, err := tr.journal(cfg, "out")
			if err != nil {
				return err
			}
			host := args[1]
			if addr == "" {
				addr = net.JoinHostPort(host, strconv.Itoa(migDefaultPort))
			}
			self, _ := os.Hostname()
			s := &relocation.Sender{TS: ts, Endpoint: ep, Journal: j, SpoolDir: filepath.Join(dir, "out"), Self: self, Log: log}
			res, err := s.Migrate(ctx, info.Domid, host, addr, opts)
			if res != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "migration %s: %s (stream %d bytes, sha256 %s)\n", res.MigrationID, res.Outcome, res.Bytes, res.SHA256)
			}
			return err
		},
	}
	tr.addFlags(cmd.Flags())
	lg.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&addr, "addr", "", "the receiver's address HOST:PORT (default HOST:8005)")
	cmd.Flags().BoolVarP(&opts.Live, "live", "l", false, "live migration (passed to the backend)")
	cmd.Flags().BoolVarP(&opts.Paused, "paused", "p", false, "leave the domain paused on the receiver")
	cmd.Flags().BoolVar(&opts.Persist, "persist", false, "ask the receiver to keep the domain as managed (needs may_persist)")
	return cmd
}

func newMigrateResolveCmd() *cobra.Command {
	var (
		tr    migTransport
		lg    migLogging
		force bool
		list  bool
	)
	cmd := &cobra.Command{
		Use:   "migrate-resolve [ID]",
		Short: "finish a migration whose outcome was lost (or list unfinished ones)",
		Long: `Ask the receiver for the outcome of migration ID and act on it: destroy the
parked copy here if the receiver committed, resume it here if not. A
migration that never reached the commit step is resumed here at once.

--force-resume resumes the domain here without asking. Use it only when
you know the receiver did not commit (it was reinstalled, say): if it did,
the domain then runs twice.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := migLoadConfig(cmd)
			if err != nil {
				return err
			}
			log, closeLog, err := lg.open(cmd.ErrOrStderr(), false, cfg.LogFile)
			if err != nil {
				return err
			}
			defer closeLog()
			j, dir, err := tr.journal(cfg, "out")
			if err != nil {
				return err
			}
			if list || len(args) == 0 {
				s := &relocation.Sender{Journal: j}
				es, err := s.Pending()
				for _, e := range es {
					fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s (%s) to %s at %s since %s\n", e.ID, e.State, e.Name, e.UUID, e.Dest, e.Addr, e.Updated.Format("2006-01-02T15:04:05Z"))
				}
				return err
			}
			ep, err := tr.endpoint()
			if err != nil && !force {
				return err
			}
			ts, closeTS, err := migBackend(cfg, log)
			if err != nil {
				return err
			}
			defer closeTS()
			if force {
				fmt.Fprintf(cmd.ErrOrStderr(), "WARNING: resuming migration %s here without asking the receiver; if it committed, the domain now runs twice\n", args[0])
			}
			s := &relocation.Sender{TS: ts, Endpoint: ep, Journal: j, SpoolDir: filepath.Join(dir, "out"), Log: log}
			res, err := s.Resolve(cmd.Context(), args[0], force)
			if res != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "migration %s: %s\n", res.MigrationID, res.Outcome)
			}
			return err
		},
	}
	tr.addFlags(cmd.Flags())
	lg.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&force, "force-resume", false, "resume here without asking the receiver (dangerous)")
	cmd.Flags().BoolVar(&list, "list", false, "list unfinished send-side migrations")
	return cmd
}

func newMigrateCertCmd() *cobra.Command {
	var (
		dir      string
		validity int
	)
	cmd := &cobra.Command{
		Use:   "migrate-cert ca|host NAME|self NAME|pin CERT",
		Short: "make a migration CA, host certificates and SPKI pins",
		Long: `migrate-cert ca            makes DIR/ca.crt and DIR/ca.key (Ed25519), a CA for
                           migration only (never reuse a web or VNC CA).
migrate-cert host NAME     makes DIR/NAME.crt and DIR/NAME.key signed by
                           DIR/ca.*, with the URI SAN xendshim://host/NAME,
                           the DNS SAN NAME and client+server auth usages.
migrate-cert self NAME     the same, self-signed, for pinned mode.
migrate-cert pin CERT      prints the certificate's SPKI pin (sha256/BASE64).

Keys are written mode 0600 and never overwritten.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := secure.CertOptions{}
			if validity > 0 {
				o.Validity = dayDuration(validity)
			}
			write := func(name string, kp secure.KeyPair) error {
				crt, key := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
				for _, p := range []string{crt, key} {
					if _, err := os.Stat(p); err == nil {
						return fmt.Errorf("%s exists; remove it first", p)
					}
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(key, kp.KeyPEM, 0o600); err != nil {
					return err
				}
				if err := os.WriteFile(crt, kp.CertPEM, 0o644); err != nil {
					return err
				}
				c, _ := kp.Cert()
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s (pin %s)\n", crt, key, secure.SPKIPin(c))
				return nil
			}
			switch {
			case args[0] == "ca" && len(args) == 1:
				kp, err := secure.NewCA("xendshim migration CA", o)
				if err != nil {
					return err
				}
				return write("ca", kp)
			case (args[0] == "host" || args[0] == "self") && len(args) == 2:
				var ca *secure.KeyPair
				if args[0] == "host" {
					crt, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
					if err != nil {
						return fmt.Errorf("CA: %w (run 'xendshim migrate-cert ca --dir %s' first)", err, dir)
					}
					key, err := os.ReadFile(filepath.Join(dir, "ca.key"))
					if err != nil {
						return fmt.Errorf("CA key: %w", err)
					}
					ca = &secure.KeyPair{CertPEM: crt, KeyPEM: key}
				}
				kp, err := secure.Issue(ca, args[1], o)
				if err != nil {
					return err
				}
				return write(args[1], kp)
			case args[0] == "pin" && len(args) == 2:
				b, err := os.ReadFile(args[1])
				if err != nil {
					return err
				}
				c, err := (secure.KeyPair{CertPEM: b}).Cert()
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), secure.SPKIPin(c))
				return nil
			}
			return usageError{fmt.Errorf("migrate-cert: want 'ca', 'host NAME', 'self NAME' or 'pin CERT'")}
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "directory for the CA and the certificates")
	cmd.Flags().IntVar(&validity, "days", 90, "validity in days (prefer short-lived certificates)")
	return cmd
}

var _ = context.Background
