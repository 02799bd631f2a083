package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/compat/relocation/prepare"
	"github.com/xendshim/xendshim/config"
)

func init() {
	extraCommands = append(extraCommands, newMigratePrepareCmd)
}

// migPreparedStore opens the receiver's registrations for prepared mode,
// in the migration directory (default STATE-DIR/migrations/prepared).
func migPreparedStore(cfg *config.Config, tr *migTransport) (*prepare.Store, error) {
	dir := tr.dir
	if dir == "" {
		dir = filepath.Join(cfg.StateDir, "migrations")
	}
	return prepare.Open(filepath.Join(dir, "prepared"))
}

func newMigratePrepareCmd() *cobra.Command {
	var (
		tr     migTransport
		from   string
		ttl    time.Duration
		list   bool
		cancel bool
	)
	cmd := &cobra.Command{
		Use:   "migrate-prepare UUID --from PEER",
		Short: "on a receiver, allow one migration of domain UUID from PEER (prepared mode)",
		Long: `Register, on this receiving host, that the peer PEER may send the domain
UUID once within --ttl. Peers whose policy entry says prepared = true can
send only domains registered this way (on top of may_send); a registration
is used up by the migration that commits it. PEER is the sender's identity
as the policy names it: xendshim://host/NAME, spki:sha256/... or psk:ID.

  xendshim migrate-prepare 5f0c...e1 --from xendshim://host/hv-a --ttl 30m
  xendshim migrate-prepare --list
  xendshim migrate-prepare --cancel 5f0c...e1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := migLoadConfig(cmd)
			if err != nil {
				return err
			}
			store, err := migPreparedStore(cfg, &tr)
			if err != nil {
				return err
			}
			now := time.Now()
			switch {
			case list:
				if len(args) > 0 || cancel {
					return usageError{fmt.Errorf("--list takes no UUID and no --cancel")}
				}
				es, err := store.List(now)
				for _, e := range es {
					fmt.Fprintf(cmd.OutOrStdout(), "%s from %s until %s\n", e.UUID, e.Peer, e.Expires.UTC().Format(time.RFC3339))
				}
				return err
			case len(args) != 1:
				return usageError{fmt.Errorf("give the domain's UUID (or --list)")}
			case cancel:
				return store.Remove(args[0])
			case from == "":
				return usageError{fmt.Errorf("--from PEER is required: the sender's identity as the policy names it (xendshim://host/NAME, spki:..., psk:ID)")}
			case ttl <= 0:
				return usageError{fmt.Errorf("--ttl %s: give a positive duration such as 30m", ttl)}
			}
			e := prepare.Entry{UUID: args[0], Peer: from, Expires: now.Add(ttl)}
			if err := store.Add(e, now); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s from %s until %s\n", args[0], from, e.Expires.UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the sending peer's identity, as the policy names it")
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "how long the registration holds")
	cmd.Flags().BoolVar(&list, "list", false, "list the registrations that still hold")
	cmd.Flags().BoolVar(&cancel, "cancel", false, "remove the registration of UUID")
	cmd.Flags().StringVar(&tr.dir, "migration-dir", "", "journal and parked images (default STATE-DIR/migrations)")
	migAddHostFlags(cmd.Flags())
	return cmd
}
