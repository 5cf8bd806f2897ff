package client

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifyEnv is one published ES256 key, one EdDSA key, a key the JWKS does
// not publish, and a verifier on a fixed clock.
type verifyEnv struct {
	es, ed, stranger *testKey
	jwks             *jwksServer
	clock            *fakeClock
	v                *Verifier
	now              time.Time
}

func newVerifyEnv(t testing.TB) *verifyEnv {
	t.Helper()
	e := &verifyEnv{
		es:       newTestKey(t, "ES256", "es-key"),
		ed:       newTestKey(t, "EdDSA", "ed-key"),
		stranger: newTestKey(t, "ES256", "stranger"),
		now:      time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	e.clock = &fakeClock{now: e.now}
	e.jwks = newJWKSServer(t, e.es, e.ed)
	e.v = newTestVerifier(t, e.jwks, e.clock)
	return e
}

// with returns good claims changed by edit.
func (e *verifyEnv) with(edit func(c jwt.MapClaims)) jwt.MapClaims {
	c := goodClaims(e.now)
	edit(c)
	return c
}

func TestVerifierAcceptsGoodTokens(t *testing.T) {
	e := newVerifyEnv(t)
	tests := []struct {
		name  string
		token string
	}{
		{"ES256 token of the published key", e.es.sign(t, goodClaims(e.now), nil)},
		{"EdDSA token of the published key", e.ed.sign(t, goodClaims(e.now), nil)},
		{"typ in media type form", e.es.sign(t, goodClaims(e.now), func(h map[string]any) {
			h["typ"] = "application/at+jwt"
		})},
		{"typ in upper case", e.es.sign(t, goodClaims(e.now), func(h map[string]any) {
			h["typ"] = "AT+JWT"
		})},
		{"expired within the leeway", e.es.sign(t, e.with(func(c jwt.MapClaims) {
			c["exp"] = e.now.Add(-5 * time.Second).Unix()
		}), nil)},
		{"issued slightly in the future within the leeway",
			e.es.sign(t, e.with(func(c jwt.MapClaims) {
				soon := e.now.Add(5 * time.Second).Unix()
				c["iat"], c["nbf"] = soon, soon
			}), nil)},
		{"audience among several", e.es.sign(t, e.with(func(c jwt.MapClaims) {
			c["aud"] = []string{"other-api", testAudience}
		}), nil)},
		{"no nbf", e.es.sign(t, e.with(func(c jwt.MapClaims) { delete(c, "nbf") }), nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.v.Verify(t.Context(), tc.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.ClientID != testClientID || c.Account != "acme" || !c.HasScope("keys:manage") ||
				c.Issuer != testIssuer || c.ExpiresAt.IsZero() || c.IssuedAt.IsZero() {
				t.Errorf("claims %+v do not match the token's", c)
			}
		})
	}
}

// TestVerifierRefuses crafts each kind of bad token and expects
// ErrInvalidToken, never ErrUnavailable and never claims.
func TestVerifierRefuses(t *testing.T) {
	e := newVerifyEnv(t)
	good := e.es.sign(t, goodClaims(e.now), nil)
	parts := strings.Split(good, ".")
	esPub, err := x509.MarshalPKIXPublicKey(e.es.signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	esPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: esPub})
	esJWK, _ := json.Marshal(e.es.jwk(t))
	hmacWith := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, goodClaims(e.now))
		tok.Header["typ"], tok.Header["kid"] = "at+jwt", e.es.kid
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	header := func(h map[string]any) string { return b64JSON(t, h) }
	noneHeader := func(alg string) string {
		return header(map[string]any{"alg": alg, "typ": "at+jwt", "kid": e.es.kid})
	}
	claims := b64JSON(t, goodClaims(e.now))
	edited := func(edit func(c jwt.MapClaims)) string { return e.es.sign(t, e.with(edit), nil) }
	otherSig := strings.Split(edited(func(c jwt.MapClaims) { c["jti"] = "x" }), ".")[2]
	wrongHeader := func(edit func(h map[string]any)) string {
		return e.es.sign(t, goodClaims(e.now), edit)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"alg none without signature", noneHeader("none") + "." + claims + "."},
		{"alg none with the real signature", noneHeader("none") + "." + claims + "." + parts[2]},
		{"alg NONE in capitals", noneHeader("NONE") + "." + claims + "."},
		{"HS256 keyed with the public key as PEM", hmacWith(esPEM)},
		{"HS256 keyed with the public key as JWK JSON", hmacWith(esJWK)},
		{"HS256 keyed with the public key's x coordinate", hmacWith([]byte(e.es.jwk(t)["x"]))},
		{"unknown kid", e.stranger.sign(t, goodClaims(e.now), nil)},
		{"published kid but another key's signature",
			e.stranger.sign(t, goodClaims(e.now), func(h map[string]any) { h["kid"] = e.es.kid })},
		{"EdDSA token naming the ES256 key",
			e.ed.sign(t, goodClaims(e.now), func(h map[string]any) { h["kid"] = e.es.kid })},
		{"no kid", wrongHeader(func(h map[string]any) { delete(h, "kid") })},
		{"typ JWT", wrongHeader(func(h map[string]any) { h["typ"] = "JWT" })},
		{"no typ", wrongHeader(func(h map[string]any) { delete(h, "typ") })},
		{"typ that only contains at+jwt", wrongHeader(func(h map[string]any) {
			h["typ"] = "x-at+jwt"
		})},
		{"critical header extension", wrongHeader(func(h map[string]any) {
			h["crit"] = []string{"exp"}
		})},
		{"wrong issuer", edited(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })},
		{"issuer with a trailing slash", edited(func(c jwt.MapClaims) {
			c["iss"] = testIssuer + "/"
		})},
		{"no issuer", edited(func(c jwt.MapClaims) { delete(c, "iss") })},
		{"wrong audience", edited(func(c jwt.MapClaims) { c["aud"] = "other-api" })},
		{"no audience", edited(func(c jwt.MapClaims) { delete(c, "aud") })},
		{"expired beyond the leeway", edited(func(c jwt.MapClaims) {
			c["exp"] = e.now.Add(-time.Minute).Unix()
		})},
		{"no exp", edited(func(c jwt.MapClaims) { delete(c, "exp") })},
		{"not yet valid", edited(func(c jwt.MapClaims) {
			c["nbf"] = e.now.Add(time.Minute).Unix()
		})},
		{"issued in the future", edited(func(c jwt.MapClaims) {
			c["iat"] = e.now.Add(time.Hour).Unix()
		})},
		{"no iat", edited(func(c jwt.MapClaims) { delete(c, "iat") })},
		{"no sub", edited(func(c jwt.MapClaims) { delete(c, "sub") })},
		{"no client_id", edited(func(c jwt.MapClaims) { delete(c, "client_id") })},
		{"sub and client_id differ", edited(func(c jwt.MapClaims) { c["sub"] = "someone-else" })},
		{"no jti", edited(func(c jwt.MapClaims) { delete(c, "jti") })},
		{"exp of the wrong type", edited(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })},
		{"payload swapped under a good signature",
			parts[0] + "." + b64JSON(t, e.with(func(c jwt.MapClaims) { c["scope"] = "admin" })) +
				"." + parts[2]},
		{"signature removed", parts[0] + "." + parts[1] + "."},
		{"signature of another token", parts[0] + "." + parts[1] + "." + otherSig},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2]},
		{"four segments", good + ".AAAA"},
		{"two segments", parts[0] + "." + parts[1]},
		{"empty", ""},
		{"not base64", "!!!.???.***"},
		{"header not JSON", "bm90IGpzb24." + parts[1] + "." + parts[2]},
		{"oversized", good + strings.Repeat("A", 9000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.v.Verify(t.Context(), tc.token)
			if !errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrUnavailable) || c != nil {
				t.Fatalf("Verify = %+v, %v; want ErrInvalidToken only", c, err)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Errorf("the error %q quotes the token", err)
			}
		})
	}
}

