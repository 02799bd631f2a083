package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseMigratePeers(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []MigratePeer
		wantErr string
	}{
		{"", nil, ""},
		{"hv-b=192.0.2.11:8005", []MigratePeer{{"hv-b", "192.0.2.11:8005"}}, ""},
		{" a=h1:1  b=[::1]:8005 ", []MigratePeer{{"a", "h1:1"}, {"b", "[::1]:8005"}}, ""},
		{"hv-b", nil, "not NAME=HOST:PORT"},
		{"=h:1", nil, "not NAME=HOST:PORT"},
		{"a=h", nil, "not HOST:PORT"},
		{"a=h:99999", nil, "not HOST:PORT"},
		{"a=h:1 a=g:2", nil, "named twice"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMigratePeers(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseMigratePeers(%q) error = %v; want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseMigratePeers(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLoadMigrationSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		check   func(*Config) bool
		wantErr string
	}{
		{"defaults", nil, func(c *Config) bool {
			return c.MigratePeers == nil && c.MigrateMode == "ca" && !c.RelocationLegacy && !c.StrictXend && c.MigratePolicy == DefaultMigratePolicy
		}, ""},
		{"peers and pins", []string{"--migrate-peers", "b=127.0.0.1:9", "--migrate-mode", "PINNED", "--migrate-pin", "b=sha256/x c=sha256/y"}, func(c *Config) bool {
			return len(c.MigratePeers) == 1 && c.MigrateMode == "pinned" && len(c.MigratePins) == 2
		}, ""},
		{"strict and legacy", []string{"--strict-xend", "--relocation-legacy"}, func(c *Config) bool { return c.StrictXend && c.RelocationLegacy }, ""},
		{"bad mode", []string{"--migrate-mode", "none"}, nil, "ca, pinned or psk"},
		{"bad pin", []string{"--migrate-pin", "b=md5/x"}, nil, "NAME=sha256/BASE64"},
		{"bad peer", []string{"--migrate-peers", "b"}, nil, "NAME=HOST:PORT"},
		{"bad listen", []string{"--migrate-listen", "nowhere"}, nil, "HOST:PORT"},
		{"receiver limits", []string{"--migrate-idle-timeout", "2m", "--migrate-time-limit", "10m", "--migrate-time-per-gib", "90s"}, func(c *Config) bool {
			return c.MigrateIdleTimeout == 2*time.Minute && c.MigrateTimeLimit == 10*time.Minute && c.MigrateTimePerGiB == 90*time.Second
		}, ""},
		{"default receiver limits", nil, func(c *Config) bool {
			return c.MigrateIdleTimeout == time.Minute && c.MigrateTimeLimit == time.Minute && c.MigrateTimePerGiB == time.Minute
		}, ""},
		{"negative idle timeout", []string{"--migrate-idle-timeout", "-1s"}, nil, "a positive duration"},
		{"legacy without policy", []string{"--relocation-legacy", "--migrate-policy", ""}, nil, "cidr:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			c, err := Load(flagSet(t, tc.args...))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load(%q) error = %v; want one containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q) = %v", tc.args, err)
			}
			if !tc.check(c) {
				t.Fatalf("Load(%q) = %+v; settings not as expected", tc.args, c)
			}
		})
	}
}

func TestMigrateLimitFromEnvironment(t *testing.T) {
	isolate(t)
	t.Setenv("XENDSHIM_MIGRATE_TIME_LIMIT", "soon")
	if _, err := Load(flagSet(t)); err == nil || !strings.Contains(err.Error(), "migrate-time-limit") || !strings.Contains(err.Error(), "a duration such as 10s") {
		t.Fatalf("Load with XENDSHIM_MIGRATE_TIME_LIMIT=soon = %v; want a migrate-time-limit duration error", err)
	}
	t.Setenv("XENDSHIM_MIGRATE_TIME_LIMIT", "15m")
	if c, err := Load(flagSet(t)); err != nil || c.MigrateTimeLimit != 15*time.Minute {
		t.Fatalf("Load with XENDSHIM_MIGRATE_TIME_LIMIT=15m = %v, %v; want 15m", c, err)
	}
}
