package gqlgateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/graphql-go/graphql"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// maxKeyPages bounds how many pages apiKeys follows (1,000 keys a page).
const maxKeyPages = 100

// resolvers carries what the built-in fields need to act for the caller.
type resolvers struct {
	tokens   *client.Client
	ids      *identityCache
	log      *slog.Logger
	warnings *throttle
	now      func() time.Time
	metrics  *metrics
}

// login is public: it never looks at the Authorization header. Each call
// counts in gqlgateway_logins_total, and a successful one puts the key's
// Client ID in the request's log line.
func (r *resolvers) login(p graphql.ResolveParams) (any, error) {
	tok, clientID, lerr := r.exchange(p)
	inc(r.metrics.logins, loginResult(lerr))
	if lerr != nil {
		return nil, lerr
	}
	infoFrom(p.Context).setClientID(clientID)
	return tok, nil
}

// exchange trades the login input for a token at the token service.
func (r *resolvers) exchange(p graphql.ResolveParams) (*client.TokenResponse, string, *Error) {
	in, _ := p.Args["loginInput"].(map[string]any)
	clientID, _ := in["clientId"].(string)
	secretID, _ := in["secretId"].(string)
	if clientID == "" || secretID == "" {
		return nil, "", NewError(CodeInvalidClient, "invalid client credentials")
	}
	tok, err := r.tokens.Token(p.Context, clientID, secretID, nil)
	if err != nil {
		if client.HasCode(err, "invalid_client") {
			return nil, "", NewError(CodeInvalidClient, "invalid client credentials")
		}
		return nil, "", r.serviceError(p.Context, "login", err)
	}
	return tok, clientID, nil
}

func (r *resolvers) viewer(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	return c.id, nil
}

func (r *resolvers) logout(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	if err := r.tokens.RevokeSelf(p.Context, c.token); err != nil {
		return nil, r.serviceError(p.Context, "logout", err)
	}
	// The revocation stream will say so too; forgetting now means this
	// gateway refuses the token from the very next request.
	r.ids.evictHash(client.TokenHash(c.token))
	return true, nil
}

func (r *resolvers) apiKeys(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	var keys []*client.Key
	cursor := ""
	for range maxKeyPages {
		page, err := r.tokens.ListAccountKeys(p.Context, c.token, 1000, cursor)
		if err != nil {
			return nil, r.serviceError(p.Context, "apiKeys", err)
		}
		for i := range page.Keys {
			keys = append(keys, &page.Keys[i])
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return keys, nil
}

func (r *resolvers) createAPIKey(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	in, _ := p.Args["input"].(map[string]any)
	name, _ := in["name"].(string)
	scopes := stringList(in["scopes"])
	k, err := r.tokens.CreateAccountKey(p.Context, c.token, name, scopes)
	if err != nil {
		return nil, r.serviceError(p.Context, "createApiKey", err)
	}
	return k, nil
}

func (r *resolvers) rotateAPIKey(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	clientID, _ := p.Args["clientId"].(string)
	grace, _ := p.Args["graceSeconds"].(int)
	if grace < 0 {
		return nil, NewError(CodeBadUserInput, "graceSeconds must not be negative")
	}
	k, err := r.tokens.RotateAccountKey(p.Context, c.token, clientID, grace)
	if err != nil {
		return nil, r.serviceError(p.Context, "rotateApiKey", err)
	}
	return k, nil
}

func (r *resolvers) deleteAPIKey(p graphql.ResolveParams) (any, error) {
	c, ok := callerFrom(p.Context)
	if !ok {
		return nil, NewError(CodeUnauthenticated, "a valid access token is required")
	}
	clientID, _ := p.Args["clientId"].(string)
	if err := r.tokens.DeleteAccountKey(p.Context, c.token, clientID); err != nil {
		return nil, r.serviceError(p.Context, "deleteApiKey", err)
	}
	return true, nil
}

// serviceError turns a token-service failure into an Error with a safe
// message. Refusals the caller can act on keep the service's own message
// (the client documents it as safe to show); anything else is logged here
// and shown only as an internal error.
func (r *resolvers) serviceError(ctx context.Context, op string, err error) *Error {
	var e *client.Error
	switch {
	case errors.Is(err, client.ErrUnavailable):
		if r.warnings.allow(r.now()) {
			r.log.WarnContext(ctx, "token service unavailable", "op", op, "err", err)
		}
		return NewError(CodeServiceUnavailable, "the token service is unavailable; try again")
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return NewError(CodeServiceUnavailable, "the request took too long; try again")
	case !errors.As(err, &e):
		r.log.ErrorContext(ctx, "token service call failed", "op", op, "err", err)
		return NewError(CodeInternal, "internal error")
	}
	msg := func(fallback string) string {
		if e.Message != "" {
			return truncate(e.Message, 300)
		}
		return fallback
	}
	switch e.Status {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A proxy in front of the token service could not reach it.
		return NewError(CodeServiceUnavailable, "the token service is unavailable; try again")
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return NewError(CodeBadUserInput, msg("invalid input"))
	case http.StatusUnauthorized:
		return NewError(CodeUnauthenticated, "the access token is no longer valid")
	case http.StatusForbidden:
		return NewError(CodeForbidden, msg("not allowed"))
	case http.StatusNotFound:
		return NewError(CodeNotFound, "no such key")
	case http.StatusConflict:
		return NewError(CodeConflict, msg("conflict"))
	case http.StatusTooManyRequests:
		return NewError(CodeRateLimited, "too many attempts; try again later")
	}
	r.log.ErrorContext(ctx, "token service refused a call", "op", op, "status", e.Status,
		"code", e.Code)
	return NewError(CodeInternal, "internal error")
}

func stringList(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
