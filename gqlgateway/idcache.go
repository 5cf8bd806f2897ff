package gqlgateway

import (
	"sync"
	"sync/atomic"
	"time"
)

// identityCache keeps introspection answers by token hash so a token seen a
// moment ago costs no network call. A positive answer is used only while the
// revocation stream vouches for it: the stream is up and spoke within the
// silence window. Without that, every protected request introspects afresh.
//
// Negative answers (inactive tokens) are kept briefly in a separate, smaller
// table: a token that is inactive never becomes active again, so they need
// no stream, and a flood of well-formed fakes cannot push real identities
// out of the positive table.
type identityCache struct {
	ttlCap  time.Duration
	negTTL  time.Duration
	silence time.Duration
	now     func() time.Time

	mu  sync.Mutex
	pos *lru[string, *idEntry]
	neg *lru[string, time.Time] // hash -> until when it is known inactive
	// epoch changes with every eviction and flush. An answer fetched while
	// the epoch moved may predate a revocation, so it is not stored.
	epoch uint64

	streamUp atomic.Bool
	lastSeen atomic.Int64 // unix nanoseconds of the stream's last sign of life
}

type idEntry struct {
	id      *Identity
	iat     int64     // seconds, for key and account revocations
	expires time.Time // the token's exp or the TTL cap, whichever is first
}

func newIdentityCache(size int, ttlCap, negTTL, silence time.Duration,
	now func() time.Time) *identityCache {
	return &identityCache{
		ttlCap: ttlCap, negTTL: negTTL, silence: silence, now: now,
		pos: newLRU[string, *idEntry](size),
		neg: newLRU[string, time.Time](max(size/4, 16)),
	}
}

// trusted reports whether positive entries may be used now.
func (c *identityCache) trusted(now time.Time) bool {
	return c.streamUp.Load() && now.UnixNano()-c.lastSeen.Load() <= int64(c.silence)
}

// lookup returns a cached identity, or inactive=true for a token known to be
// inactive, or neither when the token service must be asked; in that case
// epoch is what to pass to storeActive with the answer.
func (c *identityCache) lookup(hash string) (id *Identity, inactive bool, epoch uint64) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.neg.get(hash); ok {
		if now.Before(until) {
			return nil, true, c.epoch
		}
		c.neg.remove(hash)
	}
	if !c.trusted(now) {
		return nil, false, c.epoch
	}
	e, ok := c.pos.get(hash)
	if !ok {
		return nil, false, c.epoch
	}
	if !now.Before(e.expires) {
		c.pos.remove(hash)
		return nil, false, c.epoch
	}
	return e.id, false, c.epoch
}

// storeActive keeps an active answer, unless the stream cannot vouch for it
// or a revocation arrived since the lookup that returned epoch.
func (c *identityCache) storeActive(hash string, id *Identity, epoch uint64) {
	now := c.now()
	expires := id.ExpiresAt
	if limit := now.Add(c.ttlCap); limit.Before(expires) {
		expires = limit
	}
	if !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch || !c.trusted(now) {
		return
	}
	c.pos.add(hash, &idEntry{id: id, iat: id.IssuedAt.Unix(), expires: expires})
}

// storeInactive remembers briefly that a token is inactive.
func (c *identityCache) storeInactive(hash string) {
	if c.negTTL <= 0 {
		return
	}
	until := c.now().Add(c.negTTL)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.neg.add(hash, until)
	c.pos.remove(hash)
}

func (c *identityCache) evictHash(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.pos.remove(hash)
}

// evictIssuedBefore drops the entries of a key (or an account) that may have
// been issued before notBefore. Entries know iat only to the second, so the
// mark is rounded up: a token from the same second is dropped too, and at
// worst introspected again.
func (c *identityCache) evictIssuedBefore(clientID, account string, notBefore time.Time) int {
	mark := notBefore.Unix()
	if notBefore.Nanosecond() > 0 {
		mark++
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	return c.pos.removeIf(func(_ string, e *idEntry) bool {
		match := (clientID != "" && e.id.ClientID == clientID) ||
			(account != "" && e.id.Account == account)
		return match && e.iat <= mark
	})
}

// flush forgets every positive answer, for a stream that starts over and
// cannot say what it missed while it was away.
func (c *identityCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.pos.clear()
}

// alive records a sign of life of the stream.
func (c *identityCache) alive() { c.lastSeen.Store(c.now().UnixNano()) }

// setStreamUp says whether the stream is connected and past its ready event.
func (c *identityCache) setStreamUp(up bool) {
	if !up {
		c.mu.Lock()
		c.epoch++
		c.mu.Unlock()
	}
	c.streamUp.Store(up)
}
