package client

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxJWKSBody bounds a fetched key set; the token service's is under 1 KiB.
const maxJWKSBody = 256 << 10

// publicKey is one verification key of the JWKS and the only algorithm it
// may verify.
type publicKey struct {
	alg string
	key crypto.PublicKey
}

// jwksCache holds the token service's public keys by key ID. A set is used
// for maxAge after it was fetched; an unknown key ID or an old set causes a
// fetch, at most one every minRefetch, so tokens with made-up key IDs
// cannot turn the verifier into a flood of requests to the token service.
type jwksCache struct {
	url        string
	http       *http.Client
	now        func() time.Time
	maxAge     time.Duration
	minRefetch time.Duration

	fetchMu sync.Mutex // one fetch at a time

	mu        sync.Mutex
	keys      map[string]publicKey
	fetchedAt time.Time // of the set in keys; zero before the first success
	triedAt   time.Time // of the last attempt, successful or not
	gen       uint64    // counts successful fetches
	lastErr   error
}

// lookup returns the key named kid, fetching the set when it is too old or
// does not hold kid. Errors wrap ErrInvalidToken (no such key) or
// ErrUnavailable (no usable set).
func (c *jwksCache) lookup(ctx context.Context, kid string) (publicKey, error) {
	c.mu.Lock()
	k, ok := c.keys[kid]
	fresh := c.freshLocked()
	gen := c.gen
	c.mu.Unlock()
	if ok && fresh {
		return k, nil
	}
	if err := c.refresh(ctx, gen); err != nil {
		return publicKey{}, err
	}
	c.mu.Lock()
	k, ok = c.keys[kid]
	c.mu.Unlock()
	if !ok {
		return publicKey{}, fmt.Errorf("%w: the JWKS has no key %q", ErrInvalidToken,
			clip(kid, 64))
	}
	return k, nil
}

// freshLocked reports whether the held set may be used without fetching.
func (c *jwksCache) freshLocked() bool {
	return !c.fetchedAt.IsZero() && c.now().Sub(c.fetchedAt) < c.maxAge
}

// refresh fetches the set unless a fetch succeeded since gen was read, or
// the last attempt is under minRefetch old. When it does not fetch, it
// fails only if the held set is not fresh.
func (c *jwksCache) refresh(ctx context.Context, gen uint64) error {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return nil // another caller fetched meanwhile
	}
	if !c.triedAt.IsZero() && c.now().Sub(c.triedAt) < c.minRefetch {
		fresh, last := c.freshLocked(), c.lastErr
		c.mu.Unlock()
		if fresh {
			return nil
		}
		if last == nil {
			last = errors.New("no fresh key set")
		}
		return fmt.Errorf("%w: JWKS: %w", ErrUnavailable, last)
	}
	c.triedAt = c.now()
	c.mu.Unlock()

	keys, err := c.fetch(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.lastErr = err
		return fmt.Errorf("%w: fetching the JWKS: %w", ErrUnavailable, err)
	}
	c.keys, c.fetchedAt, c.lastErr = keys, c.now(), nil
	c.gen++
	return nil
}

func (c *jwksCache) fetch(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(body) > maxJWKSBody {
		return nil, fmt.Errorf("the key set is over %d bytes", maxJWKSBody)
	}
	return decodeJWKS(body)
}

// jwk is the part of a JSON Web Key (RFC 7517 §4) a verifier needs.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// decodeJWKS reads a JWK Set (RFC 7517 §5). Keys this verifier cannot use
// (other types or curves, encryption keys, no key ID) are left out rather
// than failing the set; a key ID used twice keeps its first key.
func decodeJWKS(body []byte) (map[string]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the key set is not JWKS JSON: %w", err)
	}
	out := make(map[string]publicKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jwk
		if json.Unmarshal(raw, &k) != nil || k.Kid == "" {
			continue
		}
		if _, dup := out[k.Kid]; dup {
			continue
		}
		if pk, err := k.publicKey(); err == nil {
			out[k.Kid] = pk
		}
	}
	return out, nil
}

// publicKey decodes an EC P-256 key (ES256) or an Ed25519 key (EdDSA),
// checking that the point is on its curve.
func (k jwk) publicKey() (publicKey, error) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, fmt.Errorf("key use %q", k.Use)
	}
	switch {
	case k.Kty == "EC" && k.Crv == "P-256" && (k.Alg == "" || k.Alg == "ES256"):
		x, errX := decodeCoordinate(k.X, 32)
		y, errY := decodeCoordinate(k.Y, 32)
		if err := errors.Join(errX, errY); err != nil {
			return publicKey{}, err
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			return publicKey{}, fmt.Errorf("EC key: %w", err)
		}
		return publicKey{alg: "ES256", key: pub}, nil
	case k.Kty == "OKP" && k.Crv == "Ed25519" && (k.Alg == "" || k.Alg == "EdDSA"):
		x, err := decodeCoordinate(k.X, ed25519.PublicKeySize)
		if err != nil {
			return publicKey{}, err
		}
		return publicKey{alg: "EdDSA", key: ed25519.PublicKey(x)}, nil
	}
	return publicKey{}, fmt.Errorf("unsupported key kty=%q crv=%q alg=%q",
		clip(k.Kty, 16), clip(k.Crv, 16), clip(k.Alg, 16))
}

// decodeCoordinate decodes an unpadded base64url value of exactly n bytes
// (RFC 7518 §6.2.1.2 fixes the length of EC coordinates).
func decodeCoordinate(s string, n int) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("key coordinate: %w", err)
	}
	if len(b) != n {
		return nil, fmt.Errorf("key coordinate is %d bytes, want %d", len(b), n)
	}
	return b, nil
}

// clip shortens a value taken from untrusted input before it is quoted in
// an error.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
