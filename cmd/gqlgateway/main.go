// Command gqlgateway serves the GraphQL gateway in front of the token
// service. It reads its settings from the environment (see config.Gateway),
// logs to stderr (JSON unless GQLGATEWAY_LOG_FORMAT=text), serves its
// Prometheus metrics on a listener of their own (GQLGATEWAY_METRICS_ADDR),
// and on SIGTERM or SIGINT stops accepting, lets the requests in flight
// finish and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/positiveaction/tokens/config"
	"github.com/positiveaction/tokens/gqlgateway"
	"github.com/positiveaction/tokens/internal/gctune"
)

// Server limits. WriteTimeout leaves room for the gateway's own 10-second
// execution timeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 20 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 25 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	gctune.Apply()
	if err := run(ctx, os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "gqlgateway: %v\n", err)
		stop()
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully, logging to logw in
// the format the settings ask for. When listening is not nil it receives
// the bound address once the server accepts requests.
func run(ctx context.Context, getenv config.Getenv, logw io.Writer,
	listening chan<- string) error {
	settings, err := config.LoadGateway(getenv)
	if err != nil {
		return err
	}
	log := newLogger(settings, logw)
	cfg := gqlgateway.ConfigFromSettings(settings)
	cfg.Logger = log
	gw, err := gqlgateway.New(cfg)
	if err != nil {
		return fmt.Errorf("building the gateway: %w", err)
	}
	ln, err := net.Listen("tcp", settings.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", settings.Addr, err)
	}
	metrics, err := listenMetrics(settings.MetricsAddr, gw.MetricsHandler(), log)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           gw.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The stream stops with ctx; requests still in flight then introspect
	// afresh, which is always safe.
	gw.Start(ctx)
	defer gw.Close()

	log.InfoContext(ctx, "gqlgateway listening", "addr", ln.Addr().String(),
		"settings", settings)
	metrics.serve(ctx, log)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if listening != nil {
		listening <- ln.Addr().String()
	}

	select {
	case err := <-served:
		metrics.close()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down; finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := metrics.shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("gqlgateway stopped cleanly")
	return nil
}
