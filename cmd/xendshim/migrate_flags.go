package main

import (
	"bufio"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/journald"
)

// migDefaultPort is the site port of the native migration transport in the
// examples and defaults (xend's relocation port was 8002).
const migDefaultPort = 8005

// migTransport holds the authentication flags shared by the migration
// commands.
type migTransport struct {
	mode        string
	cert, key   string
	ca          string
	pins        []string
	pskID       string
	pskFile     string
	denySerials []string
	denySPKI    []string
	dir         string
}

func (m *migTransport) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&m.mode, "mode", "ca", "authentication: ca (mutual X.509 against --ca), pinned (SPKI pins) or psk (pre-shared keys)")
	fs.StringVar(&m.cert, "cert", "/etc/xendshim/migrate/host.crt", "this host's certificate (PEM)")
	fs.StringVar(&m.key, "key", "/etc/xendshim/migrate/host.key", "this host's private key (PEM)")
	fs.StringVar(&m.ca, "ca", "/etc/xendshim/migrate/ca.crt", "the migration CA (PEM), mode ca")
	fs.StringArrayVar(&m.pins, "pin", nil, "NAME=sha256/BASE64: a peer's SPKI pin, mode pinned (repeatable; see 'xendshim migrate-cert pin')")
	fs.StringVar(&m.pskID, "psk-id", "", "this host's name in psk mode (default: the host name)")
	fs.StringVar(&m.pskFile, "psk-file", "/etc/xendshim/migrate/psk", "psk mode: lines 'PEER-ID HEXKEY' (keys of at least 32 bytes, one per pair)")
	fs.StringArrayVar(&m.denySerials, "deny-serial", nil, "revoked certificate serial number in hex (repeatable)")
	fs.StringArrayVar(&m.denySPKI, "deny-spki", nil, "revoked key as sha256/BASE64 (repeatable)")
	fs.StringVar(&m.dir, "migration-dir", "", "journal and parked images (default STATE-DIR/migrations)")
	migAddHostFlags(fs)
}

func (m *migTransport) endpoint() (*secure.Endpoint, error) {
	e := &secure.Endpoint{Mode: secure.Mode(m.mode), DenySerials: map[string]bool{}, DenySPKI: map[string]bool{}}
	for _, s := range m.denySerials {
		e.DenySerials[strings.ToLower(strings.TrimPrefix(s, "0x"))] = true
	}
	for _, s := range m.denySPKI {
		e.DenySPKI[s] = true
	}
	if e.Mode != secure.ModePSK || m.certGiven() {
		c, err := tls.LoadX509KeyPair(m.cert, m.key)
		if err != nil {
			return nil, fmt.Errorf("migration certificate: %w (make one with 'xendshim migrate-cert host')", err)
		}
		e.Cert = &c
	}
	switch e.Mode {
	case secure.ModeCA:
		p, err := secure.LoadCA(m.ca)
		if err != nil {
			return nil, err
		}
		e.Roots = p
	case secure.ModePinned:
		e.Pins = map[string]string{}
		for _, p := range m.pins {
			name, pin, ok := strings.Cut(p, "=")
			if !ok || !strings.HasPrefix(pin, "sha256/") {
				return nil, fmt.Errorf("--pin %q: want NAME=sha256/BASE64", p)
			}
			e.Pins[name] = pin
		}
	case secure.ModePSK:
		id := m.pskID
		if id == "" {
			h, _ := os.Hostname()
			id = h
		}
		e.PSKID = id
		keys, err := migReadPSKs(m.pskFile)
		if err != nil {
			return nil, err
		}
		e.PSKs = keys
	}
	return e, e.Check()
}

func (m *migTransport) certGiven() bool {
	_, err := os.Stat(m.cert)
	return err == nil
}

// migReadPSKs reads "PEER-ID HEXKEY" lines; '#' starts a comment. The file
// must not be readable by group or others.
func migReadPSKs(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("psk file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("psk file %s is mode %o; make it 0600 (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	keys := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want 'PEER-ID HEXKEY'", path, n)
		}
		k, err := hex.DecodeString(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: the key is not hex", path, n)
		}
		keys[fields[0]] = k
	}
	return keys, sc.Err()
}

func (m *migTransport) journal(cfg *config.Config, sub string) (*journal.Journal, string, error) {
	dir := m.dir
	if dir == "" {
		dir = filepath.Join(cfg.StateDir, "migrations")
	}
	j, err := journal.Open(filepath.Join(dir, sub), false)
	return j, dir, err
}

