package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is the resolved configuration of one xendshim run.
type Config struct {
	Backend    string // auto, sim or xl
	StateDir   string
	SimProfile string
	Seed       int64 // 0 = random

	XMLRPCSocket   string // "" = off
	XMLRPCAddr     string // "" = off
	XMLRPCTLSCert  string
	XMLRPCTLSKey   string
	XMLRPCClientCA string

	HTTPSocket string // "" = off
	HTTPAddr   string // "" = off

	RelocationAddr       string // "" = off
	RelocationHostsAllow string
	RelocationTLSAddr    string // "" = off
	RelocationTLSCert    string
	RelocationTLSKey     string
	RelocationClientCA   string
	RelocationSSL        bool

	DomainsPath     string
	Dom0MinMem      int // MiB
	LogFile         string
	LogLevel        string
	ShutdownTimeout time.Duration

	// RelocationLegacy opts in to xend's relocation receiver.
	RelocationLegacy bool
	// MigratePeers are the destinations local clients may migrate to.
	MigratePeers   []MigratePeer
	MigrateListen  string // "" = no native receiver
	MigratePolicy  string
	MigrateMode    string // ca, pinned or psk
	MigrateCert    string
	MigrateKey     string
	MigrateCA      string
	MigratePins    []string // NAME=sha256/BASE64
	MigratePSKID   string
	MigratePSKFile string
	MigrationDir   string // "" = StateDir/migrations
	// MigrateIdleTimeout, MigrateTimeLimit and MigrateTimePerGiB bound a
	// received migration: the longest silence, and the transfer's wall
	// deadline (limit + per-GiB × the domain's memory).
	MigrateIdleTimeout, MigrateTimeLimit, MigrateTimePerGiB time.Duration
	// StrictXend turns off what xendshim adds beyond xend 4.4.4.
	StrictXend bool

	// ConfigFile is the xendshim configuration file read, or "".
	ConfigFile string
	// XendConfigFile is the xend-config.sxp read, or "" when there was none.
	XendConfigFile string
	// Warnings are the xend-config.sxp options that were ignored.
	Warnings []Warning
}

// Backends are the values --backend accepts.
var Backends = []string{"auto", "sim", "xl"}

// Load resolves the configuration from flags (may be nil), the environment,
// the xendshim configuration file and xend-config.sxp, in the precedence
// order of the package documentation. It returns an error, and no Config,
// when any source holds a bad value; the error names the source.
func Load(flags *pflag.FlagSet) (*Config, error) {
	l := &loader{v: viper.New(), flags: flags}
	return l.load()
}

// loader keeps the layers apart so that errors can name their source.
type loader struct {
	v        *viper.Viper
	flags    *pflag.FlagSet
	fileKeys map[string]bool // keys set by the xendshim config file
	xendKeys map[string]bool // keys set by xend-config.sxp
	cfg      Config
}

