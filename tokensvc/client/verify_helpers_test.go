package client

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://tokens.example"
	testAudience = "positive-action-api"
	testClientID = "760e8193-25ad-47b5-96fd-795371234567"
)

// testKey is a signing key the tests control, with its public JWK.
type testKey struct {
	kid    string
	method jwt.SigningMethod
	signer crypto.Signer
}

func newTestKey(t testing.TB, alg, kid string) *testKey {
	t.Helper()
	k := &testKey{kid: kid}
	var err error
	switch alg {
	case "ES256":
		k.method = jwt.SigningMethodES256
		k.signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		k.method = jwt.SigningMethodEdDSA
		_, k.signer, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("no test key for %s", alg)
	}
	if err != nil {
		t.Fatalf("generating %s key: %v", alg, err)
	}
	return k
}

// jwk is the public key as the token service publishes it.
func (k *testKey) jwk(t testing.TB) map[string]string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	switch pub := k.signer.Public().(type) {
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"kty": "EC", "crv": "P-256", "x": enc(raw[1:33]),
			"y": enc(raw[33:]), "kid": k.kid, "alg": "ES256", "use": "sig"}
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "crv": "Ed25519", "x": enc(pub),
			"kid": k.kid, "alg": "EdDSA", "use": "sig"}
	}
	t.Fatalf("unexpected key type %T", k.signer.Public())
	return nil
}

// sign signs claims with the key under an RFC 9068 header; edit may change
// the header first.
func (k *testKey) sign(t testing.TB, claims jwt.MapClaims, edit func(h map[string]any)) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = k.kid
	if edit != nil {
		edit(tok.Header)
	}
	s, err := tok.SignedString(k.signer)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

// goodClaims are the claims the token service puts in a token issued at now.
func goodClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer, "sub": testClientID, "aud": []string{testAudience},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"jti": "0b6b6f1e-4c1a-4d9e-9f3c-2b1f0e5d7a21", "client_id": testClientID,
		"scope": "api keys:manage", "account": "acme", "name": "Nightly export",
	}
}

// jwksServer serves a JWK Set the test can change, and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
	down    atomic.Bool
}

func newJWKSServer(t testing.TB, keys ...*testKey) *jwksServer {
	t.Helper()
	j := &jwksServer{}
	j.publish(t, keys...)
	j.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		j.fetches.Add(1)
		if j.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
	}))
	t.Cleanup(j.Close)
	return j
}

// publish replaces the served key set.
func (j *jwksServer) publish(t testing.TB, keys ...*testKey) {
	t.Helper()
	set := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		set = append(set, k.jwk(t))
	}
	j.mu.Lock()
	j.keys = set
	j.mu.Unlock()
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestVerifier verifies against j's keys on clock.
func newTestVerifier(t testing.TB, j *jwksServer, clock *fakeClock) *Verifier {
	t.Helper()
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Audience: testAudience,
		JWKSURL: j.URL, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// b64JSON encodes v as one unpadded base64url JWT segment.
func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
