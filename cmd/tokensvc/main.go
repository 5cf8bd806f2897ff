// Command tokensvc runs the token service: the public listener (OAuth2
// endpoints, account key REST, web console), the admin listener, and, with
// -dev, a GraphQL gateway and a demo key so everything works at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/positiveaction/tokens/config"
	"github.com/positiveaction/tokens/internal/gctune"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/open"
	redisstore "github.com/positiveaction/tokens/store/redis"
	"github.com/positiveaction/tokens/tokensvc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	gctune.Apply()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole program, with its world passed in so tests can drive it.
// It returns the exit code: 0 after a clean shutdown, 1 on failure, 2 on
// bad usage.
func run(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokensvc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dev := fs.Bool("dev", false, "development mode: memory store, generated admin token, demo key, gateway on :8080")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tokensvc: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := config.LoadTokenService(getenv, *dev)
	if serr := open.Check(cfg.Store); serr != nil {
		err = errors.Join(err, fmt.Errorf("TOKENSVC_STORE=%s: %w", open.Redact(cfg.Store), serr))
	}
	if err != nil {
		err = errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
		fmt.Fprintf(stderr, "tokensvc: %v\n", err)
		return 1
	}
	log := newLogger(cfg, stderr)
	redisstore.SetClientLogger(log) // go-redis reconnect notes go to slog, not stderr
	if err := serve(ctx, cfg, *dev, getenv, log, stdout); err != nil {
		log.Error("tokensvc stopped", "err", err)
		fmt.Fprintf(stderr, "tokensvc: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(cfg config.TokenService, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg config.TokenService, dev bool, getenv config.Getenv,
	log *slog.Logger, stdout io.Writer) error {
	openCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := open.Open(openCtx, cfg.Store, store.Options{
		OpTimeout: cfg.StoreTimeout, AuditRetention: cfg.AuditRetention,
	}, log)
	if err != nil {
		return fmt.Errorf("opening store %s: %w", open.Redact(cfg.Store), err)
	}
	defer st.Close()

	adminToken := cfg.AdminToken
	if dev && adminToken == "" {
		if adminToken, err = randomToken(); err != nil {
			return err
		}
	}
	if dev && len(cfg.TrustedProxies) == 0 {
		// The dev gateway calls over loopback and forwards its callers'
		// addresses; believe it, so failed logins are limited per caller.
		cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"),
			netip.MustParsePrefix("::1/128")}
	}
	svc, err := tokensvc.New(openCtx, st, tokensvc.Config{
		Issuer:             cfg.Issuer,
		Audience:           cfg.Audience,
		TokenTTL:           cfg.TokenTTL,
		SigningAlg:         cfg.SigningAlg,
		SigningKeyFile:     cfg.SigningKeyFile,
		AdminToken:         tokensvc.Secret(adminToken),
		ConsoleLinkTTL:     cfg.ConsoleLinkTTL,
		DefaultKeyScopes:   cfg.DefaultKeyScopes,
		AuthFailureLimit:   cfg.AuthFailureLimit,
		AuthFailureIPLimit: cfg.AuthFailureIPLimit,
		AuthFailureWindow:  cfg.AuthFailureWindow,
		TrustedProxies:     cfg.TrustedProxies,
		Logger:             log,
	})
	if err != nil {
		return fmt.Errorf("starting token service: %w", err)
	}
	defer svc.Close()

	public := newHTTPServer(cfg.Addr, svc.PublicHandler(), log)
	public.RegisterOnShutdown(svc.Drain)
	servers := []*namedServer{
		{name: "public", srv: public},
		{name: "admin", srv: newHTTPServer(cfg.AdminAddr, svc.AdminHandler(), log)},
	}
	if cfg.PprofAddr != "" {
		servers = append(servers, &namedServer{name: "pprof", srv: newPprofServer(cfg.PprofAddr, log)})
	}
	var extra []*namedServer
	if dev {
		extra, err = startDev(ctx, svc, cfg, adminToken, getenv, log, stdout)
		if err != nil {
			return err
		}
		servers = append(servers, extra...)
	}
	return runServers(ctx, servers, cfg.ShutdownGrace, log)
}

type namedServer struct {
	name string
	srv  *http.Server
	ln   net.Listener
	// onServe runs once every listener is open; onStop after the server has
	// drained (the dev gateway's background work).
	onServe func()
	onStop  func()
}

// newHTTPServer sets every timeout, so slow clients cannot hold
// connections open.
func newHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// runServers listens on every address first (so a taken port fails at once),
// serves until ctx ends, then drains requests in flight.
func runServers(ctx context.Context, servers []*namedServer, grace time.Duration, log *slog.Logger) error {
	for _, s := range servers {
		if s.ln != nil {
			continue
		}
		ln, err := net.Listen("tcp", s.srv.Addr)
		if err != nil {
			for _, o := range servers {
				if o.ln != nil {
					o.ln.Close()
				}
			}
			return fmt.Errorf("%s listener: %w", s.name, err)
		}
		s.ln = ln
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		log.Info("listening", "listener", s.name, "addr", s.ln.Addr().String())
		go func() {
			if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s listener: %w", s.name, err)
			}
		}()
	}
	for _, s := range servers {
		if s.onServe != nil {
			s.onServe()
		}
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight")
	case runErr = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	// Last started, first stopped: the gateway drains before the token
	// service it calls.
	for i := len(servers) - 1; i >= 0; i-- {
		s := servers[i]
		if err := s.srv.Shutdown(shutCtx); err != nil {
			log.Warn("shutdown incomplete", "listener", s.name, "err", err)
		}
		if s.onStop != nil {
			s.onStop()
		}
	}
	return runErr
}
