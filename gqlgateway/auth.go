package gqlgateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// errInactive means the token service says the token is not active.
var errInactive = errors.New("token is not active")

// Challenges of RFC 6750 §3. A request that sent no bearer token gets the
// bare one, with no error code (§3.1).
const (
	challengeNone         = `Bearer`
	challengeInvalidToken = `Bearer error="invalid_token"`
)

// bearerToken takes the token from the Authorization header: "Bearer <t>"
// (RFC 6750 §2.1, scheme case-insensitive) or, as the product allows, a bare
// "<t>". sent is false when no bearer credential was offered at all (no
// header, or another scheme such as Basic).
func bearerToken(h http.Header) (token string, sent bool, ok bool) {
	values := h.Values("Authorization")
	if len(values) == 0 {
		return "", false, false
	}
	if len(values) > 1 {
		return "", true, false
	}
	v := strings.TrimSpace(values[0])
	if v == "" {
		return "", false, false
	}
	scheme, rest, hasSpace := strings.Cut(v, " ")
	if !hasSpace {
		if strings.EqualFold(v, "Bearer") {
			return "", true, false // the scheme without its token
		}
		return v, true, true // a bare token
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false, false
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.ContainsAny(rest, " \t") {
		return "", true, false
	}
	return rest, true, true
}

// authenticate decides, before execution, whether the request may run the
// protected fields it selects, and returns the caller to put in context.
func (g *Gateway) authenticate(ctx context.Context, h http.Header,
	scopes []string) (*caller, *requestError) {
	token, sent, ok := bearerToken(h)
	if !sent {
		return nil, reqErr(http.StatusUnauthorized, CodeUnauthenticated,
			"this operation needs an access token").with("WWW-Authenticate", challengeNone)
	}
	invalid := reqErr(http.StatusUnauthorized, CodeUnauthenticated,
		"the access token is invalid, expired or revoked").
		with("WWW-Authenticate", challengeInvalidToken)
	if !ok || !looksLikeAccessToken(token) {
		return nil, invalid
	}
	id, err := g.identify(ctx, token)
	switch {
	case errors.Is(err, errInactive):
		return nil, invalid
	case err != nil:
		if g.warnings.allow(g.now()) {
			g.log.WarnContext(ctx, "cannot check a token", "err", err)
		}
		return nil, unavailable()
	}
	for _, s := range scopes {
		if !id.HasScope(s) {
			challenge := fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s"`,
				strings.Join(scopes, " "))
			return nil, reqErr(http.StatusForbidden, CodeForbidden,
				"the access token lacks the scope %s", s).with("WWW-Authenticate", challenge)
		}
	}
	return &caller{id: id, token: token}, nil
}

// identify returns the identity behind token: from the cache when it may be
// trusted, else from one introspection shared by concurrent requests.
func (g *Gateway) identify(ctx context.Context, token string) (*Identity, error) {
	hash := client.TokenHash(token)
	id, inactive, epoch := g.ids.lookup(hash)
	switch {
	case inactive:
		inc(g.metrics.cacheLookups, cacheNegativeHit)
		return nil, errInactive
	case id != nil:
		inc(g.metrics.cacheLookups, cacheHit)
		if !g.now().Before(id.ExpiresAt) {
			return nil, errInactive
		}
		return id, nil
	}
	inc(g.metrics.cacheLookups, cacheMiss)
	return g.flights.do(ctx, hash, func() (*Identity, error) {
		// Detached from the first caller's cancellation, since others may
		// wait on this answer; bounded by its own timeout instead.
		ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.cfg.IntrospectTimeout)
		defer cancel()
		start := time.Now()
		in, err := g.tokens.Introspect(ictx, g.cfg.ClientID, g.cfg.ClientSecret, token)
		if err != nil {
			g.metrics.observeIntrospection(introspectError, time.Since(start))
			return nil, fmt.Errorf("introspection: %w", err)
		}
		now := g.now()
		if !in.Active || in.Exp <= now.Unix() {
			g.metrics.observeIntrospection(introspectInactive, time.Since(start))
			g.ids.storeInactive(hash)
			return nil, errInactive
		}
		g.metrics.observeIntrospection(introspectActive, time.Since(start))
		id := &Identity{
			ClientID:  in.ClientID,
			Name:      in.Name,
			Account:   in.Account,
			Scopes:    in.Scopes(),
			IssuedAt:  time.Unix(in.Iat, 0).UTC(),
			ExpiresAt: in.ExpiresAt(),
		}
		g.ids.storeActive(hash, id, epoch)
		return id, nil
	})
}

// unavailable is the answer while the token service cannot be asked: never
// let a protected operation through on a guess.
func unavailable() *requestError {
	return reqErr(http.StatusServiceUnavailable, CodeServiceUnavailable,
		"the token service is unavailable; try again").with("Retry-After", "1")
}
