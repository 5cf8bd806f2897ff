package tokensvc_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/open"
)

func TestRevocationIsVisibleOnEveryInstance(t *testing.T) {
	url := redistest.Start(t).URL
	one := testenv.StartTokenService(t, testenv.Options{StoreURL: url})
	two := testenv.StartTokenService(t, testenv.Options{StoreURL: url})
	gw := one.CreateKey(t, "platform", "Gateway", "tokens:introspect")
	k := one.CreateKey(t, "acme", "Job", "api")

	tok := one.Token(t, k, "")
	if introspect(t, two, gw, tok)["active"] != true {
		t.Fatal("a token issued by one instance is not active on the other")
	}
	wantStatus(t, one.Admin(t, http.MethodPost, "/admin/revocations", map[string]any{"token": tok}), http.StatusOK)
	if introspect(t, two, gw, tok)["active"] != false {
		t.Fatal("revoked on one instance, still active on the other")
	}
	tok = two.Token(t, k, "")
	wantStatus(t, two.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil), http.StatusNoContent)
	if introspect(t, one, gw, tok)["active"] != false {
		t.Fatal("key deleted on one instance, its token still active on the other")
	}
}

// TestRestartKeepsKeysAndSigningKey restarts the service on the same store
// and checks keys, tokens and the signing key survive.
func TestRestartKeepsKeysAndSigningKey(t *testing.T) {
	cases := map[string]func(t *testing.T) (url string, restart func()){
		"file": func(t *testing.T) (string, func()) {
			return "file:" + filepath.Join(t.TempDir(), "tokens.db"), func() {}
		},
		"redis": func(t *testing.T) (string, func()) {
			srv := redistest.Start(t)
			return srv.URL, srv.Restart
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			url, restartStore := setup(t)
			first := startOwned(t, url)
			gw := first.CreateKey(t, "platform", "Gateway", "tokens:introspect")
			k := first.CreateKey(t, "acme", "Job", "api")
			tok := first.Token(t, k, "")
			jwks := testenv.JSONRequest(t, http.MethodGet, first.URL+"/.well-known/jwks.json", "", nil).Body
			first.Stop()
			first.Store.Close()
			restartStore()

			second := startOwned(t, url)
			if got := testenv.JSONRequest(t, http.MethodGet, second.URL+"/.well-known/jwks.json", "", nil).Body; string(got) != string(jwks) {
				t.Fatalf("signing key changed across restart:\n%s\n%s", jwks, got)
			}
			second.Token(t, k, "")
			if introspect(t, second, gw, tok)["active"] != true {
				t.Fatal("token issued before the restart is no longer active")
			}
		})
	}
}

// startOwned starts a service on a store the test closes itself, so the
// store can be reopened.
func startOwned(t *testing.T, url string) *testenv.TokenService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := open.Open(ctx, url, store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := testenv.StartTokenService(t, testenv.Options{Store: st})
	t.Cleanup(func() { st.Close() })
	return ts
}
