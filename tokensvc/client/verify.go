package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is wrapped by every refusal of Verifier.Verify: a token
// that is malformed, signed with another algorithm or key, of the wrong
// type, for another issuer or audience, expired or not yet valid. Callers
// answer it with 401 and error="invalid_token" (RFC 6750 §3.1).
var ErrInvalidToken = errors.New("invalid access token")

// Defaults of VerifierConfig.
const (
	DefaultVerifyLeeway   = 10 * time.Second
	DefaultJWKSCacheTTL   = 5 * time.Minute
	DefaultJWKSMinRefetch = 10 * time.Second
)

const (
	maxVerifyLeeway     = 5 * time.Minute
	maxVerifiedTokenLen = 8192
	jwksPath            = "/.well-known/jwks.json"
	jwksFetchTimeout    = 5 * time.Second
)

// VerifierConfig configures a Verifier. Issuer and Audience are required;
// zero values of the other fields pick the documented defaults.
type VerifierConfig struct {
	// Issuer is the token service's issuer (TOKENSVC_ISSUER), compared
	// exactly with the iss claim.
	Issuer string
	// Audience must be one of the token's aud values (TOKENSVC_AUDIENCE).
	Audience string
	// JWKSURL is where the public keys are fetched. Zero: the Issuer
	// followed by /.well-known/jwks.json, where the token service serves
	// them.
	JWKSURL string
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero: 10s; at
	// most 5 minutes.
	Leeway time.Duration
	// CacheTTL is how long a fetched key set is used before it is fetched
	// again, so a key removed from the JWKS stops verifying within it.
	// Zero: 5 minutes (the JWKS's own max-age).
	CacheTTL time.Duration
	// MinRefetch is the least time between two fetches, whatever key IDs
	// the presented tokens name. Zero: 10 seconds.
	MinRefetch time.Duration
	// HTTPClient fetches the key set. Zero: a client with a 5-second timeout.
	HTTPClient *http.Client
	// Now is the clock. Zero: time.Now.
	Now func() time.Time
}

// Verifier checks access tokens offline, with the token service's JWKS, as
// resource servers may (SPEC: they then learn of a revocation only when the
// token expires). It accepts only RFC 9068 access tokens (typ at+jwt)
// signed with ES256 or EdDSA by a key of the JWKS, naming that key, from
// the configured issuer, for the configured audience, with exp, iat, sub,
// client_id and jti present and the times valid. It is safe for concurrent
// use.
type Verifier struct {
	cfg    VerifierConfig
	keys   *jwksCache
	parser *jwt.Parser
}

// Claims are the claims of a verified access token (RFC 9068 §2.2 and the
// token service's own account and name).
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time // zero when the token has no nbf
	ID        string    // jti
	ClientID  string
	Scope     string // space-separated
	Account   string
	Name      string // the Name of the key the token was issued to
}

// Scopes splits Scope into its values.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// HasScope reports whether the token was granted scope.
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes(), scope) }

// NewVerifier returns a Verifier for cfg. It fetches nothing until the
// first token arrives.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("verifier: Issuer and Audience are required")
	}
	if cfg.Leeway < 0 || cfg.Leeway > maxVerifyLeeway {
		return nil, fmt.Errorf("verifier: Leeway %s is outside 0 to %s", cfg.Leeway,
			maxVerifyLeeway)
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimRight(cfg.Issuer, "/") + jwksPath
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultVerifyLeeway
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultJWKSCacheTTL
	}
	if cfg.MinRefetch <= 0 {
		cfg.MinRefetch = DefaultJWKSMinRefetch
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: jwksFetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg}
	v.keys = &jwksCache{url: cfg.JWKSURL, http: cfg.HTTPClient, now: cfg.Now,
		maxAge: cfg.CacheTTL, minRefetch: cfg.MinRefetch}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{"ES256", "EdDSA"}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithStrictDecoding(),
	)
	return v, nil
}

// Verify checks token and returns its claims. A refusal wraps
// ErrInvalidToken; a key set that cannot be fetched wraps ErrUnavailable
// (answer 503, not 401: the token may be fine). Error texts never hold the
// token.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxVerifiedTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxVerifiedTokenLen)
	}
	var wire wireClaims
	var keyErr error
	_, err := v.parser.ParseWithClaims(token, &wire, func(t *jwt.Token) (any, error) {
		k, err := v.keyFor(ctx, t)
		keyErr = err
		return k, err
	})
	switch {
	case errors.Is(keyErr, ErrUnavailable):
		return nil, keyErr
	case errors.Is(keyErr, ErrInvalidToken):
		return nil, keyErr
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return wire.claims(), nil
}

// keyFor checks the header (typ, kid, no crit) and returns the key it
// names, which must be a key for the token's algorithm. The parser has
// already refused any algorithm but ES256 and EdDSA.
func (v *Verifier) keyFor(ctx context.Context, t *jwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !isAccessTokenType(typ) {
		return nil, fmt.Errorf("%w: typ %q is not at+jwt (RFC 9068 §2.1)", ErrInvalidToken,
			clip(typ, 32))
	}
	if _, ok := t.Header["crit"]; ok {
		return nil, fmt.Errorf("%w: critical header extensions are not understood",
			ErrInvalidToken)
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, fmt.Errorf("%w: no kid in the header", ErrInvalidToken)
	}
	k, err := v.keys.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	if k.alg != t.Method.Alg() {
		return nil, fmt.Errorf("%w: key %q is for %s, not %s", ErrInvalidToken, clip(kid, 64),
			k.alg, t.Method.Alg())
	}
	return k.key, nil
}

// isAccessTokenType compares typ as RFC 8725 §3.11 and RFC 9068 §2.1 ask:
// case-insensitively, with or without the application/ prefix.
func isAccessTokenType(typ string) bool {
	return strings.EqualFold(typ, "at+jwt") || strings.EqualFold(typ, "application/at+jwt")
}

// wireClaims are the claims as they travel; Validate adds the RFC 9068
// §2.2 requirements golang-jwt does not check itself.
type wireClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Account  string `json:"account"`
	Name     string `json:"name"`
}

// Validate requires iat, sub, client_id and jti, and sub equal to
// client_id, as the token service issues them.
func (w *wireClaims) Validate() error {
	switch {
	case w.IssuedAt == nil:
		return errors.New("the token has no iat")
	case w.Subject == "" || w.ClientID == "" || w.ID == "":
		return errors.New("the token lacks sub, client_id or jti")
	case w.Subject != w.ClientID:
		return errors.New("sub and client_id differ")
	}
	return nil
}

func (w *wireClaims) claims() *Claims {
	c := &Claims{
		Issuer:    w.Issuer,
		Subject:   w.Subject,
		Audience:  slices.Clone([]string(w.Audience)),
		ExpiresAt: w.ExpiresAt.Time.UTC(),
		IssuedAt:  w.IssuedAt.Time.UTC(),
		ID:        w.ID,
		ClientID:  w.ClientID,
		Scope:     w.Scope,
		Account:   w.Account,
		Name:      w.Name,
	}
	if w.NotBefore != nil {
		c.NotBefore = w.NotBefore.Time.UTC()
	}
	return c
}
