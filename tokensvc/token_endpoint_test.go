package tokensvc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
)

func TestTokenEndpointGrantsClientCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		k := ts.CreateKey(t, "acme", "Billing job", "api", "reports:read")

		cases := []struct {
			name      string
			values    url.Values
			basic     bool
			wantScope string
		}{
			{"basic auth, no scope gets all scopes", url.Values{}, true, "api reports:read"},
			{"basic auth, a subset of scopes", url.Values{"scope": {"reports:read"}}, true, "reports:read"},
			{"body auth", url.Values{"client_id": {k.ClientID}, "client_secret": {k.SecretID}}, false,
				"api reports:read"},
			{"basic auth with client_id repeated in body",
				url.Values{"client_id": {k.ClientID}}, true, "api reports:read"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.values.Set("grant_type", "client_credentials")
				id, secret := "", ""
				if tc.basic {
					id, secret = k.ClientID, k.SecretID
				}
				r := form(t, ts.URL+"/oauth2/token", tc.values, id, secret)
				wantStatus(t, r, http.StatusOK)
				for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"} {
					if got := r.Header.Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}
				var body map[string]any
				r.JSON(t, &body)
				if len(body) != 4 || body["token_type"] != "Bearer" || body["scope"] != tc.wantScope ||
					body["expires_in"] != float64(3600) || body["access_token"] == "" {
					t.Fatalf("answer %s, want the four RFC 6749 §5.1 fields with scope %q", r.Body, tc.wantScope)
				}
			})
		}
	})
}

func TestTokenEndpointErrorsFollowRFC6749(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	k := ts.CreateKey(t, "acme", "Job", "api")
	other := ts.CreateKey(t, "acme", "Other", "api")
	cc := url.Values{"grant_type": {"client_credentials"}}

	cases := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantError  string
		wantBasic  bool // WWW-Authenticate: Basic expected
	}{
		{"wrong secret with Basic", func() *http.Request {
			return formReq(ts.URL, cc, k.ClientID, other.SecretID)
		}, 401, "invalid_client", true},
		{"unknown client with Basic", func() *http.Request {
			return formReq(ts.URL, cc, "760e8193-25ad-47b5-96fd-795371234567", k.SecretID)
		}, 401, "invalid_client", true},
		{"wrong secret in body", func() *http.Request {
			v := url.Values{"grant_type": {"client_credentials"}, "client_id": {k.ClientID},
				"client_secret": {"nope"}}
			return formReq(ts.URL, v, "", "")
		}, 401, "invalid_client", false},
		{"no client authentication", func() *http.Request {
			return formReq(ts.URL, cc, "", "")
		}, 401, "invalid_client", false},
		{"malformed Basic header", func() *http.Request {
			r := formReq(ts.URL, cc, "", "")
			r.Header.Set("Authorization", "Basic !!!")
			return r
		}, 401, "invalid_client", true},
		{"two authentication methods", func() *http.Request {
			v := url.Values{"grant_type": {"client_credentials"}, "client_secret": {k.SecretID}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 400, "invalid_request", false},
		{"missing grant_type", func() *http.Request {
			return formReq(ts.URL, url.Values{}, k.ClientID, k.SecretID)
		}, 400, "invalid_request", false},
		{"password grant", func() *http.Request {
			v := url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 400, "unsupported_grant_type", false},
		{"authorization_code grant", func() *http.Request {
			v := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 400, "unsupported_grant_type", false},
		{"scope the key does not hold", func() *http.Request {
			v := url.Values{"grant_type": {"client_credentials"}, "scope": {"api admin"}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 400, "invalid_scope", false},
		{"malformed scope", func() *http.Request {
			v := url.Values{"grant_type": {"client_credentials"}, "scope": {"Ä"}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 400, "invalid_scope", false},
		{"repeated parameter", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, ts.URL+"/oauth2/token",
				strings.NewReader("grant_type=client_credentials&grant_type=client_credentials"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(k.ClientID, k.SecretID)
			return r
		}, 400, "invalid_request", false},
		{"JSON body", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, ts.URL+"/oauth2/token",
				strings.NewReader(`{"grant_type":"client_credentials"}`))
			r.Header.Set("Content-Type", "application/json")
			r.SetBasicAuth(k.ClientID, k.SecretID)
			return r
		}, 400, "invalid_request", false},
		{"GET", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, ts.URL+"/oauth2/token?grant_type=client_credentials", nil)
			r.SetBasicAuth(k.ClientID, k.SecretID)
			return r
		}, 405, "invalid_request", false},
		{"huge body", func() *http.Request {
			v := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Repeat("a", 20000)}}
			return formReq(ts.URL, v, k.ClientID, k.SecretID)
		}, 413, "invalid_request", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testenv.Do(t, tc.req())
			wantStatus(t, r, tc.wantStatus)
			if got := oauthErr(t, r); got != tc.wantError {
				t.Errorf("error %q, want %q", got, tc.wantError)
			}
			challenge := r.Header.Get("WWW-Authenticate")
			if tc.wantBasic != strings.HasPrefix(challenge, "Basic") {
				t.Errorf("WWW-Authenticate %q, want Basic challenge: %v", challenge, tc.wantBasic)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", r.Header.Get("Cache-Control"))
			}
			if strings.Contains(string(r.Body), k.SecretID) {
				t.Errorf("answer echoes the Secret ID")
			}
		})
	}
}

func formReq(base string, v url.Values, id, secret string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return r
}

func TestBasicCredentialsAreURLDecoded(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	k := ts.CreateKey(t, "acme", "Job", "api")
	// RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic.
	// "-" may legally be sent as %2D; a server that does not decode fails.
	enc := func(s string) string { return strings.ReplaceAll(s, "-", "%2D") }
	r, _ := http.NewRequest(http.MethodPost, ts.URL+"/oauth2/token",
		strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(enc(k.ClientID), enc(k.SecretID))
	wantStatus(t, testenv.Do(t, r), http.StatusOK)
}

func TestRepeatedFailuresAreLimited(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	k := ts.CreateKey(t, "acme", "Job", "api")
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range 10 {
		r := testenv.Do(t, formReq(ts.URL, cc, k.ClientID, "wrong"))
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.Status)
		}
	}
	r := testenv.Do(t, formReq(ts.URL, cc, k.ClientID, k.SecretID))
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	var body map[string]string
	if err := json.Unmarshal(r.Body, &body); err != nil || body["error"] == "" {
		t.Errorf("429 body %s is not an OAuth error", r.Body)
	}
	// Another key from the same address is not blocked by this one's count.
	other := ts.CreateKey(t, "acme", "Other", "api")
	wantStatus(t, testenv.Do(t, formReq(ts.URL, cc, other.ClientID, other.SecretID)), http.StatusOK)
}
