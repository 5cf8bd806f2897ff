package tokensvc

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
)

// failureLimiter counts failed client authentications per Client ID and
// per source address in the store, so every instance shares the counts.
// Each instance remembers locally which names are blocked. It learns of a
// limit reached elsewhere from the shared count its next failure returns
// (that failure is answered 429), and, before letting a correct
// authentication through, from the shared counts read at most once per
// sharedCheckInterval (ratelimit_shared.go).
type failureLimiter struct {
	s            *Service
	mu           sync.Mutex
	blockedUntil map[counter]time.Time
	checkedAt    map[counter]time.Time // last read of a shared count for a success
}

func newFailureLimiter(s *Service) *failureLimiter {
	return &failureLimiter{s: s, blockedUntil: make(map[counter]time.Time),
		checkedAt: make(map[counter]time.Time)}
}

// counter is one failure count: of a Client ID or of an address. The
// limiter's maps are keyed by it, so the success path, which only looks
// them up, builds no store name.
type counter struct {
	address bool
	id      string
}

func clientCounter(id string) counter { return counter{id: id} }
func addressCounter(a string) counter { return counter{address: true, id: a} }

// name is the count's name in the store.
func (c counter) name() string {
	if c.address {
		return "authfail:addr:" + c.id
	}
	return "authfail:client:" + c.id
}

// blocked returns how long the client or address must still wait (0: not
// blocked).
func (l *failureLimiter) blocked(clientID, addr string) time.Duration {
	now := l.s.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, c := range [...]counter{clientCounter(clientID), addressCounter(addr)} {
		until, ok := l.blockedUntil[c]
		if !ok {
			continue
		}
		if now.After(until) {
			delete(l.blockedUntil, c)
			continue
		}
		wait = max(wait, until.Sub(now))
	}
	if wait > 0 {
		l.s.metrics.authFailed(authRateLimited) // every caller answers 429
	}
	return wait
}

// failed counts one failure for the Client ID (when known) and the address.
// It returns how long the caller must wait when this failure went past a
// limit already reached through other instances' counts (answer 429, not
// 401), else 0. A store fault is logged, not answered: limiting fails
// open, while the authentication itself never does.
func (l *failureLimiter) failed(ctx context.Context, clientID, addr string) time.Duration {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	window := l.s.cfg.AuthFailureWindow
	var over time.Duration
	check := func(c counter, limit int) {
		n, err := l.s.store.Incr(ctx, c.name(), window)
		if err != nil {
			l.s.log.WarnContext(ctx, "counting failed authentication", "err", err)
			return
		}
		if n >= int64(limit) {
			wait := l.block(c)
			if n > int64(limit) {
				over = wait
			}
		}
	}
	if clientID != "" && len(clientID) <= 100 {
		check(clientCounter(clientID), l.s.cfg.AuthFailureLimit)
	}
	check(addressCounter(addr), l.s.cfg.AuthFailureIPLimit)
	return over
}

// clientAddr is the caller's address: the peer, or, when the peer is a
// trusted proxy, the nearest untrusted address in X-Forwarded-For.
func (s *Service) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Service) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// lastUsedResolution is how stale LastUsedAt may get: a busy key costs one
// extra write per this interval, not one per token.
const lastUsedResolution = time.Minute

// noteKeyUsed refreshes the key's last-used time when it is stale.
func (s *Service) noteKeyUsed(ctx context.Context, k store.Key) {
	now := s.now()
	if k.ClientID == "" || now.Sub(k.LastUsedAt) < lastUsedResolution ||
		!s.keys.claimTouch(k.ClientID, now) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := s.store.TouchKey(ctx, k.ClientID, now); err != nil {
		s.log.WarnContext(ctx, "recording key use", "client_id", k.ClientID, "err", err)
	}
}
