package tokensvc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
)

// callerTTL is how long a verified introspection caller is trusted without
// reading its key again. Rotation and deletion on this instance, and their
// events from other instances, evict it earlier.
const callerTTL = 10 * time.Second

// callerCache remembers recently verified callers of introspection and the
// revocation stream, so a gateway's own key check does not cost a store
// read on every request.
type callerCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]callerEntry
}

type callerEntry struct {
	secretSum [32]byte
	key       store.Key
	until     time.Time
}

func newCallerCache(now func() time.Time) *callerCache {
	return &callerCache{now: now, entries: make(map[string]callerEntry)}
}

func (c *callerCache) get(clientID, secret string) (store.Key, bool) {
	sum := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	e, ok := c.entries[clientID]
	c.mu.Unlock()
	if !ok || c.now().After(e.until) {
		return store.Key{}, false
	}
	if subtle.ConstantTimeCompare(e.secretSum[:], sum[:]) != 1 {
		return store.Key{}, false
	}
	return e.key, true
}

func (c *callerCache) put(clientID, secret string, k store.Key) {
	sum := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10_000 {
		clear(c.entries) // a bound, not a policy: callers are a handful of gateways
	}
	c.entries[clientID] = callerEntry{secretSum: sum, key: k, until: c.now().Add(callerTTL)}
}

func (c *callerCache) forget(clientID string) {
	c.mu.Lock()
	delete(c.entries, clientID)
	c.mu.Unlock()
}

// authenticateCaller checks a caller's Client ID and Secret ID, from the
// cache when it was verified recently.
func (s *Service) authenticateCaller(ctx context.Context, clientID, secret string) (store.Key, error) {
	if k, ok := s.callers.get(clientID, secret); ok {
		return k, nil
	}
	k, err := s.authenticateKey(ctx, clientID, secret)
	if err != nil {
		return store.Key{}, err
	}
	s.callers.put(clientID, secret, k)
	return k, nil
}
