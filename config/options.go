package config

import "time"

// Keys of the settings. Each is also the flag name, the config-file key and,
// upper-cased with "-" as "_" after "XENDSHIM_", the environment variable.
const (
	KeyConfig               = "config"
	KeyXendConfig           = "xend-config"
	KeyBackend              = "backend"
	KeyStateDir             = "state-dir"
	KeySimProfile           = "sim-profile"
	KeySeed                 = "seed"
	KeyXMLRPCSocket         = "xmlrpc-socket"
	KeyXMLRPCAddr           = "xmlrpc-addr"
	KeyXMLRPCTLSCert        = "xmlrpc-tls-cert"
	KeyXMLRPCTLSKey         = "xmlrpc-tls-key"
	KeyXMLRPCClientCA       = "xmlrpc-client-ca"
	KeyHTTPSocket           = "http-socket"
	KeyHTTPAddr             = "http-addr"
	KeyRelocationAddr       = "relocation-addr"
	KeyRelocationHostsAllow = "relocation-hosts-allow"
	KeyRelocationTLSAddr    = "relocation-tls-addr"
	KeyRelocationTLSCert    = "relocation-tls-cert"
	KeyRelocationTLSKey     = "relocation-tls-key"
	KeyRelocationClientCA   = "relocation-client-ca"
	KeyRelocationSSL        = "relocation-ssl"
	KeyDomainsPath          = "domains-path"
	KeyDom0MinMem           = "dom0-min-mem"
	KeyLogFile              = "log-file"
	KeyLogLevel             = "log-level"
	KeyShutdownTimeout      = "shutdown-timeout"
	KeyRelocationLegacy     = "relocation-legacy"
	KeyMigratePeers         = "migrate-peers"
	KeyMigrateListen        = "migrate-listen"
	KeyMigratePolicy        = "migrate-policy"
	KeyMigrateMode          = "migrate-mode"
	KeyMigrateCert          = "migrate-cert"
	KeyMigrateKey           = "migrate-key"
	KeyMigrateCA            = "migrate-ca"
	KeyMigratePin           = "migrate-pin"
	KeyMigratePSKID         = "migrate-psk-id"
	KeyMigratePSKFile       = "migrate-psk-file"
	KeyMigrationDir         = "migration-dir"
	KeyMigrateIdleTimeout   = "migrate-idle-timeout"
	KeyMigrateTimeLimit     = "migrate-time-limit"
	KeyMigrateTimePerGiB    = "migrate-time-per-gib"
	KeyStrictXend           = "strict-xend"
)

// Paths and ports xend used; the defaults below follow them.
const (
	DefaultXMLRPCSocket   = "/var/run/xend/xmlrpc.sock"
	DefaultHTTPSocket     = "/var/lib/xend/xend-socket"
	DefaultDomainsPath    = "/var/lib/xend/domains"
	DefaultStateDir       = "/var/lib/xendshim"
	DefaultXendConfigPath = "/etc/xen/xend-config.sxp"
	DefaultConfigPath     = "" // no xendshim config file unless asked for
	DefaultMigratePolicy  = "/etc/xendshim/migrate-policy.toml"
)

// MigrateModes are the authentication modes of the native migration
// transport (xendshim migrate --mode).
var MigrateModes = []string{"ca", "pinned", "psk"}

// EnvPrefix prefixes the environment variable of every key.
const EnvPrefix = "XENDSHIM"

// Option describes one setting: its key (= flag name), default and help.
type Option struct {
	Key     string
	Default any // string, int, int64, bool or time.Duration
	// Arg names the value in help text ("PATH", "HOST:PORT"); "" for booleans.
	Arg   string
	Usage string
	// Serve is true for settings only `serve` uses (its flags live there);
	// false for settings every command takes (persistent flags).
	Serve bool
}

