package tokensvc

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/memory"
)

// forgeAdminToken is the admin token of the services these tests start.
const forgeAdminToken = "forge-test-admin-token-0123456789abcdef"

// movableClock is a clock a test sets by hand.
type movableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movableClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// forgeEnv is a token service on a memory store with a gateway key (holds
// tokens:introspect), a customer key and one real token of the customer.
type forgeEnv struct {
	svc     *Service
	srv     *httptest.Server
	clock   *movableClock
	gw, key keyCreds
	real    string
}

type keyCreds struct{ id, secret string }

func newForgeEnv(t testing.TB, cfg Config) *forgeEnv {
	t.Helper()
	ctx := context.Background()
	e := &forgeEnv{clock: &movableClock{now: time.Now().UTC()}}
	cfg.AdminToken = forgeAdminToken
	cfg.Issuer = "http://tokens.test"
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Now = e.clock.Now
	st := memory.New(store.Options{}, nil)
	svc, err := New(ctx, st, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.svc = svc
	e.srv = httptest.NewServer(svc.PublicHandler())
	t.Cleanup(func() {
		e.srv.Close()
		svc.Close()
		st.Close()
	})
	e.gw = e.createKey(t, "platform", ScopeIntrospect)
	e.key = e.createKey(t, "acme", "api", ScopeKeysManage)
	e.real = e.token(t, e.key)
	return e
}

func (e *forgeEnv) createKey(t testing.TB, account string, scopes ...string) keyCreds {
	t.Helper()
	k, secret, err := e.svc.CreateKey(context.Background(), NewKeyRequest{
		Account: account, Name: "Key of " + account, Scopes: scopes})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return keyCreds{k.ClientID, secret.Reveal()}
}

// post sends a form to path with Basic credentials (none when c is zero).
func (e *forgeEnv) post(t testing.TB, path string, c keyCreds, form url.Values) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.id != "" {
		req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	}
	return e.do(t, req)
}

func (e *forgeEnv) do(t testing.TB, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (e *forgeEnv) token(t testing.TB, c keyCreds) string {
	t.Helper()
	status, body := e.post(t, "/oauth2/token", c, url.Values{"grant_type": {"client_credentials"}})
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &out) != nil || out.AccessToken == "" {
		t.Fatalf("token: %d %s", status, body)
	}
	return out.AccessToken
}

// introspect returns the raw introspection answer for token.
func (e *forgeEnv) introspect(t testing.TB, token string) string {
	t.Helper()
	status, body := e.post(t, "/oauth2/introspect", e.gw, url.Values{"token": {token}})
	if status != http.StatusOK {
		t.Fatalf("introspection: %d %s", status, body)
	}
	return strings.TrimSpace(string(body))
}

// bearerStatus calls a bearer-protected account endpoint with token.
func (e *forgeEnv) bearerStatus(t testing.TB, method, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	status, _ := e.do(t, req)
	return status
}

