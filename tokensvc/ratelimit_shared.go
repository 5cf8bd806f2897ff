package tokensvc

import (
	"context"
	"net/http"
	"time"
)

// sharedCheckInterval bounds how stale an instance's view of the shared
// failure counts may be when it lets a correct authentication through: a
// limit reached through failures counted by other instances is enforced
// here within this interval. A wrong Secret ID needs no such check: its
// own count returns the shared total at once.
const sharedCheckInterval = time.Second

// sharedWait is asked once a Client ID and Secret ID have proven right,
// before a token or an introspection answer is given: it reports how long
// the caller must still wait because the shared counts of the Client ID or
// the address have reached their limits, counted on any instance (0: go
// ahead). It reads each count from the store at most once per
// sharedCheckInterval per instance, so a busy key or gateway costs no store
// call per request. A store fault lets the success through, as failure
// counting does: limits fail open, authentication never does.
func (l *failureLimiter) sharedWait(ctx context.Context, clientID, addr string) time.Duration {
	limits := [...]struct {
		c     counter
		limit int
	}{
		{clientCounter(clientID), l.s.cfg.AuthFailureLimit},
		{addressCounter(addr), l.s.cfg.AuthFailureIPLimit},
	}
	var wait time.Duration
	for _, lc := range limits {
		if !l.checkDue(lc.c) {
			continue
		}
		n, err := l.count(ctx, lc.c)
		if err != nil {
			l.s.log.WarnContext(ctx, "reading failed-authentication count", "err", err)
			continue
		}
		if n >= int64(lc.limit) {
			wait = max(wait, l.block(lc.c))
		}
	}
	if wait > 0 {
		l.s.metrics.authFailed(authRateLimited)
	}
	return wait
}

// count reads a shared count under its own deadline, apart from the
// request's: the request may end, the reading is still worth having.
func (l *failureLimiter) count(ctx context.Context, c counter) (int64, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return l.s.store.Count(ctx, c.name())
}

// checkDue reports whether the shared count of name should be read now,
// and if so notes that it is being read.
func (l *failureLimiter) checkDue(c counter) bool {
	now := l.s.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if at, ok := l.checkedAt[c]; ok && now.Sub(at) < sharedCheckInterval {
		return false
	}
	if len(l.checkedAt) > 100_000 {
		clear(l.checkedAt) // bound memory under a flood of names
	}
	l.checkedAt[c] = now
	return true
}

// block remembers locally that c is blocked for a window and returns the
// wait.
func (l *failureLimiter) block(c counter) time.Duration {
	window := l.s.cfg.AuthFailureWindow
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.blockedUntil) > 100_000 {
		clear(l.blockedUntil) // bound memory under a flood of names
	}
	l.blockedUntil[c] = l.s.cfg.Now().Add(window)
	return window
}

// writeRateLimited answers 429 (RFC 6585 §4) with Retry-After, in the
// RFC 6749 §5.2 error shape the OAuth2 endpoints use.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	writeOAuthError(w, oauthError{http.StatusTooManyRequests, "temporarily_unavailable",
		"too many failed client authentications; retry later"}, false)
}
