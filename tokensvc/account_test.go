package tokensvc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
)

func TestAccountKeyREST(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		mgr := ts.CreateKey(t, "acme", "Manager", "keys:manage", "api", "reports:read")
		tok := ts.Token(t, mgr, "")
		foreign := ts.CreateKey(t, "beta", "Foreign", "api")
		call := func(method, path string, body any) testenv.Response {
			return testenv.JSONRequest(t, method, ts.URL+path, tok, body)
		}

		r := call(http.MethodPost, "/account/keys", map[string]any{"name": "CI", "scopes": []string{"api"}})
		wantStatus(t, r, http.StatusCreated)
		var created testenv.Key
		r.JSON(t, &created)
		if created.Account != "acme" || created.SecretID == "" {
			t.Fatalf("created %s", r.Body)
		}
		ts.Token(t, created, "")

		// Only scopes the caller holds.
		r = call(http.MethodPost, "/account/keys", map[string]any{"name": "X", "scopes": []string{"admin"}})
		wantStatus(t, r, http.StatusBadRequest)
		// Not in another account.
		r = call(http.MethodPost, "/account/keys", map[string]any{"name": "X", "account": "beta"})
		wantStatus(t, r, http.StatusForbidden)

		r = call(http.MethodGet, "/account/keys", nil)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), foreign.ClientID) || !strings.Contains(string(r.Body), created.ClientID) ||
			strings.Contains(string(r.Body), created.SecretID) {
			t.Fatalf("account listing %s shows the wrong keys or a secret", r.Body)
		}

		// Another account's key answers 404, as if it did not exist.
		for _, c := range []struct{ method, path string }{
			{http.MethodDelete, "/account/keys/" + foreign.ClientID},
			{http.MethodPost, "/account/keys/" + foreign.ClientID + "/rotate"},
		} {
			wantStatus(t, call(c.method, c.path, map[string]any{}), http.StatusNotFound)
		}
		ts.Token(t, foreign, "") // untouched

		r = call(http.MethodPost, "/account/keys/"+created.ClientID+"/rotate", map[string]any{"graceSeconds": 0})
		wantStatus(t, r, http.StatusOK)
		wantStatus(t, call(http.MethodDelete, "/account/keys/"+created.ClientID, nil), http.StatusNoContent)
		wantStatus(t, call(http.MethodDelete, "/account/keys/"+created.ClientID, nil), http.StatusNotFound)
	})
}

func TestAccountRESTAuthentication(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	plain := ts.CreateKey(t, "acme", "Plain", "api")
	tok := ts.Token(t, plain, "")

	r := testenv.JSONRequest(t, http.MethodGet, ts.URL+"/account/keys", "", nil)
	wantStatus(t, r, http.StatusUnauthorized)
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without Bearer challenge")
	}
	r = testenv.JSONRequest(t, http.MethodGet, ts.URL+"/account/keys", "garbage", nil)
	wantStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate %q lacks invalid_token", r.Header.Get("WWW-Authenticate"))
	}
	r = testenv.JSONRequest(t, http.MethodGet, ts.URL+"/account/keys", tok, nil)
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("WWW-Authenticate %q lacks insufficient_scope", r.Header.Get("WWW-Authenticate"))
	}

	// Any active token may revoke itself; afterwards it is refused.
	wantStatus(t, testenv.JSONRequest(t, http.MethodDelete, ts.URL+"/account/token", tok, nil), http.StatusNoContent)
	wantStatus(t, testenv.JSONRequest(t, http.MethodDelete, ts.URL+"/account/token", tok, nil), http.StatusUnauthorized)
}