// realClaims are the claims of the real token, to forge from.
func (e *forgeEnv) realClaims(t testing.TB, edit func(c jwt.MapClaims)) jwt.MapClaims {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(e.real, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// signWith signs claims with sg's key (the service's own, when sg is its
// signer) under an RFC 9068 header that edit may change.
func signWith(t testing.TB, sg *signer, c jwt.MapClaims, edit func(h map[string]any)) string {
	t.Helper()
	tok := jwt.NewWithClaims(sg.method, c)
	tok.Header["typ"], tok.Header["kid"] = "at+jwt", sg.kid
	if edit != nil {
		edit(tok.Header)
	}
	s, err := tok.SignedString(sg.private)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

// freshSigner is a new signing key of the kind alg, which no service
// publishes.
func freshSigner(t testing.TB, alg string) *signer {
	t.Helper()
	p, err := generatePEM(alg)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := parseSigner(alg, p)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func b64URLJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// forgedTokens are tokens crafted against e, each refused for one reason;
// the ones that matter are signed with the service's real key.
func forgedTokens(t testing.TB, e *forgeEnv) map[string]string {
	t.Helper()
	real := e.svc.signer
	parts := strings.Split(e.real, ".")
	pubDER, err := x509.MarshalPKIXPublicKey(real.private.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256 := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, e.realClaims(t, nil))
		tok.Header["typ"], tok.Header["kid"] = "at+jwt", real.kid
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := e.clock.Now()
	claims := func(edit func(c jwt.MapClaims)) jwt.MapClaims { return e.realClaims(t, edit) }
	noneHeader := b64URLJSON(t, map[string]any{"alg": "none", "typ": "at+jwt", "kid": real.kid})
	removed := freshSigner(t, real.alg) // stands for a key the JWKS no longer lists
	return map[string]string{
		"alg none":                              noneHeader + "." + parts[1] + ".",
		"alg none keeping the real signature":   noneHeader + "." + parts[1] + "." + parts[2],
		"HS256 keyed with the public key (PEM)": hs256(pubPEM),
		"HS256 keyed with the public JWK x":     hs256([]byte(real.jwk["x"])),
		"unknown kid": signWith(t, freshSigner(t, real.alg), claims(nil),
			func(h map[string]any) { h["kid"] = "no-such-key" }),
		"signed by a key removed from the JWKS": signWith(t, removed, claims(nil), nil),
		"real key, typ JWT": signWith(t, real, claims(nil),
			func(h map[string]any) { h["typ"] = "JWT" }),
		"real key, wrong iss": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["iss"] = "https://evil.example"
		}), nil),
		"real key, wrong aud": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["aud"] = []string{"another-api"}
		}), nil),
		"real key, expired": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		}), nil),
		"real key, not yet valid": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["nbf"] = now.Add(time.Hour).Unix()
		}), nil),
		"real key, upgraded scope": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["scope"] = "api keys:manage tokens:introspect"
		}), nil),
		"real key, another account": signWith(t, real, claims(func(c jwt.MapClaims) {
			c["account"] = "platform"
		}), nil),
		"payload edited under the real signature": parts[0] + "." + b64URLJSON(t,
			claims(func(c jwt.MapClaims) { c["account"] = "platform" })) + "." + parts[2],
		"real token with its signature cut":    parts[0] + "." + parts[1] + ".",
		"real token with a trailing character": e.real + "A",
	}
}

// TestIntrospectionRefusesForgedTokens proves that only recorded tokens
// are active: every forged token, signed with the service's own key where
// that matters, introspects as exactly {"active":false}, and the
// bearer-protected account endpoints answer 401.
func TestIntrospectionRefusesForgedTokens(t *testing.T) {
	for _, alg := range []string{AlgES256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			e := newForgeEnv(t, Config{SigningAlg: alg})
			if got := e.introspect(t, e.real); !strings.Contains(got, `"active":true`) {
				t.Fatalf("the real token introspects as %s", got)
			}
			for name, tok := range forgedTokens(t, e) {
				t.Run(name, func(t *testing.T) {
					if got := e.introspect(t, tok); got != `{"active":false}` {
						t.Errorf("introspection = %s, want exactly {\"active\":false}", got)
					}
					if s := e.bearerStatus(t, http.MethodGet, "/account/keys", tok); s != 401 {
						t.Errorf("GET /account/keys = %d, want 401", s)
					}
					if s := e.bearerStatus(t, http.MethodDelete, "/account/token", tok); s != 401 {
						t.Errorf("DELETE /account/token = %d, want 401", s)
					}
				})
			}
			// None of that touched the real token.
			if got := e.introspect(t, e.real); !strings.Contains(got, `"active":true`) {
				t.Fatalf("after the forgeries the real token introspects as %s", got)
			}
		})
	}
}

// TestIntrospectionRefusesExpiredRealTokens moves the clock past a real
// token's expiry: its record still exists for a moment, but it is not
// active.
func TestIntrospectionRefusesExpiredRealTokens(t *testing.T) {
	e := newForgeEnv(t, Config{TokenTTL: time.Minute})
	e.clock.Advance(time.Minute)
	if got := e.introspect(t, e.real); got != `{"active":false}` {
		t.Fatalf("expired token introspects as %s", got)
	}
	if s := e.bearerStatus(t, http.MethodGet, "/account/keys", e.real); s != 401 {
		t.Fatalf("expired token on GET /account/keys: %d, want 401", s)
	}
}