func TestVerifierDropsAKeyRemovedFromTheJWKS(t *testing.T) {
	e := newVerifyEnv(t)
	tok := e.es.sign(t, goodClaims(e.now), nil)
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("before the removal: %v", err)
	}
	e.jwks.publish(t, e.ed) // the ES256 key is withdrawn
	e.clock.Advance(DefaultJWKSCacheTTL + time.Second)
	// Re-sign at the new time so only the key, not the expiry, decides.
	e.now = e.clock.Now()
	tok = e.es.sign(t, goodClaims(e.now), nil)
	if _, err := e.v.Verify(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a withdrawn key: %v, want ErrInvalidToken", err)
	}
	if _, err := e.v.Verify(t.Context(), e.ed.sign(t, goodClaims(e.now), nil)); err != nil {
		t.Fatalf("token of the key still published: %v", err)
	}
}

func TestVerifierRefetchesForANewKeyAtMostOnceAWhile(t *testing.T) {
	e := newVerifyEnv(t)
	if _, err := e.v.Verify(t.Context(), e.es.sign(t, goodClaims(e.now), nil)); err != nil {
		t.Fatal(err)
	}
	if n := e.jwks.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1", n)
	}
	// A flood of made-up key IDs costs one fetch, not one each.
	e.clock.Advance(DefaultJWKSMinRefetch + time.Second)
	e.now = e.clock.Now()
	for i := range 50 {
		forged := e.stranger.sign(t, goodClaims(e.now), func(h map[string]any) {
			h["kid"] = "made-up-" + strings.Repeat("x", i)
		})
		if _, err := e.v.Verify(t.Context(), forged); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("made-up kid: %v", err)
		}
	}
	if n := e.jwks.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after 50 unknown kids, want 2", n)
	}
	// A key published later is found once the refetch interval has passed.
	e.jwks.publish(t, e.es, e.ed, e.stranger)
	e.clock.Advance(DefaultJWKSMinRefetch + time.Second)
	if _, err := e.v.Verify(t.Context(), e.stranger.sign(t, goodClaims(e.now), nil)); err != nil {
		t.Fatalf("token of a newly published key: %v", err)
	}
}

