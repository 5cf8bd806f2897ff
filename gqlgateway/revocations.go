package gqlgateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// Reconnection backoff of the revocation stream.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// errStreamSilent is the cause given when the stream said nothing, not even
// a ping, for longer than the silence window.
var errStreamSilent = errors.New("revocation stream fell silent")

// followRevocations keeps the revocation stream open until ctx ends. While
// it is down the cache is not trusted; each reconnection waits a little
// longer, up to maxBackoff, and a stream that reached its ready event
// starts the backoff over.
func (g *Gateway) followRevocations(ctx context.Context) {
	backoff := minBackoff
	down := false
	for ctx.Err() == nil {
		ready, err := g.followStream(ctx)
		g.ids.setStreamUp(false)
		if ctx.Err() != nil {
			return
		}
		if ready {
			backoff = minBackoff
		}
		if !down || ready {
			g.log.WarnContext(ctx, "revocation stream lost; introspecting every request",
				"err", err)
		}
		down = true
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		g.metrics.reconnects.Inc()
		backoff = min(backoff*2, maxBackoff)
	}
}

// followStream reads one connection of the stream until it fails, falls
// silent or ctx ends, and says whether it got as far as the ready event.
func (g *Gateway) followStream(ctx context.Context) (bool, error) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(g.cfg.StreamSilence, func() { cancel(errStreamSilent) })
	defer watchdog.Stop()

	stream, err := g.tokens.Revocations(sctx, g.cfg.ClientID, g.cfg.ClientSecret)
	if err != nil {
		return false, streamErr(sctx, err)
	}
	defer stream.Close()
	ready := false
	for {
		ev, err := stream.Next()
		if err != nil {
			return ready, streamErr(sctx, err)
		}
		// Until the ready event, nothing else proves the stream is usable.
		if ready || ev.Type == client.EventReady {
			watchdog.Reset(g.cfg.StreamSilence)
		}
		switch ev.Type {
		case client.EventReady:
			// Whatever was revoked while we were away is unknown: start
			// from an empty cache, then trust it again.
			g.ids.flush()
			g.ids.alive()
			g.ids.setStreamUp(true)
			if !ready {
				g.log.InfoContext(ctx, "revocation stream ready")
			}
			ready = true
		case client.EventRevoked:
			g.applyRevocation(ev.Revocation)
			g.ids.alive()
		default:
			if ready {
				g.ids.alive()
			}
		}
	}
}

// applyRevocation evicts what a revoked event names.
func (g *Gateway) applyRevocation(r client.Revocation) {
	switch {
	case r.TokenHash != "":
		inc(g.metrics.revocations, revokedToken)
	case r.ClientID != "":
		inc(g.metrics.revocations, revokedKey)
	case r.Account != "":
		inc(g.metrics.revocations, revokedAccount)
	}
	if r.TokenHash != "" {
		g.ids.evictHash(r.TokenHash)
	}
	if r.ClientID != "" || r.Account != "" {
		g.ids.evictIssuedBefore(r.ClientID, r.Account, r.NotBefore)
	}
}

// streamErr prefers the reason the stream's context ended, if it did.
func streamErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return fmt.Errorf("%w (%w)", cause, err)
	}
	return err
}
