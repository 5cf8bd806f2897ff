package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// forgeries are tokens for k crafted against s, most signed with the
// service's own key, none ever issued by it.
func forgeries(t *testing.T, s *faultStack, k keyPair) map[string]string {
	t.Helper()
	base := func(edit func(c jwt.MapClaims)) jwt.MapClaims {
		c := s.claimsFor(k, "acme")
		if edit != nil {
			edit(c)
		}
		return c
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&s.signer.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256 := jwt.NewWithClaims(jwt.SigningMethodHS256, base(nil))
	hs256.Header["typ"] = "at+jwt"
	hmacSigned, err := hs256.SignedString(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	strangerSigned, _ := jwt.NewWithClaims(jwt.SigningMethodES256, base(nil)).SignedString(stranger)
	real := s.forge(t, base(nil), nil)
	parts := strings.Split(real, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`))
	now := time.Now()
	claim := func(name string, v any) string {
		return s.forge(t, base(func(c jwt.MapClaims) { c[name] = v }), nil)
	}
	newClaims := base64.RawURLEncoding.EncodeToString(
		[]byte(`{"client_id":"` + k.ClientID + `","scope":"keys:manage"}`))
	return map[string]string{
		"alg none":                 none + "." + parts[1] + ".",
		"HS256 keyed with the PEM": hmacSigned,
		"unknown key":              strangerSigned,
		"real key, never issued":   real,
		"real key, typ JWT": s.forge(t, base(nil),
			func(h map[string]any) { h["typ"] = "JWT" }),
		"real key, wrong issuer":     claim("iss", "https://x"),
		"real key, wrong audience":   claim("aud", "other"),
		"real key, expired":          claim("exp", now.Add(-time.Hour).Unix()),
		"real key, not yet valid":    claim("nbf", now.Add(time.Hour).Unix()),
		"real signature, new claims": parts[0] + "." + newClaims + "." + parts[2],
	}
}

// TestForgedTokensAreRefusedEverywhere presents forged tokens to the token
// service (introspection, account REST), the gateway and the offline
// verifier of tokensvc/client: none is ever accepted. Then it replaces the
// service's signing key and checks that tokens of the removed key are
// refused too.
func TestForgedTokensAreRefusedEverywhere(t *testing.T) {
	s := newFaultStack(t)
	k := s.svc.createKey(t, "acme", "Target", "api", "keys:manage")
	good := s.svc.token(t, k)
	verifier, err := client.NewVerifier(client.VerifierConfig{Issuer: s.svc.url,
		Audience: "positive-action-api"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.Verify(t.Context(), good); err != nil {
		t.Fatalf("the verifier refuses a real token: %v", err)
	}
	refusedEverywhere := func(t *testing.T, tok string, offline bool) {
		t.Helper()
		if s.svc.active(t, s.gwKey, tok) {
			t.Error("introspection says active")
		}
		r := must(t, sendJSON(http.MethodGet, s.svc.url+"/account/keys", tok, nil))
		if r.status != 401 {
			t.Errorf("account REST answered %d, want 401", r.status)
		}
		for _, q := range []string{viewerQuery, `{ apiKeys { clientId } }`} {
			if r := must(t, graphql(s.gw.url, tok, q, nil)); r.status != 401 {
				t.Errorf("gateway %s answered %d, want 401: %s", q, r.status, clipBody(r.body))
			}
		}
		_, err := verifier.Verify(t.Context(), tok)
		if offline && !errors.Is(err, client.ErrInvalidToken) {
			t.Errorf("the offline verifier said %v, want ErrInvalidToken", err)
		}
	}
	for name, tok := range forgeries(t, s, k) {
		// "real key, never issued" is a correctly signed token: only the
		// record decides, and the offline verifier cannot know.
		offline := name != "real key, never issued"
		t.Run(name, func(t *testing.T) { refusedEverywhere(t, tok, offline) })
	}

	// Replace the signing key: the JWKS no longer lists the old one.
	oldSigned := s.forge(t, s.claimsFor(k, "acme"), nil)
	s.svc.kill()
	s.keyFile, s.signer = writeSigningKey(t)
	s.svc.env = append(s.svc.env, "TOKENSVC_SIGNING_KEY_FILE="+s.keyFile)
	s.svc.start()
	t.Run("signed by a key removed from the JWKS", func(t *testing.T) {
		fresh, _ := client.NewVerifier(client.VerifierConfig{Issuer: s.svc.url,
			Audience: "positive-action-api"})
		verifier = fresh
		refusedEverywhere(t, oldSigned, true)
	})
	t.Run("a real token of the removed key", func(t *testing.T) {
		// Issued and recorded by this service: introspection keeps it
		// active until it expires or is revoked; offline verifiers drop it
		// with its key (docs/hardening.md).
		if !s.svc.active(t, s.gwKey, good) {
			t.Error("introspection no longer accepts a recorded token")
		}
		if _, err := verifier.Verify(t.Context(), good); !errors.Is(err, client.ErrInvalidToken) {
			t.Errorf("the offline verifier accepts a token of a removed key: %v", err)
		}
	})
}
