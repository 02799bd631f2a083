package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/xendshim/xendshim/config"
)

func TestMigLimits(t *testing.T) {
	minute := time.Minute
	for _, tc := range []struct {
		name    string
		args    []string
		want    [3]time.Duration
		wantErr string
	}{
		{"configuration kept", nil, [3]time.Duration{minute, minute, minute}, ""},
		{"flags win", []string{"--idle-timeout", "2m", "--time-limit", "10m", "--time-per-gib", "90s"}, [3]time.Duration{2 * minute, 10 * minute, 90 * time.Second}, ""},
		{"one flag", []string{"--time-limit", "15m"}, [3]time.Duration{minute, 15 * minute, minute}, ""},
		{"zero", []string{"--idle-timeout", "0s"}, [3]time.Duration{}, "--idle-timeout 0s: give a positive duration"},
		{"negative", []string{"--time-per-gib", "-1s"}, [3]time.Duration{}, "--time-per-gib -1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l migLimits
			cmd := &cobra.Command{Use: "x"}
			l.addFlags(cmd.Flags())
			if err := cmd.Flags().Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg := &config.Config{MigrateIdleTimeout: minute, MigrateTimeLimit: minute, MigrateTimePerGiB: minute}
			err := l.apply(cmd, cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("apply(%q) = %v; want %q", tc.args, err, tc.wantErr)
				}
				return
			}
			got := [3]time.Duration{cfg.MigrateIdleTimeout, cfg.MigrateTimeLimit, cfg.MigrateTimePerGiB}
			if err != nil || got != tc.want {
				t.Fatalf("apply(%q) = %v, limits %v; want %v", tc.args, err, got, tc.want)
			}
		})
	}
}
