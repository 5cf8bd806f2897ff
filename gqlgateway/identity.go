package gqlgateway

import (
	"context"
	"slices"
	"time"
)

// Identity is the caller behind a bearer token, as introspection described
// it. Resolvers of protected fields read it with IdentityFrom; the gateway
// has already checked that the token is active and holds the field's scopes.
type Identity struct {
	// ClientID is the Client ID of the key the token was issued to.
	ClientID string
	// Name is that key's Name.
	Name string
	// Account owns the key: the tenant boundary.
	Account string
	// Scopes are the scopes granted to the token.
	Scopes []string
	// IssuedAt and ExpiresAt bound the token's life (second precision).
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// HasScope reports whether the token was granted scope.
func (id *Identity) HasScope(scope string) bool { return slices.Contains(id.Scopes, scope) }

// caller is what the gateway keeps in a request's context: the identity and
// the raw token, which only the gateway's own resolvers use to act as the
// caller against the token service (it is never shown to other code).
type caller struct {
	id    *Identity
	token string
}

type callerKey struct{}

func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) (*caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*caller)
	return c, ok && c != nil
}

// IdentityFrom returns the caller's identity inside a resolver of a
// protected field. It reports false in public fields (such as login), where
// the gateway did not look at the token at all. The copy is the caller's to
// keep: changing it does not touch the gateway's cache.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	c, ok := callerFrom(ctx)
	if !ok {
		return Identity{}, false
	}
	id := *c.id
	id.Scopes = slices.Clone(id.Scopes)
	return id, true
}
