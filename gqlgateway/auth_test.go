package gqlgateway

import (
	"net/http"
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name      string
		values    []string
		wantToken string
		wantSent  bool
		wantOK    bool
	}{
		{name: "no header"},
		{name: "empty header", values: []string{"  "}},
		{name: "bearer", values: []string{"Bearer a.b.c"}, wantToken: "a.b.c", wantSent: true,
			wantOK: true},
		{name: "scheme is case-insensitive", values: []string{"bearer   a.b.c "},
			wantToken: "a.b.c", wantSent: true, wantOK: true},
		{name: "bare token", values: []string{"a.b.c"}, wantToken: "a.b.c", wantSent: true,
			wantOK: true},
		{name: "bearer without token", values: []string{"Bearer "}, wantSent: true},
		{name: "bearer with two words", values: []string{"Bearer a b"}, wantSent: true},
		{name: "basic credentials are not a bearer token", values: []string{"Basic Zm9vOmJhcg=="}},
		{name: "two headers", values: []string{"Bearer a", "Bearer b"}, wantSent: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Authorization", v)
			}
			tok, sent, ok := bearerToken(h)
			if tok != tc.wantToken || sent != tc.wantSent || ok != tc.wantOK {
				t.Errorf("bearerToken = %q, %v, %v; want %q, %v, %v", tok, sent, ok,
					tc.wantToken, tc.wantSent, tc.wantOK)
			}
		})
	}
}

func TestLooksLikeAccessToken(t *testing.T) {
	hdr := func(json string) string { return b64(json) }
	payload, sig := b64(`{"sub":"x"}`), b64("signature-bytes")
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{name: "at+jwt", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "." + payload + "." + sig,
			want: true},
		{name: "media type form", token: hdr(`{"alg":"EdDSA","typ":"application/AT+JWT"}`) +
			"." + payload + "." + sig, want: true},
		{name: "plain JWT type", token: hdr(`{"alg":"ES256","typ":"JWT"}`) + "." + payload +
			"." + sig},
		{name: "no type", token: hdr(`{"alg":"ES256"}`) + "." + payload + "." + sig},
		{name: "alg none", token: hdr(`{"alg":"none","typ":"at+jwt"}`) + "." + payload + "." + sig},
		{name: "unsigned", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "." + payload + "."},
		{name: "two parts", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "." + payload},
		{name: "four parts", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "." + payload +
			"." + sig + "." + sig},
		{name: "padding", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "=." + payload +
			"." + sig},
		{name: "header not JSON", token: b64("hello world, not json") + "." + payload + "." + sig},
		{name: "garbage", token: "not-a-token-at-all-but-long-enough"},
		{name: "too short", token: "a.b.c"},
		{name: "too long", token: hdr(`{"alg":"ES256","typ":"at+jwt"}`) + "." +
			strings.Repeat("A", maxTokenLen) + "." + sig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := looksLikeAccessToken(tc.token); got != tc.want {
				t.Errorf("looksLikeAccessToken = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestProtectedOperationsNeedAToken(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("reader", "reader-secret", "Reader", "acme", "read")
	tg := startGateway(t, fake, nil)
	good := fake.issue("reader")
	garbage := "Bearer " + b64(`{"alg":"ES256","typ":"JWT"}`) + ".e30.c2ln"
	forged := fake.issue("reader") + "x" // right shape, never issued

	tests := []struct {
		name          string
		auth, query   string
		wantStatus    int
		wantCode      string
		wantChallenge string
	}{
		{name: "no token", query: "{viewer{clientId}}", wantStatus: 401,
			wantCode: CodeUnauthenticated, wantChallenge: "Bearer"},
		{name: "basic credentials", auth: "Basic Zm9vOmJhcg==", query: "{viewer{clientId}}",
			wantStatus: 401, wantCode: CodeUnauthenticated, wantChallenge: "Bearer"},
		{name: "garbage token", auth: garbage, query: "{viewer{clientId}}", wantStatus: 401,
			wantCode: CodeUnauthenticated, wantChallenge: `Bearer error="invalid_token"`},
		{name: "malformed header", auth: "Bearer a b", query: "{viewer{clientId}}",
			wantStatus: 401, wantCode: CodeUnauthenticated,
			wantChallenge: `Bearer error="invalid_token"`},
		{name: "never issued", auth: "Bearer " + forged, query: "{viewer{clientId}}",
			wantStatus: 401, wantCode: CodeUnauthenticated,
			wantChallenge: `Bearer error="invalid_token"`},
		{name: "missing scope", auth: "Bearer " + good, query: "{apiKeys{clientId}}",
			wantStatus: 403, wantCode: CodeForbidden,
			wantChallenge: `Bearer error="insufficient_scope", scope="keys:manage"`},
		{name: "bearer token", auth: "Bearer " + good, query: "{viewer{clientId}}",
			wantStatus: 200},
		{name: "bare token", auth: good, query: "{viewer{clientId}}", wantStatus: 200},
		{name: "login ignores a stale token", auth: "Bearer " + forged,
			query: `mutation{login(loginInput:{clientId:"reader",` +
				`secretId:"reader-secret"}){scope}}`,
			wantStatus: 200},
		{name: "public fields ignore garbage", auth: garbage, query: "{__typename}",
			wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tg.post(t, tc.auth, tc.query, nil)
			if a.status != tc.wantStatus || a.code() != tc.wantCode {
				t.Fatalf("got %d %q %s; want %d %q", a.status, a.code(), a.raw, tc.wantStatus,
					tc.wantCode)
			}
			if got := a.header.Get("WWW-Authenticate"); got != tc.wantChallenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.wantChallenge)
			}
			if tc.wantStatus != 200 && a.hasData() {
				t.Errorf("refusal carries data: %s", a.raw)
			}
		})
	}
}

func TestGarbageTokensCostNoIntrospection(t *testing.T) {
	fake := newFakeTokenService(t)
	tg := startGateway(t, fake, nil)
	for _, auth := range []string{"Bearer x", "garbage", "Bearer a.b.c",
		"Bearer " + strings.Repeat("A", 10000)} {
		if a := tg.post(t, auth, "{viewer{name}}", nil); a.status != 401 {
			t.Fatalf("%q: got %d", auth, a.status)
		}
	}
	if n := fake.introspections.Load(); n != 0 {
		t.Errorf("garbage tokens caused %d introspections", n)
	}
}

func TestInactiveAnswersAreCachedBriefly(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("reader", "s", "Reader", "acme")
	tg := startGateway(t, fake, nil)
	forged := fake.issue("reader") + "x"
	for i := 0; i < 3; i++ {
		tg.post(t, forged, "{viewer{name}}", nil)
	}
	if n := fake.introspections.Load(); n != 1 {
		t.Errorf("3 requests with one unknown token made %d introspections, want 1", n)
	}
}
