package tokensvc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
)

func TestIntrospection(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		gw := ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")
		plain := ts.CreateKey(t, "acme", "Job", "api")
		tok := ts.Token(t, plain, "")

		got := introspect(t, ts, gw, tok)
		want := map[string]any{"active": true, "client_id": plain.ClientID, "sub": plain.ClientID,
			"scope": "api", "account": "acme", "name": "Job", "token_type": "Bearer",
			"iss": ts.URL, "aud": "positive-action-api"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		for _, k := range []string{"exp", "iat", "jti"} {
			if got[k] == nil {
				t.Errorf("%s missing", k)
			}
		}

		inactive := []struct{ name, token string }{
			{"garbage", "not-a-token"},
			{"forged JWT", strings.Join(strings.Split(tok, ".")[:2], ".") + ".AAAA"},
			{"empty-looking JWT", "a.b.c"},
		}
		for _, tc := range inactive {
			r := form(t, ts.URL+"/oauth2/introspect", url.Values{"token": {tc.token}}, gw.ClientID, gw.SecretID)
			wantStatus(t, r, http.StatusOK)
			if string(r.Body) != "{\"active\":false}\n" {
				t.Errorf("%s: body %q, want exactly {\"active\":false}", tc.name, r.Body)
			}
		}

		r := form(t, ts.URL+"/oauth2/introspect", url.Values{"token": {tok}}, plain.ClientID, plain.SecretID)
		wantStatus(t, r, http.StatusForbidden)
		r = form(t, ts.URL+"/oauth2/introspect", url.Values{"token": {tok}}, gw.ClientID, "wrong")
		wantStatus(t, r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without Basic challenge")
		}
		r = form(t, ts.URL+"/oauth2/introspect", url.Values{}, gw.ClientID, gw.SecretID)
		wantStatus(t, r, http.StatusBadRequest)
	})
}

func TestRFC7009Revocation(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		gw := ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")
		a := ts.CreateKey(t, "acme", "A", "api")
		b := ts.CreateKey(t, "acme", "B", "api")
		ta, tb := ts.Token(t, a, ""), ts.Token(t, b, "")

		// Another key's token: 200, nothing changes (RFC 7009 §2.2 treats it as
		// a token the caller cannot revoke).
		wantStatus(t, form(t, ts.URL+"/oauth2/revoke", url.Values{"token": {tb}}, a.ClientID, a.SecretID),
			http.StatusOK)
		if introspect(t, ts, gw, tb)["active"] != true {
			t.Fatal("a key revoked another key's token")
		}
		wantStatus(t, form(t, ts.URL+"/oauth2/revoke", url.Values{"token": {ta}}, a.ClientID, a.SecretID),
			http.StatusOK)
		if introspect(t, ts, gw, ta)["active"] != false {
			t.Fatal("revoked token still active")
		}
		// Revoking again, or garbage, is still 200.
		for _, tok := range []string{ta, "garbage"} {
			wantStatus(t, form(t, ts.URL+"/oauth2/revoke", url.Values{"token": {tok}}, a.ClientID, a.SecretID),
				http.StatusOK)
		}
		wantStatus(t, form(t, ts.URL+"/oauth2/revoke", url.Values{"token": {tb}}, a.ClientID, "bad"),
			http.StatusUnauthorized)
	})
}
