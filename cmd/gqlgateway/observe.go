package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/positiveaction/tokens/config"
)

// newLogger builds the logger the settings ask for (GQLGATEWAY_LOG_FORMAT,
// GQLGATEWAY_LOG_LEVEL), writing to w.
func newLogger(s config.Gateway, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(s.LogLevel)) // validated by config; empty is info
	opts := &slog.HandlerOptions{Level: level}
	if s.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// metricsServer serves the gateway's Prometheus metrics on a listener of
// its own (GQLGATEWAY_METRICS_ADDR), never on the public one.
type metricsServer struct {
	srv    *http.Server
	ln     net.Listener
	served chan error
}

// listenMetrics opens the metrics listener, so a taken port fails at start;
// it returns nil when metrics are off.
func listenMetrics(addr string, h http.Handler, log *slog.Logger) (*metricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for metrics: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return &metricsServer{
		ln: ln,
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		served: make(chan error, 1),
	}, nil
}

// serve serves in the background; a failure is logged, since the gateway
// itself can go on without its metrics.
func (m *metricsServer) serve(ctx context.Context, log *slog.Logger) {
	if m == nil {
		return
	}
	log.InfoContext(ctx, "gqlgateway metrics listening", "addr", m.ln.Addr().String())
	go func() {
		err := m.srv.Serve(m.ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "err", err)
		}
		m.served <- err
	}()
}

// shutdown stops the metrics listener and waits for it.
func (m *metricsServer) shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	if err := m.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutting down the metrics listener: %w", err)
	}
	<-m.served
	return nil
}

// close releases the listener of a server that never served.
func (m *metricsServer) close() {
	if m != nil {
		m.ln.Close()
	}
}
