package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// newPprofServer serves Go's runtime profiles (net/http/pprof) on addr,
// which config has checked is a loopback address. It is off unless
// TOKENSVC_PPROF_ADDR is set, and shares no handler with the public or
// admin listeners. The write timeout leaves room for a 60-second CPU
// profile.
func newPprofServer(addr string, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
