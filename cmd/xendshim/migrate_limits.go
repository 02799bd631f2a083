package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xendshim/xendshim/config"
)

// migLimits are migrate-receive's --idle-timeout, --time-limit and
// --time-per-gib: the receiver's limits, which serve takes from
// migrate-idle-timeout, migrate-time-limit and migrate-time-per-gib.
type migLimits struct {
	idle, limit, perGiB time.Duration
}

func (l *migLimits) addFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&l.idle, "idle-timeout", time.Minute, "the longest silence from a sender (it sends KEEPALIVE while it parks the domain) (default: migrate-idle-timeout from the configuration)")
	fs.DurationVar(&l.limit, "time-limit", time.Minute, "wall deadline of a transfer, HELLO to the end of the stream, before --time-per-gib (default: migrate-time-limit from the configuration)")
	fs.DurationVar(&l.perGiB, "time-per-gib", time.Minute, "added to --time-limit per GiB of the domain's memory (default: migrate-time-per-gib from the configuration)")
}

// apply puts the flags that were given into cfg, refusing durations that
// are not positive.
func (l *migLimits) apply(cmd *cobra.Command, cfg *config.Config) error {
	for _, f := range []struct {
		name string
		v    time.Duration
		to   *time.Duration
	}{{"idle-timeout", l.idle, &cfg.MigrateIdleTimeout}, {"time-limit", l.limit, &cfg.MigrateTimeLimit}, {"time-per-gib", l.perGiB, &cfg.MigrateTimePerGiB}} {
		if !cmd.Flags().Changed(f.name) {
			continue
		}
		if f.v <= 0 {
			return usageError{fmt.Errorf("--%s %s: give a positive duration such as 90s", f.name, f.v)}
		}
		*f.to = f.v
	}
	return nil
}
