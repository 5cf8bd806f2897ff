// Package testenv starts real token services for tests: real HTTP over
// loopback, on a real store (the memory store by default, or any store URL,
// such as a Redis started by internal/redistest).
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/open"
	"github.com/positiveaction/tokens/tokensvc"
)

// AdminToken is the admin token of every test token service.
const AdminToken = "test-admin-token-0123456789abcdef0123456789"

// Options shape a test token service. Zero values give a memory store and
// the service's defaults.
type Options struct {
	// StoreURL is opened for the service (default "memory:"); ignored when
	// Store is set.
	StoreURL string
	// Store shares an open store between services (several instances on
	// one store behave as one service). The caller closes it.
	Store store.Store
	// Config overrides service settings; Issuer and AdminToken are set here.
	Config tokensvc.Config
	// Logs receives the service's logs (default: discarded).
	Logs io.Writer
}

// TokenService is a running token service.
type TokenService struct {
	URL      string // public listener, also the issuer
	AdminURL string
	Service  *tokensvc.Service
	Store    store.Store

	public, admin *httptest.Server
	stopOnce      sync.Once
}

// StartTokenService starts a token service on loopback and stops it when the
// test ends.
func StartTokenService(t testing.TB, opts Options) *TokenService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	st := opts.Store
	if st == nil {
		u := opts.StoreURL
		if u == "" {
			u = "memory:"
		}
		var err error
		st, err = open.Open(ctx, u, store.Options{OpTimeout: time.Second}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("opening store %s: %v", open.Redact(u), err)
		}
		t.Cleanup(func() { st.Close() })
	}
	public := httptest.NewUnstartedServer(nil)
	public.Start()
	cfg := opts.Config
	cfg.Issuer = public.URL
	cfg.AdminToken = AdminToken
	logs := opts.Logs
	if logs == nil {
		logs = io.Discard
	}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := tokensvc.New(ctx, st, cfg)
	if err != nil {
		public.Close()
		t.Fatalf("starting token service: %v", err)
	}
	public.Config.Handler = svc.PublicHandler()
	public.Config.RegisterOnShutdown(svc.Drain)
	admin := httptest.NewServer(svc.AdminHandler())
	ts := &TokenService{URL: public.URL, AdminURL: admin.URL, Service: svc, Store: st,
		public: public, admin: admin}
	t.Cleanup(ts.Stop)
	return ts
}

// Stop closes both listeners and the service (not a shared store).
func (ts *TokenService) Stop() {
	ts.stopOnce.Do(func() {
		ts.Service.Drain()
		ts.public.CloseClientConnections()
		ts.public.Close()
		ts.admin.Close()
		ts.Service.Close()
	})
}

// Key is a created key with its Secret ID.
type Key struct {
	ClientID string   `json:"clientId"`
	SecretID string   `json:"secretId"`
	Name     string   `json:"name"`
	Account  string   `json:"account"`
	Scopes   []string `json:"scopes"`
}

// CreateKey creates a key through the admin API.
func (ts *TokenService) CreateKey(t testing.TB, account, name string, scopes ...string) Key {
	t.Helper()
	if scopes == nil {
		scopes = []string{}
	}
	var k Key
	resp := ts.Admin(t, http.MethodPost, "/admin/keys",
		map[string]any{"name": name, "account": account, "scopes": scopes})
	if resp.Status != http.StatusCreated {
		t.Fatalf("creating key: status %d, body %s", resp.Status, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &k); err != nil {
		t.Fatalf("decoding key: %v", err)
	}
	return k
}

// Token gets an access token for a key with client_secret_basic.
func (ts *TokenService) Token(t testing.TB, k Key, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(k.ClientID), url.QueryEscape(k.SecretID))
	resp := Do(t, req)
	if resp.Status != http.StatusOK {
		t.Fatalf("token request: status %d, body %s", resp.Status, resp.Body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.AccessToken == "" {
		t.Fatalf("token answer %s: %v", resp.Body, err)
	}
	return out.AccessToken
}

// Response is a read HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

// Admin calls the admin API with the admin token.
func (ts *TokenService) Admin(t testing.TB, method, path string, body any) Response {
	t.Helper()
	return JSONRequest(t, method, ts.AdminURL+path, AdminToken, body)
}

// JSONRequest sends body (nil for none) as JSON with a bearer token.
func JSONRequest(t testing.TB, method, url, bearer string, body any) Response {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding body: %v", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return Do(t, req)
}

// Do sends req and reads the whole answer.
func Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// FreeAddr returns a 127.0.0.1 address that nothing listened on a moment
// ago and that FreeAddr has not returned before in this test binary, for
// starting a real process or listener on it. (The kernel may hand the port
// of a listener just closed to the next one: two calls in a row once gave
// a gateway the same address for its public and metrics listeners.)
func FreeAddr(t testing.TB) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free loopback port: %v", err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		if !handedOut.addrs[addr] {
			handedOut.addrs[addr] = true
			return addr
		}
	}
	t.Fatal("finding a free loopback port: every port offered was handed out before")
	return ""
}

// handedOut are the addresses FreeAddr has returned.
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: make(map[string]bool)}
