package tokensvc

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

// fakeClock is a settable clock for the cache's expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func liveCache(t *testing.T) (*keyCache, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)}
	c := newKeyCache(clock.now)
	c.setLive(true)
	return c, clock
}

func cacheKey(id string) store.Key {
	return store.Key{ClientID: id, Name: "k", Account: "acme", SecretHash: hashSecret("s")}
}

func TestKeyCacheServesAKeyUntilItsTTL(t *testing.T) {
	c, clock := liveCache(t)
	c.put(cacheKey("a"), c.generation())
	if _, ok := c.get("a"); !ok {
		t.Fatal("a key just put is not served")
	}
	clock.advance(keyCacheTTL - time.Millisecond)
	if _, ok := c.get("a"); !ok {
		t.Fatal("the key is not served just before its TTL")
	}
	clock.advance(time.Millisecond)
	if _, ok := c.get("a"); ok {
		t.Fatalf("the key is still served %s after it was read", keyCacheTTL)
	}
}

func TestKeyCacheForgetsAtOnce(t *testing.T) {
	c, _ := liveCache(t)
	c.put(cacheKey("a"), c.generation())
	c.put(cacheKey("b"), c.generation())
	c.forget("a")
	if _, ok := c.get("a"); ok {
		t.Fatal("a forgotten key is still served")
	}
	if _, ok := c.get("b"); !ok {
		t.Fatal("forgetting one key dropped another")
	}
}

// A read that started before a rotation must not put the old key back
// after the rotation evicted it.
func TestKeyCacheDropsAFillThatRacedAnEviction(t *testing.T) {
	c, _ := liveCache(t)
	gen := c.generation() // a lookup starts and reads the store…
	c.forget("a")         // …while a rotation evicts the key…
	c.put(cacheKey("a"), gen)
	if _, ok := c.get("a"); ok {
		t.Fatal("a key read before an eviction was cached after it")
	}
	c.put(cacheKey("a"), c.generation())
	if _, ok := c.get("a"); !ok {
		t.Fatal("a fill that raced nothing was dropped")
	}
}

// While the revocation feed is down, events may be missed: nothing is
// served from the cache, and it starts empty when the feed is back.
func TestKeyCacheIsUnusedWhileTheFeedIsDown(t *testing.T) {
	c, _ := liveCache(t)
	c.put(cacheKey("a"), c.generation())
	c.setLive(false)
	if _, ok := c.get("a"); ok {
		t.Fatal("a key is served while the revocation feed is down")
	}
	c.put(cacheKey("b"), c.generation())
	c.setLive(true)
	for _, id := range []string{"a", "b"} {
		if _, ok := c.get(id); ok {
			t.Fatalf("key %s survived the feed going down and up", id)
		}
	}
	fresh := newKeyCache(time.Now)
	fresh.put(cacheKey("a"), fresh.generation())
	if _, ok := fresh.get("a"); ok {
		t.Fatal("a cache that never went live serves keys")
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	c, _ := liveCache(t)
	for i := range keyCacheSize + 100 {
		c.put(cacheKey("k"+strconv.Itoa(i)), c.generation())
	}
	if n := len(c.entries); n > keyCacheSize {
		t.Fatalf("%d keys cached, want at most %d", n, keyCacheSize)
	}
	last := "k" + strconv.Itoa(keyCacheSize+99)
	if _, ok := c.get(last); !ok {
		t.Fatal("the newest key was not cached")
	}
}

func TestKeyCacheClaimsOneTouchPerResolution(t *testing.T) {
	c, clock := liveCache(t)
	k := cacheKey("a")
	k.LastUsedAt = clock.now().Add(-2 * lastUsedResolution)
	c.put(k, c.generation())
	now := clock.now()
	if !c.claimTouch("a", now) {
		t.Fatal("a stale last use was not claimed")
	}
	if c.claimTouch("a", now.Add(time.Second)) {
		t.Fatal("a second request within the resolution claimed the touch too")
	}
	if got, _ := c.get("a"); !got.LastUsedAt.Equal(now) {
		t.Fatalf("cached LastUsedAt = %v, want %v", got.LastUsedAt, now)
	}
	if !c.claimTouch("uncached", now) {
		t.Fatal("a key the cache does not hold must be touched as before")
	}
}
