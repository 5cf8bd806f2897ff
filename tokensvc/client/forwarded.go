package client

import (
	"context"
	"net/http"
)

type forwardedForKey struct{}

// WithForwardedFor returns a context whose token-service calls carry
// X-Forwarded-For: chain. A gateway passes its end client's address chain
// this way, so the token service's per-address limit on failed
// authentications (and its audit trail) sees the end client rather than
// the gateway. The token service believes the header only from the
// addresses in TOKENSVC_TRUSTED_PROXIES.
func WithForwardedFor(ctx context.Context, chain string) context.Context {
	if chain == "" {
		return ctx
	}
	return context.WithValue(ctx, forwardedForKey{}, chain)
}

// setForwardedFor copies the chain from the request's context, if any.
func setForwardedFor(req *http.Request) {
	if chain, ok := req.Context().Value(forwardedForKey{}).(string); ok {
		req.Header.Set("X-Forwarded-For", chain)
	}
}
