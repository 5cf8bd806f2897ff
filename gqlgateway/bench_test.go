package gqlgateway

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchRequest runs one request through the handler in process, so the
// figures are the gateway's own pipeline: no client, no network.
func benchRequest(b *testing.B, h http.Handler, auth, body string, want int) {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
}

// BenchmarkCachedProtectedQuery measures a viewer query whose document is
// cached and whose token is in the warm identity cache: the hot path of an
// authenticated API. The token-service stand-in serves only the warm-up.
func BenchmarkCachedProtectedQuery(b *testing.B) {
	fake := newFakeTokenService(b)
	fake.addKey("k1", "s", "Bench", "acme", "read")
	tg := startGateway(b, fake, nil)
	tg.waitTrusted(b)
	auth := "Bearer " + fake.issue("k1")
	const body = `{"query":"query Me { viewer { clientId name account scopes expiresAt } }"}`
	h := tg.gw.Handler()
	benchRequest(b, h, auth, body, 200)
	before := fake.introspections.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		benchRequest(b, h, auth, body, 200)
	}
	b.StopTimer()
	if n := fake.introspections.Load() - before; n > 0 {
		b.Logf("%d introspections during the run (stream reconnects)", n)
	}
}

// BenchmarkCachedProtectedQueryParallel is the same under parallel load.
func BenchmarkCachedProtectedQueryParallel(b *testing.B) {
	fake := newFakeTokenService(b)
	fake.addKey("k1", "s", "Bench", "acme", "read")
	tg := startGateway(b, fake, nil)
	tg.waitTrusted(b)
	auth := "Bearer " + fake.issue("k1")
	const body = `{"query":"{ viewer { clientId name } }"}`
	h := tg.gw.Handler()
	benchRequest(b, h, auth, body, 200)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchRequest(b, h, auth, body, 200)
		}
	})
}

// BenchmarkLogin measures the login mutation: a cached document executed,
// and one client-credentials request to the token-service stand-in over
// loopback HTTP (its answers cost it little; the gateway's side, the
// execution and the HTTP client, is what is measured).
func BenchmarkLogin(b *testing.B) {
	fake := newFakeTokenService(b)
	fake.addKey("k1", "s3cret", "Bench", "acme", "read")
	tg := startGateway(b, fake, nil)
	h := tg.gw.Handler()
	const body = `{"query":"mutation Login($id: String!, $s: String!) { login(loginInput: ` +
		`{clientId: $id, secretId: $s}) { accessToken tokenType expiresIn scope } }",` +
		`"variables":{"id":"k1","s":"s3cret"}}`
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), `"accessToken":"`) || strings.Contains(w.Body.String(), `"errors"`) {
		b.Fatalf("login answered %d %s", w.Code, w.Body.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		benchRequest(b, h, "", body, 200)
	}
}

// BenchmarkPublicQuery measures the pipeline without authentication.
func BenchmarkPublicQuery(b *testing.B) {
	g, err := New(Config{ClientID: "a", ClientSecret: "b", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	h := g.Handler()
	b.ReportAllocs()
	for b.Loop() {
		benchRequest(b, h, "", `{"query":"{ __typename }"}`, 200)
	}
}

// BenchmarkPrepareDocument is a cache miss: pre-scan, parse, guard and
// validation of a typical query, which the document cache saves.
func BenchmarkPrepareDocument(b *testing.B) {
	g, err := New(Config{ClientID: "a", ClientSecret: "b", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	const q = `mutation Login($id: String!, $s: String!) {
		login(loginInput: {clientId: $id, secretId: $s}) { accessToken tokenType expiresIn scope }
	}`
	b.ReportAllocs()
	for b.Loop() {
		if _, rerr := g.docs.prepare(q, ""); rerr != nil {
			b.Fatal(rerr)
		}
	}
}
