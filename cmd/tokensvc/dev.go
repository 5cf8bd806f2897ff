package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"

	"github.com/positiveaction/tokens/config"
	"github.com/positiveaction/tokens/tokensvc"
)

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making the admin token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// startDev provisions what -dev promises: a demo key, the gateway's own key
// and the gateway itself, then prints how to use them. Secrets go to stdout
// for the developer, never to the log.
func startDev(ctx context.Context, svc *tokensvc.Service, cfg config.TokenService, adminToken string,
	getenv config.Getenv, log *slog.Logger, stdout io.Writer) ([]*namedServer, error) {
	demo, demoSecret, err := svc.CreateKey(ctx, tokensvc.NewKeyRequest{
		Account: "demo", Name: "Demo key", Scopes: []string{"api", "keys:manage"},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the demo key: %w", err)
	}
	gw, gwAddr, err := startDevGateway(ctx, svc, cfg, getenv, log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, `
Positive Action tokens: development mode (store %s; nothing here is for production)

  token service   http://localhost%s
  admin API       http://%s   (admin token below)
  GraphQL         http://localhost%s/graphql

  TOKENSVC_ADMIN_TOKEN=%s

  Demo key
    Name       %s
    Client ID  %s
    Secret ID  %s

  Log in through GraphQL:

curl -s http://localhost%s/graphql -H 'Content-Type: application/json' \
  -d '{"query":"mutation { login(loginInput: {clientId: \"%s\", secretId: \"%s\"}) { accessToken } }"}'

`, cfg.Store, portOf(cfg.Addr), cfg.AdminAddr, portOf(gwAddr), adminToken,
		demo.Name, demo.ClientID, demoSecret.Reveal(), portOf(gwAddr), demo.ClientID, demoSecret.Reveal())
	return gw, nil
}
