package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/listener"
)

const serveLong = `serve answers xend's protocols until SIGTERM or SIGINT:

  legacy XML-RPC (xm, xmlrpclib)   --xmlrpc-socket (default /var/run/xend/xmlrpc.sock), --xmlrpc-addr
  HTTP/SXP (libvirt's xen driver)  --http-socket (default /var/lib/xend/xend-socket), --http-addr
  xend relocation (unauthenticated) --relocation-addr, --relocation-tls-addr,
                                   only with --relocation-legacy and --migrate-policy
  native migration receiver        --migrate-listen (XMP/1 over TLS 1.3), --migrate-policy

xend.domain.migrate (xm migrate) and op=migrate (virsh migrate) send over
the secure transport to the peers of --migrate-peers NAME=HOST:PORT...,
authenticated by --migrate-mode and --migrate-cert/--migrate-key/--migrate-ca,
--migrate-pin or --migrate-psk-id/--migrate-psk-file (the meaning of
'xendshim migrate --mode/--cert/--key/--ca/--pin/--psk-id/--psk-file');
without peers they are refused. Managed domains with on_xend_start=start are
started once the listeners are up; on SIGTERM/SIGINT on_xend_stop is applied
after the listeners close. --strict-xend answers byte for byte as xend 4.4.4.

An empty value turns a listener off. UNIX sockets are created in a directory
forced to root-only mode 0700, as xend did; a stale socket is replaced.
Without root, paths under /var that cannot be written move to
$XDG_RUNTIME_DIR/xendshim and ~/.local/state/xendshim (the log says so).
Sockets passed by systemd (LISTEN_FDS) are used instead of binding; they are
matched to listeners by FileDescriptorName= (xmlrpc, http, relocation or
migrate) or else by address.

SIGTERM/SIGINT: stop accepting, let calls in flight finish for at most
--shutdown-timeout, exit 0. SIGHUP: re-read the configuration, reopen the log
file and every listener (a configuration error leaves everything unchanged).

--backend auto uses xl when /proc/xen/capabilities contains control_d and
otherwise serves a simulated host, logging that loudly.`

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve xend's XML-RPC and HTTP/SXP APIs on xl or on a simulated host",
		Long:  serveLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			return serve(ctx, cmd.Flags(), hup, cmd.ErrOrStderr())
		},
	}
	config.AddFlags(cmd.Flags(), true)
	return cmd
}

// serve runs the daemon until ctx is cancelled (SIGTERM/SIGINT); each value
// on hup re-reads the configuration and reopens the log and the listeners.
func serve(ctx context.Context, flags *pflag.FlagSet, hup <-chan os.Signal, stderr io.Writer) (err error) {
	cfg, err := config.Load(flags)
	if err != nil {
		return err
	}
	lg, err := newLogging(cfg, stderr)
	if err != nil {
		return err
	}
	defer lg.sink.close()
	log := lg.log
	defer func() {
		if err != nil && cfg.LogFile != "" { // the error also goes to stderr
			log.Error("xendshim cannot serve", "err", err)
		}
	}()
	log.Info("xendshim starting", "version", versionString(), "pid", os.Getpid(),
		"config", cfg.ConfigFile, "xend_config", cfg.XendConfigFile)
	for _, w := range cfg.Warnings {
		log.Warn("xend-config.sxp option ignored", "file", w.Path, "line", w.Line, "option", w.Option, "why", w.Msg)
	}
	applyUserFallback(cfg, log)
	if cfg.Backend != "xl" && cfg.DomainsPath == config.DefaultDomainsPath && !isControlDomain(xenCapabilitiesPath) {
		// A simulated host keeps its managed domains beside its state, so a
		// test server never writes into a real xend store.
		cfg.DomainsPath = filepath.Join(cfg.StateDir, "domains")
	}

	be, err := openBackend(cfg, log)
	if err != nil {
		return err
	}
	defer be.close()
	xs, err := newXendService(cfg, log, be.ts)
	if err != nil {
		return err
	}
	deps := serveDeps{cfg: cfg, log: log, ts: be.ts, xend: xs}
	d := &daemon{log: log, servers: map[string]protocolServer{}}
	for proto, mk := range protocolFactories {
		srv, err := mk(deps)
		if err != nil {
			return fmt.Errorf("%s server: %w", proto, err)
		}
		d.servers[proto] = srv
	}

	acts, err := listener.FromSystemd()
	if err != nil {
		return err
	}
	inherited, rest, err := matchActivated(endpointsOf(cfg), acts)
	if err != nil {
		return err
	}
	d.adopt(inherited)
	if err := d.open(rest); err != nil {
		d.shutdown(context.Background())
		return err
	}
	notifySystemd("READY=1")
	log.Info("xendshim ready", "backend", be.name, "domains_path", cfg.DomainsPath)
	// As xend did: once its servers answer, start the managed domains
	// whose on_xend_start is "start".
	if started := xs.Autostart(ctx); len(started) > 0 {
		log.Info("on_xend_start: started managed domains", "domains", started)
	}

	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
			notifySystemd("STOPPING=1")
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			err := d.shutdown(sctx)
			cancel()
			if err != nil {
				log.Warn("calls still running at the shutdown deadline were cut off", "err", err)
			}
			// on_xend_stop, once no call can race with it.
			sctx, cancel = context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			xs.XendStop(sctx)
			cancel()
			log.Info("xendshim stopped")
			return nil
		case <-hup:
			reload(flags, lg, d, cfg)
		}
	}
}

// reload handles SIGHUP: a new configuration is read; if it is bad nothing
// changes, otherwise the log is reopened and the listeners are replaced.
// Settings other than logging and listeners need a restart.
func reload(flags *pflag.FlagSet, lg *logging, d *daemon, running *config.Config) {
	log := lg.log
	log.Info("SIGHUP: reloading the configuration and reopening listeners")
	notifySystemd("RELOADING=1")
	defer notifySystemd("READY=1")
	cfg, err := config.Load(flags)
	if err != nil {
		log.Error("configuration not reloaded; nothing changed", "err", err)
		return
	}
	applyUserFallback(cfg, log)
	if err := lg.apply(cfg); err != nil {
		log.Error("log file not reopened", "err", err)
	}
	for _, w := range cfg.Warnings {
		log.Warn("xend-config.sxp option ignored", "file", w.Path, "line", w.Line, "option", w.Option, "why", w.Msg)
	}
	if cfg.Backend != running.Backend || cfg.StateDir != running.StateDir || cfg.SimProfile != running.SimProfile || cfg.Seed != running.Seed || cfg.Dom0MinMem != running.Dom0MinMem {
		log.Warn("backend settings changed; they take effect at the next start")
	}
	if migrationSettingsChanged(cfg, running) {
		log.Warn("migration, relocation-legacy or strict-xend settings changed; they take effect at the next start")
	}
	if err := d.reopen(endpointsOf(cfg)); err != nil {
		log.Error("some listeners could not be reopened", "err", err)
	}
}

// applyUserFallback moves unwritable system paths to per-user ones when not
// root, and logs each move.
func applyUserFallback(cfg *config.Config, log *slog.Logger) {
	if os.Geteuid() == 0 {
		return
	}
	for _, note := range cfg.UserFallback(listener.Writable, listener.UserRuntimeDir(), listener.UserStateDir()) {
		log.Warn("not running as root: "+note, "uid", os.Getuid())
	}
}
