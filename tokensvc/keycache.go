package tokensvc

import (
	"context"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
)

// keyCacheTTL bounds how long a key read from the store is used for client
// authentication (token endpoint, introspection, revocation, stream)
// without being read again. Rotation and deletion evict it at once on the
// instance that made them and, through the store's revocation events, on
// every other instance within the event's delivery time; the TTL is the
// bound when an event is lost without the subscription noticing.
const keyCacheTTL = 5 * time.Second

// keyCacheSize bounds the cached keys; past it an arbitrary entry makes
// room, so a flood of Client IDs cannot grow memory.
const keyCacheSize = 10_000

// keyCache holds recently read keys so a busy key costs one store read per
// keyCacheTTL instead of one per request. Secrets are still checked on
// every request against the cached key's digests.
//
// It is used only while the instance's revocation subscription is up
// (setLive): events missed while it was down could have rotated or deleted
// any key, so every change of state empties it. Fills carry the generation
// they started in; one that raced an eviction is dropped, so a read that
// began before a rotation cannot put the old secret back.
type keyCache struct {
	now func() time.Time

	mu      sync.RWMutex
	live    bool
	gen     uint64
	entries map[string]keyEntry
}

type keyEntry struct {
	key   store.Key
	until time.Time
}

func newKeyCache(now func() time.Time) *keyCache {
	return &keyCache{now: now, entries: make(map[string]keyEntry)}
}

// get returns a fresh cached key.
func (c *keyCache) get(clientID string) (store.Key, bool) {
	c.mu.RLock()
	e, ok := c.entries[clientID]
	live := c.live
	c.mu.RUnlock()
	if !ok || !live || !c.now().Before(e.until) {
		return store.Key{}, false
	}
	return e.key, true
}

// generation is the state a fill starts from; put takes it back.
func (c *keyCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches k unless the cache is down or anything was evicted since gen.
func (c *keyCache) put(k store.Key, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if _, ok := c.entries[k.ClientID]; !ok && len(c.entries) >= keyCacheSize {
		for id := range c.entries {
			delete(c.entries, id)
			break
		}
	}
	c.entries[k.ClientID] = keyEntry{key: k, until: c.now().Add(keyCacheTTL)}
}

// forget evicts one key (rotated, deleted or revoked here or elsewhere).
func (c *keyCache) forget(clientID string) {
	c.mu.Lock()
	delete(c.entries, clientID)
	c.gen++
	c.mu.Unlock()
}

// setLive follows the revocation subscription: the cache is used only
// while it is up, and starts empty on every change.
func (c *keyCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live != live {
		c.live = live
		clear(c.entries)
		c.gen++
	}
}

// claimTouch reports whether the caller should record a use of the key at
// now: false when a use within lastUsedResolution is already recorded in
// the cached key. Claiming sets it, so concurrent requests write once.
func (c *keyCache) claimTouch(clientID string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[clientID]
	if !ok {
		return true
	}
	if now.Sub(e.key.LastUsedAt) < lastUsedResolution {
		return false
	}
	e.key.LastUsedAt = now
	c.entries[clientID] = e
	return true
}

// lookupKey reads a key for client authentication: from the cache when it
// holds a fresh copy, else from the store, caching what it read.
func (s *Service) lookupKey(ctx context.Context, clientID string) (store.Key, error) {
	if k, ok := s.keys.get(clientID); ok {
		return k, nil
	}
	gen := s.keys.generation()
	k, err := s.store.GetKey(ctx, clientID)
	if err != nil {
		return store.Key{}, err
	}
	s.keys.put(k, gen)
	return k, nil
}
