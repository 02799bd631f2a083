package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/listener"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// migAfterSetup, if set (tests), runs once the receiver's descriptors are
// in place and before it handles a connection.
var migAfterSetup func()

func newMigrateReceiveCmd() *cobra.Command {
	var (
		tr          migTransport
		lg          migLogging
		inetd       bool
		systemd     bool
		listen      string
		policyFile  string
		legacy      string
		legacyAllow string
		xlTunnel    bool
		lim         migLimits
	)
	cmd := &cobra.Command{
		Use:   "migrate-receive",
		Short: "receive domains over the secure transport (inetd, systemd or a listener)",
		Long: `Receive domains from other xendshim hosts over TLS 1.3 with mutual
authentication, as the policy file allows (default deny).

  --inetd     the connection is standard input (inetd, xinetd, systemd
              Accept=yes with StandardInput=socket); handle it and exit.
              Descriptors 1 and 2 are moved to /dev/null if they are the
              socket, and --log=stderr is refused.
  --systemd   socket activation: LISTEN_FDS/LISTEN_PID; a listening socket
              (Accept=no) is served until SIGTERM, a connected one
              (Accept=yes) is handled once.
  --listen    listen on ADDR (e.g. 192.0.2.10:8005) until SIGTERM.

--legacy-listen ADDR also answers xend's relocation protocol (port 8002),
unauthenticated and confined by the same policy ("cidr:" peers); it is off
unless given. --legacy-hosts-allow filters its peers first, as xend's
xend-relocation-hosts-allow did (default: relocation-hosts-allow from the
configuration or xend-config.sxp).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, b := range []bool{inetd, systemd, listen != ""} {
				if b {
					n++
				}
			}
			if n != 1 {
				return usageError{fmt.Errorf("give exactly one of --inetd, --systemd and --listen ADDR")}
			}
			cfg, err := migLoadConfig(cmd)
			if err != nil {
				return err
			}
			legacyAllow, err = migLegacyHostsAllow(cmd, cfg, legacy, legacyAllow)
			if err != nil {
				return err
			}
			if err := lim.apply(cmd, cfg); err != nil {
				return err
			}
			if inetd && lg.spec == "stderr" && lg.fd == 0 && cfg.LogFile == "" {
				return fmt.Errorf("--log=stderr with --inetd would write into the socket; use --log=file:PATH, --log-file PATH, --log=syslog, --log=journal or --log-fd N")
			}
			var conn net.Conn
			if inetd {
				c, err := migInetdConn()
				if err != nil {
					return err
				}
				conn = c
			}
			log, closeLog, err := lg.open(cmd.ErrOrStderr(), inetd, cfg.LogFile)
			if err != nil {
				return err
			}
			defer closeLog()
			r, closeTS, err := migReceiver(cmd.Context(), cfg, &tr, policyFile, log, xlTunnel)
			if err != nil {
				log.Error("migrate-receive cannot start", "err", err)
				return err
			}
			defer closeTS()
			if xlTunnel {
				r.XL = &relocation.XLTunnel{}
			}
			if migAfterSetup != nil {
				migAfterSetup()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			if legacy != "" && r.TS == nil {
				return fmt.Errorf("--legacy-listen needs a backend that can create domains from xend's stream")
			}
			if legacy != "" {
				lr := &relocation.LegacyReceiver{TS: r.TS, Policy: r.Policy, Prepared: r.Prepared, Log: log, Limits: r.Limits}
				if s, ok := r.TS.(*sim.Sim); ok {
					// The simulated host has no pages to restore.
					lr.Restorer = &relocation.SimulatedLegacyRestore{TS: s}
				}
				ln, err := net.Listen("tcp", legacy)
				if err != nil {
					return err
				}
				h, err := listener.NewHostsAllow(ln, legacyAllow)
				if err != nil { // checked at startup; kept for safety
					ln.Close()
					return err
				}
				h.Log = log
				log.Warn("xend relocation receiver enabled (unauthenticated; confined by hosts-allow and policy cidr peers)",
					"addr", ln.Addr().String(), "hosts_allow", legacyAllow)
				go lr.Serve(ctx, h)
			}
			switch {
			case conn != nil:
				return r.ServeConn(ctx, conn)
			case systemd:
				ln, c, err := migSystemd()
				if err != nil {
					return err
				}
				if c != nil {
					return r.ServeConn(ctx, c)
				}
				log.Info("serving migrations (socket activation)", "addr", ln.Addr().String())
				return r.Serve(ctx, ln)
			default:
				ln, err := net.Listen("tcp", listen)
				if err != nil {
					return err
				}
				log.Info("serving migrations", "addr", ln.Addr().String())
				return r.Serve(ctx, ln)
			}
		},
	}
	tr.addFlags(cmd.Flags())
	lg.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&inetd, "inetd", false, "the connection is on standard input (inetd/xinetd)")
	cmd.Flags().BoolVar(&systemd, "systemd", false, "use the socket systemd passes (LISTEN_FDS)")
	cmd.Flags().StringVar(&listen, "listen", "", "listen on ADDR")
	cmd.Flags().StringVar(&policyFile, "policy", "/etc/xendshim/migrate-policy.toml", "receiver policy (TOML, or JSON by extension)")
	cmd.Flags().StringVar(&legacy, "legacy-listen", "", "also answer xend's relocation protocol on ADDR (off by default)")
	cmd.Flags().StringVar(&legacyAllow, "legacy-hosts-allow", "", "with --legacy-listen: space-separated regular expressions, matched from the start against the peer's IP and reverse-DNS names, as xend-relocation-hosts-allow (default: relocation-hosts-allow from the configuration; empty admits every peer)")
	lim.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&xlTunnel, "xl", false, "also accept xl migrate -s \"xendshim migrate-connect\" tunnels (runs xl migrate-receive)")
	return cmd
}

// migLegacyHostsAllow returns the hosts-allow patterns of the legacy
// listener: the --legacy-hosts-allow flag if given, else the configuration's
// relocation-hosts-allow (xend-relocation-hosts-allow in xend-config.sxp). A
// pattern that does not compile, or the flag without --legacy-listen, is a
// startup error.
func migLegacyHostsAllow(cmd *cobra.Command, cfg *config.Config, legacy, flag string) (string, error) {
	if !cmd.Flags().Changed("legacy-hosts-allow") {
		return cfg.RelocationHostsAllow, nil
	}
	if legacy == "" {
		return "", usageError{fmt.Errorf("--legacy-hosts-allow filters the xend relocation listener; give --legacy-listen ADDR too")}
	}
	if _, err := listener.NewHostsAllow(nil, flag); err != nil {
		return "", fmt.Errorf("--legacy-hosts-allow %q: %w; give space-separated RE2 regular expressions such as '^192\\.0\\.2\\. ^host[0-9]+\\.example\\.org$'", flag, err)
	}
	return flag, nil
}

// migReceiver builds the receiver: policy, credentials (unknown peers fail
// the handshake), backend, journal; it aborts migrations a crash left
// unfinished.
func migReceiver(ctx context.Context, cfg *config.Config, tr *migTransport, policyFile string, log *slog.Logger, xlOnly bool) (*relocation.Receiver, func(), error) {
	ts, closeTS, name, err := migBackendMaybe(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if ts == nil && !xlOnly {
		closeTS()
		return nil, nil, fmt.Errorf("the %s backend cannot stream domains (toolstack.Migrator); use --xl to serve xl migrate -s tunnels only", name)
	}
	r, err := migReceiverOn(ctx, cfg, tr, policyFile, log, ts)
	if err != nil {
		closeTS()
		return nil, nil, err
	}
	if ts == nil {
		log.Warn("the backend cannot stream domains: serving xl tunnels only", "backend", name)
	}
	return r, closeTS, nil
}

// migReceiverOn builds a receiver on an open backend (nil: xl tunnels
// only) and aborts migrations a crash left unfinished.
func migReceiverOn(ctx context.Context, cfg *config.Config, tr *migTransport, policyFile string, log *slog.Logger, ts relocation.Backend) (*relocation.Receiver, error) {
	pol, err := policy.Load(policyFile)
	if err != nil {
		return nil, err
	}
	ep, err := tr.endpoint()
	if err != nil {
		return nil, err
	}
	ep.KnownPeer = func(id secure.Identity) bool { p, _ := pol.Peer(string(id)); return p != nil }
	j, dir, err := tr.journal(cfg, "in")
	if err != nil {
		return nil, err
	}
	spool := filepath.Join(dir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return nil, err
	}
	r := &relocation.Receiver{TS: ts, Policy: pol, Endpoint: ep, Journal: j, SpoolDir: spool, Log: log,
		Limits: relocation.Limits{Idle: cfg.MigrateIdleTimeout, Base: cfg.MigrateTimeLimit, PerGiB: cfg.MigrateTimePerGiB}}
	if r.Prepared, err = migPreparedStore(cfg, tr); err != nil {
		return nil, err
	}
	if ts == nil {
		return r, nil
	}
	if n, err := r.Recover(ctx); n > 0 || err != nil {
		log.Warn("aborted migrations left unfinished by an earlier receiver", "count", n, "err", err)
	}
	return r, nil
}

// migInetdConn takes the connection from descriptor 0 and moves 0, 1 and 2
// to /dev/null when they are the socket, so that nothing written to
// standard output or error can reach the peer.
func migInetdConn() (net.Conn, error) {
	var st0 unix.Stat_t
	if err := unix.Fstat(0, &st0); err != nil {
		return nil, fmt.Errorf("--inetd: standard input: %w", err)
	}
	if st0.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return nil, fmt.Errorf("--inetd: standard input is not a socket; run me from inetd, xinetd or a systemd Accept=yes unit")
	}
	c, err := net.FileConn(os.Stdin)
	if err != nil {
		return nil, fmt.Errorf("--inetd: %w", err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		c.Close()
		return nil, err
	}
	defer devnull.Close()
	for fd := 0; fd <= 2; fd++ {
		var st unix.Stat_t
		if fd > 0 && (unix.Fstat(fd, &st) != nil || st.Dev != st0.Dev || st.Ino != st0.Ino) {
			continue
		}
		if err := unix.Dup2(int(devnull.Fd()), fd); err != nil {
			c.Close()
			return nil, fmt.Errorf("--inetd: moving descriptor %d off the socket: %w", fd, err)
		}
	}
	return c, nil
}

// migSystemd returns the socket systemd passed: a listener (Accept=no) or
// a connection (Accept=yes). LISTEN_* are removed from the environment.
func migSystemd() (net.Listener, net.Conn, error) {
	pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if pid != strconv.Itoa(os.Getpid()) || fds == "" {
		return nil, nil, fmt.Errorf("--systemd: no socket passed (LISTEN_PID=%q LISTEN_FDS=%q); start me from a .socket unit", pid, fds)
	}
	if fds != "1" {
		return nil, nil, fmt.Errorf("--systemd: LISTEN_FDS=%s; the unit must pass exactly one socket", fds)
	}
	unix.CloseOnExec(3)
	f := os.NewFile(3, "systemd-socket")
	acc, err := unix.GetsockoptInt(3, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return nil, nil, fmt.Errorf("--systemd: descriptor 3 is not a socket: %w", err)
	}
	defer f.Close()
	if acc == 1 {
		ln, err := net.FileListener(f)
		return ln, nil, err
	}
	c, err := net.FileConn(f)
	return nil, c, err
}