func (l *loader) load() (*Config, error) {
	v := l.v
	for _, o := range Options {
		v.SetDefault(o.Key, o.Default)
	}
	if x, ok := os.LookupEnv("XEND_CONFIG"); ok { // xend's own override
		v.SetDefault(KeyXendConfig, x)
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AllowEmptyEnv(true)
	v.AutomaticEnv()
	if l.flags != nil {
		for _, o := range Options {
			if f := l.flags.Lookup(o.Key); f != nil {
				if err := v.BindPFlag(o.Key, f); err != nil {
					return nil, fmt.Errorf("config: %w", err)
				}
			}
		}
	}
	if err := l.readConfigFile(); err != nil {
		return nil, err
	}
	if err := l.readXendConfig(); err != nil {
		return nil, err
	}
	if err := l.fill(); err != nil {
		return nil, err
	}
	return &l.cfg, nil
}

// readConfigFile reads --config into the config-file layer.
func (l *loader) readConfigFile() error {
	path := l.v.GetString(KeyConfig)
	l.fileKeys = map[string]bool{}
	if path == "" {
		return nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".toml":
	default:
		return fmt.Errorf("config: %s: unknown format; name the file .yaml, .yml or .toml", path)
	}
	fv := viper.New()
	fv.SetConfigFile(path)
	if err := fv.ReadInConfig(); err != nil {
		return fmt.Errorf("config: reading %s: %w", path, err)
	}
	for _, k := range fv.AllKeys() {
		if _, ok := OptionByKey(k); !ok || k == KeyConfig {
			return fmt.Errorf("config: %s: unknown key %q; the keys are the flag names listed by `xendshim serve --help`", path, k)
		}
		l.fileKeys[k] = true
	}
	if err := l.v.MergeConfigMap(fv.AllSettings()); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	l.cfg.ConfigFile = path
	return nil
}

// readXendConfig layers xend-config.sxp between the config file and the
// built-in defaults.
func (l *loader) readXendConfig() error {
	path := l.v.GetString(KeyXendConfig)
	l.xendKeys = map[string]bool{}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if src := l.source(KeyXendConfig); errors.Is(err, fs.ErrNotExist) && (src == "default" || src == "environment XEND_CONFIG") {
		return nil // like xend: no file, built-in defaults
	}
	if err != nil {
		return fmt.Errorf("config: xend configuration (%s): %w", l.source(KeyXendConfig), err)
	}
	settings := map[string]any{}
	if err := (XendConfigDecoder{Path: path, Warnings: &l.cfg.Warnings}).Decode(data, settings); err != nil {
		return err
	}
	for k, val := range settings {
		l.v.SetDefault(k, val)
		l.xendKeys[k] = true
	}
	l.cfg.XendConfigFile = path
	return nil
}

// source names where the value of key comes from, for error messages.
func (l *loader) source(key string) string {
	if l.flags != nil {
		if f := l.flags.Lookup(key); f != nil && f.Changed {
			return "flag --" + key
		}
	}
	if _, ok := os.LookupEnv(EnvName(key)); ok {
		return "environment " + EnvName(key)
	}
	if l.fileKeys[key] {
		return "config file " + l.cfg.ConfigFile
	}
	if l.xendKeys[key] {
		return "xend configuration " + l.cfg.XendConfigFile
	}
	if key == KeyXendConfig {
		if _, ok := os.LookupEnv("XEND_CONFIG"); ok {
			return "environment XEND_CONFIG"
		}
	}
	return "default"
}

func (l *loader) bad(key, want string) error {
	return fmt.Errorf("config: %s = %q (from %s): want %s", key, fmt.Sprint(l.v.Get(key)), l.source(key), want)
}

// fill copies and checks every setting.
func (l *loader) fill() error {
	c := &l.cfg
	str := l.v.GetString
	c.Backend = strings.ToLower(str(KeyBackend))
	if !contains(Backends, c.Backend) {
		return l.bad(KeyBackend, "auto, sim or xl")
	}
	c.StateDir, c.SimProfile = str(KeyStateDir), str(KeySimProfile)
	if c.StateDir == "" {
		return l.bad(KeyStateDir, "a directory")
	}
	seed, err := strconv.ParseInt(fmt.Sprint(l.v.Get(KeySeed)), 10, 64)
	if err != nil {
		return l.bad(KeySeed, "a whole number")
	}
	c.Seed = seed
	c.XMLRPCSocket, c.HTTPSocket = str(KeyXMLRPCSocket), str(KeyHTTPSocket)
	for key, p := range map[string]string{KeyXMLRPCSocket: c.XMLRPCSocket, KeyHTTPSocket: c.HTTPSocket} {
		if p != "" && !filepath.IsAbs(p) {
			return l.bad(key, "an absolute socket path (its directory is made root-only), or empty to turn it off")
		}
	}
	for key, dst := range map[string]*string{
		KeyXMLRPCAddr: &c.XMLRPCAddr, KeyHTTPAddr: &c.HTTPAddr, KeyMigrateListen: &c.MigrateListen,
		KeyRelocationAddr: &c.RelocationAddr, KeyRelocationTLSAddr: &c.RelocationTLSAddr,
	} {
		*dst = str(key)
		if *dst == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(*dst); err != nil || !validPort(port) {
			return l.bad(key, "HOST:PORT (such as localhost:8006 or :8000), or empty to turn it off")
		}
	}
	c.XMLRPCTLSCert, c.XMLRPCTLSKey, c.XMLRPCClientCA = str(KeyXMLRPCTLSCert), str(KeyXMLRPCTLSKey), str(KeyXMLRPCClientCA)
	if (c.XMLRPCTLSCert == "") != (c.XMLRPCTLSKey == "") {
		return l.bad(KeyXMLRPCTLSCert, "both --xmlrpc-tls-cert and --xmlrpc-tls-key, or neither")
	}
	if c.XMLRPCClientCA != "" && c.XMLRPCTLSCert == "" {
		return l.bad(KeyXMLRPCClientCA, "a TLS listener: --xmlrpc-client-ca needs --xmlrpc-tls-cert and --xmlrpc-tls-key")
	}
	c.RelocationHostsAllow = str(KeyRelocationHostsAllow)
	for _, p := range strings.Fields(c.RelocationHostsAllow) {
		if _, err := regexp.Compile(p); err != nil {
			return l.bad(KeyRelocationHostsAllow, fmt.Sprintf("regular expressions (RE2 syntax); %q does not compile: %v", p, err))
		}
	}
	c.RelocationTLSCert, c.RelocationTLSKey, c.RelocationClientCA = str(KeyRelocationTLSCert), str(KeyRelocationTLSKey), str(KeyRelocationClientCA)
	if c.RelocationTLSAddr != "" && (c.RelocationTLSCert == "" || c.RelocationTLSKey == "") {
		return l.bad(KeyRelocationTLSAddr, "--relocation-tls-cert and --relocation-tls-key with it (xend-relocation-server-ssl-key-file and -cert-file)")
	}
	rs, err := strconv.ParseBool(fmt.Sprint(l.v.Get(KeyRelocationSSL)))
	if err != nil {
		return l.bad(KeyRelocationSSL, "true or false")
	}
	c.RelocationSSL = rs
	c.DomainsPath = str(KeyDomainsPath)
	if c.DomainsPath == "" {
		return l.bad(KeyDomainsPath, "a directory")
	}
	mem, err := strconv.Atoi(fmt.Sprint(l.v.Get(KeyDom0MinMem)))
	if err != nil || mem < 0 {
		return l.bad(KeyDom0MinMem, "a whole number of MiB >= 0")
	}
	c.Dom0MinMem = mem
	c.LogFile = str(KeyLogFile)
	c.LogLevel = strings.ToLower(str(KeyLogLevel))
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return l.bad(KeyLogLevel, "debug, info, warn or error")
	}
	if c.ShutdownTimeout, err = l.duration(KeyShutdownTimeout); err != nil {
		return err
	}
	return l.fillMigration()
}

// duration reads a positive duration setting ("10s", or a time.Duration
// from a flag's default).
func (l *loader) duration(key string) (time.Duration, error) {
	var d time.Duration
	switch v := l.v.Get(key).(type) {
	case time.Duration:
		d = v
	default:
		td, err := time.ParseDuration(fmt.Sprint(v))
		if err != nil {
			return 0, l.bad(key, "a duration such as 10s")
		}
		d = td
	}
	if d <= 0 {
		return 0, l.bad(key, "a positive duration such as 10s")
	}
	return d, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
