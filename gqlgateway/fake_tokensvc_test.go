package gqlgateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// fakeTokenService stands in for the token service over real loopback HTTP,
// speaking the wire contract of docs/http-api.md closely enough to exercise
// the gateway. The end-to-end tests in e2e/ run against the real one.
type fakeTokenService struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	keys    map[string]*fakeKey // by Client ID
	tokens  map[string]*fakeToken
	streams map[chan string]bool

	introspections atomic.Int64
	streamOpens    atomic.Int64
	down           atomic.Bool // every request is cut off, as if unreachable
	silent         atomic.Bool // the stream sends nothing, not even pings
	pingEvery      time.Duration
}

type fakeKey struct {
	secret, name, account string
	scopes                []string
}

type fakeToken struct {
	key      string
	iat, exp int64
	revoked  bool
}

const (
	gwClientID = "gateway-key"
	gwSecret   = "gateway-secret"
)

func newFakeTokenService(t testing.TB) *fakeTokenService {
	t.Helper()
	f := &fakeTokenService{
		t: t, keys: map[string]*fakeKey{}, tokens: map[string]*fakeToken{},
		streams: map[chan string]bool{}, pingEvery: 100 * time.Millisecond,
	}
	f.addKey(gwClientID, gwSecret, "gateway", "ops", "tokens:introspect")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", f.token)
	mux.HandleFunc("POST /oauth2/introspect", f.introspect)
	mux.HandleFunc("GET /oauth2/revocations", f.revocations)
	mux.HandleFunc("DELETE /account/token", f.revokeSelf)
	mux.HandleFunc("GET /account/keys", f.listKeys)
	mux.HandleFunc("POST /account/keys", f.createKey)
	mux.HandleFunc("POST /account/keys/{id}/rotate", f.rotateKey)
	mux.HandleFunc("DELETE /account/keys/{id}", f.deleteKey)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			panic(http.ErrAbortHandler) // drop the connection: unreachable
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTokenService) URL() string { return f.srv.URL }

func (f *fakeTokenService) addKey(id, secret, name, account string, scopes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[id] = &fakeKey{secret: secret, name: name, account: account, scopes: scopes}
}

// issue mints a token for a key directly, as POST /oauth2/token would.
func (f *fakeTokenService) issue(clientID string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issueLocked(clientID, time.Now())
}

func (f *fakeTokenService) issueLocked(clientID string, now time.Time) string {
	k := f.keys[clientID]
	header := b64(`{"alg":"ES256","typ":"at+jwt","kid":"k1"}`)
	claims, _ := json.Marshal(map[string]any{
		"sub": clientID, "client_id": clientID, "account": k.account, "name": k.name,
		"scope": strings.Join(k.scopes, " "), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"jti": randomString(),
	})
	tok := header + "." + b64(string(claims)) + "." + randomString()
	f.tokens[client.TokenHash(tok)] = &fakeToken{key: clientID, iat: now.Unix(),
		exp: now.Add(time.Hour).Unix()}
	return tok
}

func (f *fakeTokenService) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := basicCredentials(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.keys[id]
	if !ok || k == nil || k.secret != secret {
		w.Header().Set("WWW-Authenticate", "Basic")
		writeFakeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	writeFakeJSON(w, 200, map[string]any{"access_token": f.issueLocked(id, time.Now()),
		"token_type": "Bearer", "expires_in": 3600, "scope": strings.Join(k.scopes, " ")})
}

func (f *fakeTokenService) introspect(w http.ResponseWriter, r *http.Request) {
	f.introspections.Add(1)
	if !f.callerIsGateway(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, k := f.activeLocked(r.PostFormValue("token"))
	if rec == nil {
		writeFakeJSON(w, 200, map[string]bool{"active": false})
		return
	}
	writeFakeJSON(w, 200, map[string]any{"active": true, "token_type": "Bearer",
		"client_id": rec.key, "sub": rec.key, "scope": strings.Join(k.scopes, " "),
		"exp": rec.exp, "iat": rec.iat, "nbf": rec.iat, "account": k.account, "name": k.name})
}

func (f *fakeTokenService) activeLocked(token string) (*fakeToken, *fakeKey) {
	rec := f.tokens[client.TokenHash(token)]
	if rec == nil || rec.revoked || rec.exp <= time.Now().Unix() || f.keys[rec.key] == nil {
		return nil, nil
	}
	return rec, f.keys[rec.key]
}

func (f *fakeTokenService) callerIsGateway(w http.ResponseWriter, r *http.Request) bool {
	id, secret, ok := basicCredentials(r)
	if !ok || id != gwClientID || secret != gwSecret {
		writeFakeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return false
	}
	return true
}

// revoke marks one token revoked and announces it on the stream.
func (f *fakeTokenService) revoke(token string) {
	hash := client.TokenHash(token)
	f.mu.Lock()
	if rec := f.tokens[hash]; rec != nil {
		rec.revoked = true
	}
	f.mu.Unlock()
	f.publish(fmt.Sprintf(`{"tokenHash":%q}`, hash))
}

// revokeWhere revokes the tokens of a key or an account issued before now.
func (f *fakeTokenService) revokeWhere(clientID, account string) {
	now := time.Now()
	f.mu.Lock()
	for _, rec := range f.tokens {
		k := f.keys[rec.key]
		if (rec.key == clientID || k != nil && k.account == account) && rec.iat <= now.Unix() {
			rec.revoked = true
		}
	}
	f.mu.Unlock()
	nb := now.UTC().Format(time.RFC3339Nano)
	if clientID != "" {
		f.publish(fmt.Sprintf(`{"clientId":%q,"notBefore":%q}`, clientID, nb))
	} else {
		f.publish(fmt.Sprintf(`{"account":%q,"notBefore":%q}`, account, nb))
	}
}

func (f *fakeTokenService) publish(data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.streams {
		select {
		case ch <- data:
		default:
		}
	}
}

func basicCredentials(r *http.Request) (string, string, bool) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	return id, secret, ok && err1 == nil && err2 == nil
}

func writeFakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