func TestVerifierWithoutTheJWKSIsUnavailable(t *testing.T) {
	e := newVerifyEnv(t)
	e.jwks.down.Store(true)
	tok := e.es.sign(t, goodClaims(e.now), nil)
	for range 3 {
		_, err := e.v.Verify(t.Context(), tok)
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Verify with the JWKS down = %v, want ErrUnavailable", err)
		}
	}
	if n := e.jwks.fetches.Load(); n != 1 {
		t.Errorf("%d fetches while down within the refetch interval, want 1", n)
	}
	e.jwks.down.Store(false)
	e.clock.Advance(DefaultJWKSMinRefetch + time.Second)
	e.now = e.clock.Now()
	if _, err := e.v.Verify(t.Context(), e.es.sign(t, goodClaims(e.now), nil)); err != nil {
		t.Fatalf("after the JWKS came back: %v", err)
	}
	// A set older than its TTL is not used when it cannot be refreshed.
	e.jwks.down.Store(true)
	e.clock.Advance(DefaultJWKSCacheTTL + time.Second)
	e.now = e.clock.Now()
	if _, err := e.v.Verify(t.Context(), e.es.sign(t, goodClaims(e.now), nil)); !errors.Is(err,
		ErrUnavailable) {
		t.Fatalf("with a stale set and the JWKS down: %v, want ErrUnavailable", err)
	}
}

func TestNewVerifierRefusesIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  VerifierConfig
	}{
		{"no issuer", VerifierConfig{Audience: testAudience}},
		{"no audience", VerifierConfig{Issuer: testIssuer}},
		{"negative leeway", VerifierConfig{Issuer: testIssuer, Audience: testAudience, Leeway: -1}},
		{"leeway of an hour", VerifierConfig{Issuer: testIssuer, Audience: testAudience,
			Leeway: time.Hour}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewVerifier(tc.cfg); err == nil {
				t.Fatal("NewVerifier accepted it")
			}
		})
	}
}

func TestDecodeJWKSKeepsOnlyUsableSigningKeys(t *testing.T) {
	es := newTestKey(t, "ES256", "es")
	good := es.jwk(t)
	variant := func(edit func(m map[string]string)) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		edit(m)
		return m
	}
	set := map[string]any{"keys": []any{
		variant(func(m map[string]string) { m["kid"] = "enc"; m["use"] = "enc" }),
		variant(func(m map[string]string) { m["kid"] = "rsa"; m["kty"] = "RSA" }),
		variant(func(m map[string]string) { m["kid"] = "p384"; m["crv"] = "P-384" }),
		variant(func(m map[string]string) { m["kid"] = "hs"; m["alg"] = "HS256" }),
		variant(func(m map[string]string) { m["kid"] = "short-x"; m["x"] = m["x"][:20] }),
		variant(func(m map[string]string) { m["kid"] = "off-curve"; m["y"] = m["x"] }),
		variant(func(m map[string]string) { delete(m, "kid") }),
		"not an object",
		good,
	}}
	b, _ := json.Marshal(set)
	keys, err := decodeJWKS(b)
	if err != nil {
		t.Fatalf("decodeJWKS: %v", err)
	}
	if len(keys) != 1 || keys["es"].alg != "ES256" {
		t.Fatalf("decoded %v, want only the good ES256 key", keys)
	}
	if _, err := decodeJWKS([]byte(`{"keys":`)); err == nil {
		t.Error("a truncated set decoded without error")
	}
}