// migBackend opens the configured toolstack and requires migration support.
func migBackend(cfg *config.Config, log *slog.Logger) (relocation.Backend, func(), error) {
	mb, closeTS, name, err := migBackendMaybe(cfg, log)
	if err == nil && mb == nil {
		closeTS()
		return nil, nil, fmt.Errorf("the %s backend cannot stream domains (toolstack.Migrator); native migration needs it", name)
	}
	return mb, closeTS, err
}

// migBackendMaybe opens the toolstack; the Backend is nil if it cannot
// stream domains.
func migBackendMaybe(cfg *config.Config, log *slog.Logger) (relocation.Backend, func(), string, error) {
	be, err := openBackend(cfg, log)
	if err != nil {
		return nil, nil, "", err
	}
	mb, _ := be.ts.(relocation.Backend)
	return mb, be.close, be.name, nil
}

// migLogging is where a migration command logs: --log stderr|file:PATH|
// syslog|journal, or --log-fd N. It never writes to standard output.
// journal sends each record to systemd-journald's native socket
// (--journal-socket, normally /run/systemd/journal/socket; another path
// serves a journald namespace, and the tests' fake journald).
type migLogging struct {
	spec          string
	fd            int
	journalSocket string
}

func (l *migLogging) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.spec, "log", "stderr", "where the log and audit records go: stderr, file:PATH, syslog or journal (systemd-journald's native protocol; the global --log-file also works)")
	fs.IntVar(&l.fd, "log-fd", 0, "write the log to this already-open descriptor (3 or more)")
	fs.StringVar(&l.journalSocket, "journal-socket", journald.DefaultSocket, "with --log=journal: journald's datagram socket (a journald namespace uses /run/systemd/journal.NAMESPACE/socket)")
}

// open returns the logger. logFile is xendshim's global --log-file (or
// XENDSHIM_LOG_FILE), used when --log and --log-fd are not given. With
// inetd, standard error is the socket, so "stderr" is refused there.
func (l *migLogging) open(stderr io.Writer, inetd bool, logFile string) (*slog.Logger, func(), error) {
	var w io.Writer
	closer := func() {}
	if l.spec == "stderr" && l.fd == 0 && logFile != "" {
		l.spec = "file:" + logFile
	}
	switch {
	case l.fd != 0:
		if l.fd < 3 {
			return nil, nil, fmt.Errorf("--log-fd %d: descriptors 0-2 may be the socket; use 3 or more", l.fd)
		}
		f := os.NewFile(uintptr(l.fd), "log-fd-"+strconv.Itoa(l.fd))
		if f == nil {
			return nil, nil, fmt.Errorf("--log-fd %d is not open", l.fd)
		}
		w = f
	case l.spec == "stderr":
		if inetd {
			return nil, nil, fmt.Errorf("--log=stderr with --inetd would write into the socket; use --log=file:PATH, --log-file PATH, --log=syslog, --log=journal or --log-fd N")
		}
		w = stderr
	case strings.HasPrefix(l.spec, "file:"):
		f, err := os.OpenFile(strings.TrimPrefix(l.spec, "file:"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		w, closer = f, func() { f.Close() }
	case l.spec == "syslog":
		sw, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "xendshim-migrate")
		if err != nil {
			return nil, nil, fmt.Errorf("syslog: %w", err)
		}
		w, closer = sw, func() { sw.Close() }
	case l.spec == "journal":
		c, err := journald.Dial(journald.WithSocket(l.journalSocket))
		if err != nil {
			return nil, nil, err
		}
		h := journald.NewHandler(c, &journald.HandlerOptions{Identifier: "xendshim-migrate"})
		return slog.New(h).With("component", "migrate"), func() { c.Close() }, nil
	default:
		return nil, nil, fmt.Errorf("--log=%q: want stderr, file:PATH, syslog or journal", l.spec)
	}
	return slog.New(slog.NewJSONHandler(w, nil)).With("component", "migrate"), closer, nil
}

// migAddHostFlags defines the host settings a migration command needs
// (backend, state directory, simulated host), taken from config.Options so
// defaults and help match serve's.
func migAddHostFlags(fs *pflag.FlagSet) {
	keep := map[string]bool{config.KeyBackend: true, config.KeyStateDir: true, config.KeySimProfile: true, config.KeySeed: true}
	tmp := pflag.NewFlagSet("host", pflag.ContinueOnError)
	config.AddFlags(tmp, true)
	tmp.VisitAll(func(f *pflag.Flag) {
		if keep[f.Name] && fs.Lookup(f.Name) == nil {
			fs.AddFlag(f)
		}
	})
}

// migLoadConfig loads xendshim's settings (backend, state directory) from
// the command's flags.
func migLoadConfig(cmd *cobra.Command) (*config.Config, error) {
	return config.Load(cmd.Flags())
}
