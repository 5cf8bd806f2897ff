package e2e

// The scale tests run several token services and gateways on one shared
// Redis (a Cluster, or a master behind Sentinels), in this process: each
// token service is internal/testenv's real HTTP service with its own store
// client, each gateway is gqlgateway.New served over loopback and wired to
// one token service by URL, as separate deployments would be.

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// fleet is two or more token services and as many gateways on one store;
// gateway i talks to token service i.
type fleet struct {
	ts    []*testenv.TokenService
	gws   []*gateway
	gwKey testenv.Key
	// guessed is a key that load sends wrong Secret IDs for.
	guessed testenv.Key
}

// startFleet starts n token services on storeURL, each with its own
// connection to the store, and n gateways.
func startFleet(t *testing.T, storeURL string, n int, cfg tokensvc.Config) *fleet {
	t.Helper()
	f := &fleet{}
	for range n {
		f.ts = append(f.ts, testenv.StartTokenService(t,
			testenv.Options{StoreURL: storeURL, Config: cfg}))
	}
	f.gwKey = f.ts[0].CreateKey(t, "platform", "Gateway", "tokens:introspect")
	f.guessed = f.ts[0].CreateKey(t, "guessed", "Guessed", "read")
	for _, ts := range f.ts {
		f.gws = append(f.gws, startGatewayAt(t, ts.URL, f.gwKey))
	}
	return f
}

// startGatewayAt serves a gateway wired to the token service at tsURL and
// waits until its revocation stream is up.
func startGatewayAt(t *testing.T, tsURL string, key testenv.Key) *gateway {
	t.Helper()
	return startGatewayWith(t, tsURL, key, slog.New(slog.DiscardHandler))
}

// waitStreamsUp waits (bounded) until every gateway trusts its stream again.
func (f *fleet) waitStreamsUp(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for i, g := range f.gws {
		for !g.gw.RevocationStreamUp() {
			if time.Now().After(deadline) {
				t.Fatalf("gateway %d's revocation stream is not back after %v", i+1, within)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// scaleClient is the HTTP client of the scale tests' own requests.
var scaleClient = &http.Client{Timeout: 5 * time.Second}

// scaleIssue asks a token service for a token over HTTP, without failing the
// test, so it can run in background loops; a *client.Error carries the
// service's answer.
func scaleIssue(tsURL string, k testenv.Key) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := client.New(tsURL, scaleClient).Token(ctx, k.ClientID, k.SecretID, nil)
	if err != nil {
		return "", err
	}
	return r.AccessToken, nil
}

// introspectAt asks a token service about tok as the gateway's key.
func (f *fleet) introspectAt(ts *testenv.TokenService, tok string) (*client.Introspection,
	error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return client.New(ts.URL, scaleClient).Introspect(ctx, f.gwKey.ClientID,
		f.gwKey.SecretID, tok)
}

// wantActiveEverywhere checks that every token service says tok is active
// for key and every gateway serves viewer with it.
func (f *fleet) wantActiveEverywhere(t *testing.T, tok string, key testenv.Key) {
	t.Helper()
	for i, ts := range f.ts {
		in, err := f.introspectAt(ts, tok)
		if err != nil || !in.Active || in.ClientID != key.ClientID {
			t.Errorf("token service %d: introspection %+v, %v; want active for %s",
				i+1, in, err, key.ClientID)
		}
	}
	for i, g := range f.gws {
		a := g.post(t, tok, "{viewer{clientId}}", nil)
		if a.status != 200 || !strings.Contains(a.raw, key.ClientID) {
			t.Errorf("gateway %d: viewer answered %d %s; want 200 for %s",
				i+1, a.status, a.raw, key.ClientID)
		}
	}
}

// wantInactiveEverywhere checks that every token service and gateway
// refuses tok.
func (f *fleet) wantInactiveEverywhere(t *testing.T, tok string) {
	t.Helper()
	for i, ts := range f.ts {
		if in, err := f.introspectAt(ts, tok); err != nil || in.Active {
			t.Errorf("token service %d: introspection %+v, %v; want inactive", i+1, in, err)
		}
	}
	for i, g := range f.gws {
		if a := g.post(t, tok, "{viewer{clientId}}", nil); a.status != 401 {
			t.Errorf("gateway %d: viewer answered %d %s; want 401", i+1, a.status, a.raw)
		}
	}
}

// checkRevocationsReachEveryGateway issues tokens on one instance, warms
// every gateway's cache, revokes on another instance (by token, key and
// account) and measures how long each gateway keeps accepting the token.
func (f *fleet) checkRevocationsReachEveryGateway(t *testing.T, label string) {
	t.Helper()
	issuer, revoker := f.ts[0], f.ts[len(f.ts)-1]
	for _, kind := range []string{"token", "clientId", "account"} {
		key := issuer.CreateKey(t, "rev-"+strings.ToLower(kind)+"-"+slug(label), "Victim", "read")
		tok := issuer.Token(t, key, "")
		for i, g := range f.gws {
			for range 2 {
				if a := g.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
					t.Fatalf("warming gateway %d: %d %s", i+1, a.status, a.raw)
				}
			}
		}
		target := map[string]string{"token": tok, "clientId": key.ClientID,
			"account": key.Account}[kind]
		revokedAt := time.Now()
		r := revoker.Admin(t, http.MethodPost, "/admin/revocations",
			map[string]string{kind: target})
		if r.Status != 200 {
			t.Fatalf("revoking by %s: %d %s", kind, r.Status, r.Body)
		}
		accepted := make([]time.Duration, len(f.gws))
		refused := make([]time.Duration, len(f.gws))
		wrong := make([]string, len(f.gws))
		var wg sync.WaitGroup
		for i, g := range f.gws {
			wg.Go(func() { accepted[i], refused[i], wrong[i] = acceptance(g, tok, revokedAt) })
		}
		wg.Wait()
		t.Logf("%s: revoked by %s on instance %d: refused by the gateways after %v",
			label, kind, len(f.ts), refused)
		for i := range f.gws {
			if wrong[i] != "" || refused[i] < 0 || accepted[i] > time.Second {
				t.Errorf("%s: gateway %d, token revoked by %s: accepted until %v, refused "+
					"after %v (-1: not within 3s), %s; want refused within 1s", label, i+1,
					kind, accepted[i], refused[i], wrong[i])
			}
		}
	}
}

// slug makes a label fit for an account name.
func slug(label string) string {
	return strings.ReplaceAll(strings.ToLower(label), " ", "-")
}
