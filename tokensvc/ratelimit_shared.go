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
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	var wait time.Duration
	for _, c := range []struct {
		name  string
		limit int
	}{
		{clientCounter(clientID), l.s.cfg.AuthFailureLimit},
		{addressCounter(addr), l.s.cfg.AuthFailureIPLimit},
	} {
		if !l.checkDue(c.name) {
			continue
		}
		n, err := l.s.store.Count(ctx, c.name)
		if err != nil {
			l.s.log.WarnContext(ctx, "reading failed-authentication count", "err", err)
			continue
		}
		if n >= int64(c.limit) {
			wait = max(wait, l.block(c.name))
		}
	}
	if wait > 0 {
		l.s.metrics.authFailed(authRateLimited)
	}
	return wait
}

// checkDue reports whether the shared count of name should be read now,
// and if so notes that it is being read.
func (l *failureLimiter) checkDue(name string) bool {
	now := l.s.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if at, ok := l.checkedAt[name]; ok && now.Sub(at) < sharedCheckInterval {
		return false
	}
	if len(l.checkedAt) > 100_000 {
		clear(l.checkedAt) // bound memory under a flood of names
	}
	l.checkedAt[name] = now
	return true
}

// block remembers locally that name is blocked for a window and returns
// the wait.
func (l *failureLimiter) block(name string) time.Duration {
	window := l.s.cfg.AuthFailureWindow
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.blockedUntil) > 100_000 {
		clear(l.blockedUntil) // bound memory under a flood of names
	}
	l.blockedUntil[name] = l.s.cfg.Now().Add(window)
	return window
}

// writeRateLimited answers 429 (RFC 6585 §4) with Retry-After, in the
// RFC 6749 §5.2 error shape the OAuth2 endpoints use.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	writeOAuthError(w, oauthError{http.StatusTooManyRequests, "temporarily_unavailable",
		"too many failed client authentications; retry later"}, false)
}
