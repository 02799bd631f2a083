package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// MigratePeer is one configured migration destination (--migrate-peers).
type MigratePeer struct {
	// Name is the peer's identity: its certificate's xendshim://host/NAME,
	// its pin's or its pre-shared key's name.
	Name string
	// Addr is HOST:PORT of its migration receiver.
	Addr string
}

// ParseMigratePeers reads --migrate-peers: space-separated NAME=HOST:PORT.
func ParseMigratePeers(s string) ([]MigratePeer, error) {
	var peers []MigratePeer
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		name, addr, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not NAME=HOST:PORT", f)
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || !validPort(port) {
			return nil, fmt.Errorf("%q: %q is not HOST:PORT", f, addr)
		}
		if seen[name] {
			return nil, fmt.Errorf("peer %q is named twice", name)
		}
		seen[name] = true
		peers = append(peers, MigratePeer{Name: name, Addr: addr})
	}
	return peers, nil
}

// fillMigration copies and checks the migration and strict-xend settings.
func (l *loader) fillMigration() error {
	c := &l.cfg
	str := l.v.GetString
	for key, dst := range map[string]*bool{KeyRelocationLegacy: &c.RelocationLegacy, KeyStrictXend: &c.StrictXend} {
		b, err := strconv.ParseBool(fmt.Sprint(l.v.Get(key)))
		if err != nil {
			return l.bad(key, "true or false")
		}
		*dst = b
	}
	peers, err := ParseMigratePeers(str(KeyMigratePeers))
	if err != nil {
		return l.bad(KeyMigratePeers, "space-separated NAME=HOST:PORT ("+err.Error()+")")
	}
	c.MigratePeers = peers
	c.MigrateMode = strings.ToLower(str(KeyMigrateMode))
	if !contains(MigrateModes, c.MigrateMode) {
		return l.bad(KeyMigrateMode, "ca, pinned or psk")
	}
	c.MigratePolicy = str(KeyMigratePolicy)
	c.MigrateCert, c.MigrateKey, c.MigrateCA = str(KeyMigrateCert), str(KeyMigrateKey), str(KeyMigrateCA)
	c.MigratePins = strings.Fields(str(KeyMigratePin))
	for _, p := range c.MigratePins {
		if name, pin, ok := strings.Cut(p, "="); !ok || name == "" || !strings.HasPrefix(pin, "sha256/") {
			return l.bad(KeyMigratePin, fmt.Sprintf("space-separated NAME=sha256/BASE64 (%q is not)", p))
		}
	}
	c.MigratePSKID, c.MigratePSKFile, c.MigrationDir = str(KeyMigratePSKID), str(KeyMigratePSKFile), str(KeyMigrationDir)
	for _, d := range []struct {
		key string
		to  *time.Duration
	}{{KeyMigrateIdleTimeout, &c.MigrateIdleTimeout}, {KeyMigrateTimeLimit, &c.MigrateTimeLimit}, {KeyMigrateTimePerGiB, &c.MigrateTimePerGiB}} {
		if *d.to, err = l.duration(d.key); err != nil {
			return err
		}
	}
	if c.RelocationLegacy && c.MigratePolicy == "" {
		return l.bad(KeyMigratePolicy, "a policy file: --relocation-legacy admits only the policy's \"cidr:\" peers")
	}
	return nil
}
