package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/xendshim/xendshim/compat/httpsxp"
	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/config"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xmlrpc"
)

// protocolServer is what serve needs from the server of one protocol: serve
// any number of listeners, and shut down gracefully (stop accepting, let
// calls in flight finish until ctx ends). *xmlrpc.Server and
// *httpsxp.Server satisfy it. Serve must return once its listener is
// closed, so that SIGHUP can replace listeners under a running server.
type protocolServer interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
}

// Protocol names. They are also the names systemd passes in LISTEN_FDNAMES
// (FileDescriptorName= in the .socket unit).
const (
	protoXMLRPC     = "xmlrpc"
	protoHTTP       = "http"
	protoRelocation = "relocation"
)

// serveDeps is what a protocol factory may build on.
type serveDeps struct {
	cfg  *config.Config
	log  *slog.Logger
	ts   toolstack.Toolstack
	xend *xend.Service
}

// protocolFactories builds the server of each protocol; serve_migrate.go
// registers the migration receivers. A factory may return a nil server
// (the protocol is not configured): its listeners are skipped with a
// warning.
var protocolFactories = map[string]func(serveDeps) (protocolServer, error){
	protoXMLRPC: newXMLRPCServer,
	protoHTTP:   newHTTPServer,
}

// newXMLRPCServer serves xend's legacy XML-RPC method table.
func newXMLRPCServer(d serveDeps) (protocolServer, error) {
	return &xmlrpc.Server{
		Service: xend.NewDispatcher(d.xend),
		Log:     d.log.With("component", protoXMLRPC),
	}, nil
}

// newHTTPServer serves xend's /xend/ HTTP/SXP resource tree.
func newHTTPServer(d serveDeps) (protocolServer, error) {
	return httpsxp.New(httpsxp.NewXendService(d.xend), httpsxp.Options{
		Logger:     slog.NewLogLogger(d.log.With("component", protoHTTP).Handler(), slog.LevelWarn),
		StrictXend: d.cfg.StrictXend,
	}), nil
}

// newXendService builds compat/xend's service, the logic both protocols
// share, on the chosen toolstack.
func newXendService(cfg *config.Config, log *slog.Logger, ts toolstack.Toolstack) (*xend.Service, error) {
	xlog := log.With("component", "xend")
	opts := xend.Options{
		DomainsPath: cfg.DomainsPath,
		LogPath:     cfg.LogFile,
		Dom0MinMem:  cfg.Dom0MinMem,
		Logf:        func(format string, args ...any) { xlog.Warn(fmt.Sprintf(format, args...)) },
		StrictXend:  cfg.StrictXend,
	}
	migrate, err := xendMigrate(cfg, log, ts)
	if err != nil {
		return nil, fmt.Errorf("migration sender: %w", err)
	}
	opts.Migrate = migrate
	if cfg.Seed != 0 {
		opts.NewUUID = seededUUIDs(cfg.Seed)
	}
	return xend.New(ts, opts)
}
