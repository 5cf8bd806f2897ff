package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/positiveaction/tokens/config"
	"github.com/positiveaction/tokens/gqlgateway"
	"github.com/positiveaction/tokens/tokensvc"
)

// startDevGateway gives -dev its GraphQL gateway: a key of its own holding
// tokens:introspect, wired to the token service over loopback HTTP exactly
// as a separate gqlgateway process would be. It honours the GQLGATEWAY_*
// settings, except the key, which it provisions.
func startDevGateway(ctx context.Context, svc *tokensvc.Service, cfg config.TokenService,
	getenv config.Getenv, log *slog.Logger) ([]*namedServer, string, error) {
	key, secret, err := svc.CreateKey(ctx, tokensvc.NewKeyRequest{
		Account: "platform", Name: "Development gateway", Scopes: []string{tokensvc.ScopeIntrospect},
	})
	if err != nil {
		return nil, "", fmt.Errorf("creating the gateway's key: %w", err)
	}
	env := func(name string) string {
		switch name {
		case "GQLGATEWAY_CLIENT_ID":
			return key.ClientID
		case "GQLGATEWAY_CLIENT_SECRET":
			return secret.Reveal()
		case "GQLGATEWAY_TOKENSVC_URL":
			if v := getenv(name); v != "" {
				return v
			}
			return "http://127.0.0.1" + portOf(cfg.Addr)
		}
		return getenv(name)
	}
	settings, err := config.LoadGateway(env)
	if err != nil {
		return nil, "", err
	}
	gcfg := gqlgateway.ConfigFromSettings(settings)
	gcfg.Logger = log.With("component", "gateway")
	gw, err := gqlgateway.New(gcfg)
	if err != nil {
		return nil, "", fmt.Errorf("starting the gateway: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	srv := newHTTPServer(settings.Addr, gw.Handler(), log)
	srv.RegisterOnShutdown(stop)
	ns := &namedServer{name: "gateway", srv: srv, onStop: func() {
		stop()
		gw.Close()
	}}
	// The gateway subscribes to revocations once the token service listens.
	ns.onServe = func() { gw.Start(bg) }
	servers := []*namedServer{ns}
	if settings.MetricsAddr != "" { // its metrics, as cmd/gqlgateway serves them
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", gw.MetricsHandler())
		servers = append(servers, &namedServer{name: "gateway-metrics",
			srv: newHTTPServer(settings.MetricsAddr, mux, log)})
	}
	return servers, settings.Addr, nil
}

// portOf returns ":port" of a listen address.
func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return ":" + port
}
