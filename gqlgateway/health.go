package gqlgateway

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the readiness probe's call to the token service.
const readyTimeout = 2 * time.Second

type healthBody struct {
	Status string `json:"status"`
}

// serveHealth says the process is up; it depends on nothing else.
func (g *Gateway) serveHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, healthBody{Status: "ok"})
}

// serveReady says whether the token service answers its own readiness
// probe: without it, nothing protected can be served.
func (g *Gateway) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := g.tokens.Ready(ctx); err != nil {
		g.log.WarnContext(ctx, "token service not ready", "err", err)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, r, http.StatusServiceUnavailable, healthBody{Status: "unavailable"})
		return
	}
	writeJSON(w, r, http.StatusOK, healthBody{Status: "ready"})
}
