package main

import (
	"context"
	"log/slog"
	"net"

	"github.com/positiveaction/tokens/config"
	"github.com/positiveaction/tokens/tokensvc"
)

// startDevGateway is filled in when the gateway lands.
func startDevGateway(ctx context.Context, svc *tokensvc.Service, cfg config.TokenService,
	getenv config.Getenv, log *slog.Logger) ([]*namedServer, string, error) {
	return nil, ":8080", nil
}

// portOf returns ":port" of a listen address.
func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return ":" + port
}
