package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify feeds the verifier arbitrary token strings. Whatever comes in,
// it must not panic, must refuse with ErrInvalidToken (its JWKS is up), and
// anything it accepts must carry the configured issuer and audience, a
// client, and times that hold.
func FuzzVerify(f *testing.F) {
	e := newVerifyEnv(f)
	good := e.es.sign(f, goodClaims(e.now), nil)
	parts := strings.Split(good, ".")
	for _, seed := range []string{
		good,
		e.ed.sign(f, goodClaims(e.now), nil),
		e.stranger.sign(f, goodClaims(e.now), nil),
		e.es.sign(f, e.with(func(c jwt.MapClaims) { c["aud"] = "x" }), nil),
		b64JSON(f, map[string]any{"alg": "none", "typ": "at+jwt", "kid": "es-key"}) + "." +
			parts[1] + ".",
		parts[0] + "." + parts[1] + ".",
		"", ".", "..", "a.b.c", strings.Repeat("A", 100),
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		c, err := e.v.Verify(ctx, token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("refused with %v, want ErrInvalidToken", err)
			}
			return
		}
		now := e.clock.Now()
		switch {
		case c.Issuer != testIssuer, !slices.Contains(c.Audience, testAudience),
			c.ClientID == "", c.Subject != c.ClientID, c.ID == "",
			!c.ExpiresAt.After(now.Add(-DefaultVerifyLeeway)),
			c.IssuedAt.After(now.Add(DefaultVerifyLeeway)),
			c.NotBefore.After(now.Add(DefaultVerifyLeeway)):
			t.Fatalf("accepted a token with claims %+v", c)
		}
	})
}

// FuzzDecodeJWKS feeds the key-set decoder arbitrary bytes: no panic, and
// every key it keeps is a P-256 or Ed25519 public key bound to its
// algorithm.
func FuzzDecodeJWKS(f *testing.F) {
	es, ed := newTestKey(f, "ES256", "es"), newTestKey(f, "EdDSA", "ed")
	set, _ := json.Marshal(map[string]any{"keys": []any{es.jwk(f), ed.jwk(f)}})
	f.Add(set)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"b","x":"AAAA"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := decodeJWKS(body)
		if err != nil {
			return
		}
		for kid, k := range keys {
			switch pub := k.key.(type) {
			case *ecdsa.PublicKey:
				if k.alg != "ES256" || pub.Curve.Params().Name != "P-256" {
					t.Fatalf("key %q: EC key kept for %s", kid, k.alg)
				}
			case ed25519.PublicKey:
				if k.alg != "EdDSA" || len(pub) != ed25519.PublicKeySize {
					t.Fatalf("key %q: Ed25519 key kept for %s", kid, k.alg)
				}
			default:
				t.Fatalf("key %q of type %T kept", kid, k.key)
			}
		}
	})
}
