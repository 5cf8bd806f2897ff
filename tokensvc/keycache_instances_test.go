package tokensvc_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/open"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// eventBound is how soon a key change made on one instance must reach
// another through the store's events: well under the key cache's 5-second
// TTL, so passing proves the event did it, not the expiry.
const eventBound = time.Second

// twoInstances starts two token services on one store: a shared memory
// store (events in process) or one redis-server (events over pub/sub).
func twoInstances(t *testing.T, backend string) (*testenv.TokenService, *testenv.TokenService) {
	t.Helper()
	if backend == "redis" {
		u := redistest.Start(t).URL
		return testenv.StartTokenService(t, testenv.Options{StoreURL: u}),
			testenv.StartTokenService(t, testenv.Options{StoreURL: u})
	}
	st, err := open.Open(context.Background(), "memory:", store.Options{},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return testenv.StartTokenService(t, testenv.Options{Store: st}),
		testenv.StartTokenService(t, testenv.Options{Store: st})
}

func tokenStatus(t *testing.T, ts *testenv.TokenService, id, secret string) int {
	t.Helper()
	return form(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}},
		id, secret).Status
}

// refusedWithin polls status until it answers 401, failing after bound.
func refusedWithin(t *testing.T, bound time.Duration, what string, status func() int) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		got := status()
		if got == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still answered %d after %s, want 401", what, got, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestKeyChangesOnOneInstanceReachTheOthersKeyCache(t *testing.T) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			a, b := twoInstances(t, backend)
			k := a.CreateKey(t, "acme", "Job", "api")
			gw := a.CreateKey(t, "platform", "Gateway", "tokens:introspect")
			tok := b.Token(t, k, "")  // b now holds k in its key cache…
			introspect(t, b, gw, tok) // …and gw too

			var rotated struct {
				SecretID string `json:"secretId"`
			}
			r := a.Admin(t, http.MethodPost, "/admin/keys/"+k.ClientID+"/rotate",
				map[string]any{"graceSeconds": 0})
			wantStatus(t, r, http.StatusOK)
			r.JSON(t, &rotated)
			refusedWithin(t, eventBound, "the old Secret ID on the other instance", func() int {
				return tokenStatus(t, b, k.ClientID, k.SecretID)
			})
			if got := tokenStatus(t, b, k.ClientID, rotated.SecretID); got != http.StatusOK {
				t.Fatalf("the new Secret ID on the other instance: %d, want 200", got)
			}

			wantStatus(t, a.Admin(t, http.MethodPost, "/admin/keys/"+gw.ClientID+"/rotate",
				map[string]any{"graceSeconds": 0}), http.StatusOK)
			refusedWithin(t, eventBound, "introspection with a rotated caller key", func() int {
				return form(t, b.URL+"/oauth2/introspect", url.Values{"token": {tok}},
					gw.ClientID, gw.SecretID).Status
			})

			wantStatus(t, a.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil),
				http.StatusNoContent)
			refusedWithin(t, eventBound, "a deleted key on the other instance", func() int {
				return tokenStatus(t, b, k.ClientID, rotated.SecretID)
			})
		})
	}
}

// A rotation's event only evicts caches: gateways streaming revocations
// must not see it (it revokes nothing, and they would reject it).
func TestKeyChangeEventsStayOffTheRevocationStream(t *testing.T) {
	a, b := twoInstances(t, "redis")
	k := a.CreateKey(t, "acme", "Job", "api")
	gw := a.CreateKey(t, "platform", "Gateway", "tokens:introspect")
	tok := a.Token(t, k, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := client.New(b.URL, nil).Revocations(ctx, gw.ClientID, gw.SecretID)
	if err != nil {
		t.Fatalf("opening the revocation stream: %v", err)
	}
	defer stream.Close()

	wantStatus(t, a.Admin(t, http.MethodPost, "/admin/keys/"+k.ClientID+"/rotate",
		map[string]any{"graceSeconds": 0}), http.StatusOK)
	wantStatus(t, a.Admin(t, http.MethodPost, "/admin/revocations",
		map[string]any{"token": tok}), http.StatusOK)
	for {
		ev, err := stream.Next()
		if errors.Is(err, client.ErrBadEvent) || err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		if ev.Type != client.EventRevoked {
			continue
		}
		if ev.Revocation.TokenHash != client.TokenHash(tok) {
			t.Fatalf("first revocation on the stream is %+v, want the token's", ev.Revocation)
		}
		return
	}
}
