package gqlgateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// testGateway is a gateway served over loopback HTTP in front of a
// token-service stand-in.
type testGateway struct {
	gw   *Gateway
	srv  *httptest.Server
	fake *fakeTokenService
	logs *lockedWriter
}

func startGateway(t testing.TB, fake *fakeTokenService, tweak func(*Config)) *testGateway {
	t.Helper()
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := Config{
		TokenServiceURL: fake.URL(),
		ClientID:        gwClientID,
		ClientSecret:    gwSecret,
		Logger: slog.New(slog.NewTextHandler(logs,
			&slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw.Start(ctx)
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		gw.Close()
	})
	return &testGateway{gw: gw, srv: srv, fake: fake, logs: logs}
}

// waitTrusted waits until the revocation stream vouches for the cache.
func (tg *testGateway) waitTrusted(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !tg.gw.ids.trusted(time.Now()) {
		if time.Now().After(deadline) {
			t.Fatal("the revocation stream never became ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answer is a decoded gateway response.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// code returns extensions.code of the first error, or "".
func (a answer) code() string {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	first, _ := errs[0].(map[string]any)
	ext, _ := first["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func (a answer) hasData() bool { _, ok := a.body["data"]; return ok }

// post sends a GraphQL request as JSON with an optional Authorization value.
func (tg *testGateway) post(t *testing.T, auth, query string, vars map[string]any) answer {
	t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	b, _ := json.Marshal(body)
	return tg.do(t, http.MethodPost, "/graphql", auth, "application/json", b)
}

// get sends a GraphQL query as GET parameters.
func (tg *testGateway) get(t *testing.T, auth string, params url.Values) answer {
	t.Helper()
	return tg.do(t, http.MethodGet, "/graphql?"+params.Encode(), auth, "", nil)
}

func (tg *testGateway) do(t *testing.T, method, path, auth, contentType string,
	body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, tg.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := tg.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s answered non-JSON %q", method, path, raw)
		}
	}
	return a
}

// lockedWriter serialises writes of concurrent loggers into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (lw *lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

func (lw *lockedWriter) String() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.String()
}