// Options lists every setting, in help order.
var Options = []Option{
	{KeyConfig, DefaultConfigPath, "FILE", "xendshim configuration file, YAML (.yaml/.yml) or TOML (.toml); its keys are these flag names", false},
	{KeyXendConfig, DefaultXendConfigPath, "FILE", "the host's xend-config.sxp, honoured when it exists (default $XEND_CONFIG or /etc/xen/xend-config.sxp); empty = ignore it", false},
	{KeyLogFile, "", "FILE", "write the log to FILE (reopened on SIGHUP) instead of standard error; never standard output", false},
	{KeyLogLevel, "info", "LEVEL", "log level: debug, info, warn or error (xend's DEBUG, INFO, WARNING, ERROR, CRITICAL also accepted)", false},
	{KeyBackend, "auto", "auto|sim|xl", "toolstack backend: xl (a real Xen host), sim (the simulated host) or auto (xl when /proc/xen/capabilities has control_d, else sim)", true},
	{KeyStateDir, DefaultStateDir, "DIR", "directory for xendshim's own state (the simulated host lives in DIR/sim)", true},
	{KeySimProfile, "", "FILE", "host profile for the simulated host, in the format of reference-host.json (default: a built-in profile)", true},
	{KeySeed, int64(0), "N", "seed for the simulated host's UUIDs and MACs; 0 = random, any other value is deterministic", true},
	{KeyXMLRPCSocket, DefaultXMLRPCSocket, "PATH", "UNIX socket for the legacy XML-RPC API (xm); empty = off", true},
	{KeyXMLRPCAddr, "", "HOST:PORT", "TCP address for the legacy XML-RPC API (xend used localhost:8006); empty = off", true},
	{KeyXMLRPCTLSCert, "", "FILE", "PEM certificate: with --xmlrpc-tls-key, the XML-RPC TCP port speaks HTTPS only", true},
	{KeyXMLRPCTLSKey, "", "FILE", "PEM private key for --xmlrpc-tls-cert", true},
	{KeyXMLRPCClientCA, "", "FILE", "PEM CA certificates: XML-RPC TLS clients must present a certificate signed by one", true},
	{KeyHTTPSocket, DefaultHTTPSocket, "PATH", "UNIX socket for the /xend/ HTTP/SXP API (libvirt); empty = off", true},
	{KeyHTTPAddr, "", "HOST:PORT", "TCP address for the /xend/ HTTP/SXP API (xend used :8000); empty = off", true},
	{KeyRelocationAddr, "", "HOST:PORT", "TCP address of the legacy relocation receiver (xend used :8002; unauthenticated); empty = off", true},
	{KeyRelocationHostsAllow, "", "REGEXPS", "xend's space-separated host patterns for the relocation port (weak: reverse DNS, start-anchored); empty = all", true},
	{KeyRelocationTLSAddr, "", "HOST:PORT", "TCP address of the TLS relocation receiver (xend used :8003); empty = off", true},
	{KeyRelocationTLSCert, "", "FILE", "PEM certificate of the TLS relocation receiver", true},
	{KeyRelocationTLSKey, "", "FILE", "PEM private key of the TLS relocation receiver", true},
	{KeyRelocationClientCA, "", "FILE", "PEM CA certificates: relocation TLS clients must present a certificate signed by one", true},
	{KeyRelocationSSL, false, "", "use TLS by default when sending a domain (xend-relocation-ssl)", true},
	{KeyRelocationLegacy, false, "", "serve xend's relocation protocol on --relocation-addr (unauthenticated; confined by --migrate-policy \"cidr:\" peers); off unless set, even when xend-config.sxp says xend-relocation-server yes", true},
	{KeyMigratePeers, "", "NAME=HOST:PORT...", "space-separated migration peers xend.domain.migrate and op=migrate may send to (NAME: the peer's certificate, pin or PSK name; clients may name NAME or HOST); empty = migration refused", true},
	{KeyMigrateListen, "", "HOST:PORT", "TCP address of the native migration receiver (XMP/1 over TLS 1.3, as 'xendshim migrate-receive --listen'); empty = off", true},
	{KeyMigratePolicy, DefaultMigratePolicy, "FILE", "migration receiver policy (TOML, or JSON by extension), for --migrate-listen and --relocation-legacy", true},
	{KeyMigrateMode, "ca", "ca|pinned|psk", "migration authentication, as 'xendshim migrate --mode'", true},
	{KeyMigrateCert, "/etc/xendshim/migrate/host.crt", "FILE", "this host's migration certificate (PEM), as 'xendshim migrate --cert'", true},
	{KeyMigrateKey, "/etc/xendshim/migrate/host.key", "FILE", "this host's migration private key (PEM), as 'xendshim migrate --key'", true},
	{KeyMigrateCA, "/etc/xendshim/migrate/ca.crt", "FILE", "the migration CA (PEM) in mode ca, as 'xendshim migrate --ca'", true},
	{KeyMigratePin, "", "NAME=sha256/B64...", "space-separated peer SPKI pins in mode pinned, as 'xendshim migrate --pin'", true},
	{KeyMigratePSKID, "", "NAME", "this host's name in mode psk (default: the host name), as 'xendshim migrate --psk-id'", true},
	{KeyMigratePSKFile, "/etc/xendshim/migrate/psk", "FILE", "mode psk: lines 'PEER-ID HEXKEY', as 'xendshim migrate --psk-file'", true},
	{KeyMigrationDir, "", "DIR", "migration journal and parked images (default STATE-DIR/migrations), as 'xendshim migrate --migration-dir'", true},
	{KeyMigrateIdleTimeout, 60 * time.Second, "DURATION", "--migrate-listen: the longest silence from a sender (it sends KEEPALIVE while parking the domain), as 'xendshim migrate-receive --idle-timeout'", true},
	{KeyMigrateTimeLimit, 60 * time.Second, "DURATION", "--migrate-listen: wall deadline of a transfer (HELLO to the end of the stream) before --migrate-time-per-gib, as 'xendshim migrate-receive --time-limit'", true},
	{KeyMigrateTimePerGiB, 60 * time.Second, "DURATION", "--migrate-listen: added to --migrate-time-limit per GiB of the domain's memory, as 'xendshim migrate-receive --time-per-gib'", true},
	{KeyStrictXend, false, "", "byte-exact xend 4.4.4 replies: no console tty, VNC location or extra dom0 fields; op=dump without reset refused as xend did", true},
	{KeyDomainsPath, DefaultDomainsPath, "DIR", "where managed domains are kept, one DIR/<uuid>/config.sxp each, as xend kept them", true},
	{KeyDom0MinMem, 196, "MIB", "lowest memory (MiB) dom0's target may be set to (xend-config.sxp dom0-min-mem)", true},
	{KeyShutdownTimeout, 10 * time.Second, "DURATION", "how long SIGTERM/SIGINT waits for calls in flight before closing connections", true},
}

// OptionByKey returns the option with the given key.
func OptionByKey(key string) (Option, bool) {
	for _, o := range Options {
		if o.Key == key {
			return o, true
		}
	}
	return Option{}, false
}

// EnvName returns the environment variable of a key: XENDSHIM_XMLRPC_SOCKET
// for "xmlrpc-socket".
func EnvName(key string) string {
	b := []byte(EnvPrefix + "_" + key)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
