package gqlgateway

import (
	"testing"
	"time"
)

// fakeClock is a settable clock for cache tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestCache(clock *fakeClock) *identityCache {
	c := newIdentityCache(100, time.Minute, 5*time.Second, time.Second, clock.now)
	c.alive()
	c.setStreamUp(true)
	return c
}

func identityAt(clientID, account string, iat time.Time) *Identity {
	return &Identity{ClientID: clientID, Account: account, IssuedAt: iat,
		ExpiresAt: iat.Add(time.Hour)}
}

func TestIdentityCacheRefusesAnswersOlderThanAnEviction(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	c := newTestCache(clock)
	_, _, epoch := c.lookup("h")
	c.evictHash("h") // a revocation lands while introspection is in flight
	c.storeActive("h", identityAt("k", "a", clock.t), epoch)
	if id, _, _ := c.lookup("h"); id != nil {
		t.Fatal("an answer fetched before a revocation was cached")
	}
	_, _, epoch = c.lookup("h")
	c.storeActive("h", identityAt("k", "a", clock.t), epoch)
	if id, _, _ := c.lookup("h"); id == nil {
		t.Fatal("an answer without a concurrent revocation was not cached")
	}
}

func TestIdentityCacheEvictsByIssueTimeRoundedUp(t *testing.T) {
	base := time.Unix(1000, 0)
	tests := []struct {
		name      string
		iat       time.Time
		notBefore time.Time
		wantGone  bool
	}{
		{name: "issued well before", iat: base, notBefore: base.Add(5 * time.Second),
			wantGone: true},
		{name: "same second, mark later in it", iat: base,
			notBefore: base.Add(300 * time.Millisecond), wantGone: true},
		{name: "issued in the next second, mark not whole", iat: base.Add(time.Second),
			notBefore: base.Add(300 * time.Millisecond), wantGone: true},
		{name: "issued exactly at a whole-second mark", iat: base, notBefore: base, wantGone: true},
		{name: "issued after the mark", iat: base.Add(2 * time.Second),
			notBefore: base.Add(300 * time.Millisecond)},
		{name: "deleted key", iat: base, notBefore: time.Date(9999, 12, 31, 23, 59, 59, 0,
			time.UTC), wantGone: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: tc.iat}
			c := newTestCache(clock)
			_, _, epoch := c.lookup("h")
			c.storeActive("h", identityAt("k", "acme", tc.iat), epoch)
			c.evictIssuedBefore("k", "", tc.notBefore)
			id, _, _ := c.lookup("h")
			if gone := id == nil; gone != tc.wantGone {
				t.Errorf("evicted = %v, want %v", gone, tc.wantGone)
			}
		})
	}
}

func TestIdentityCacheExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	c := newTestCache(clock)
	id := identityAt("k", "a", clock.t)
	id.ExpiresAt = clock.t.Add(500 * time.Millisecond)
	_, _, epoch := c.lookup("h")
	c.storeActive("h", id, epoch)
	clock.t = clock.t.Add(400 * time.Millisecond)
	c.alive()
	if got, _, _ := c.lookup("h"); got == nil {
		t.Fatal("entry gone before the token's exp")
	}
	clock.t = clock.t.Add(100 * time.Millisecond)
	c.alive()
	if got, _, _ := c.lookup("h"); got != nil {
		t.Fatal("entry outlived the token's exp")
	}
}

func TestIdentityCacheTrustNeedsALiveStream(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	c := newTestCache(clock)
	_, _, epoch := c.lookup("h")
	c.storeActive("h", identityAt("k", "a", clock.t), epoch)
	clock.t = clock.t.Add(1001 * time.Millisecond) // no sign of life for over a second
	if got, _, _ := c.lookup("h"); got != nil {
		t.Fatal("entry used after the stream fell silent")
	}
	c.alive()
	if got, _, _ := c.lookup("h"); got == nil {
		t.Fatal("entry not used once the stream spoke again")
	}
	c.setStreamUp(false)
	if got, _, _ := c.lookup("h"); got != nil {
		t.Fatal("entry used while the stream is down")
	}
}

func TestIdentityCacheNegativeEntries(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	c := newTestCache(clock)
	c.storeInactive("h")
	c.setStreamUp(false) // inactive answers need no stream
	if _, inactive, _ := c.lookup("h"); !inactive {
		t.Fatal("inactive answer not remembered")
	}
	clock.t = clock.t.Add(5 * time.Second)
	if _, inactive, _ := c.lookup("h"); inactive {
		t.Fatal("inactive answer outlived its TTL")
	}
}
