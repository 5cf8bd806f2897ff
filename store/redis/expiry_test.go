package redis

import (
	"errors"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
)

// TestDeleteTokenExpiryToTheNanosecond: DeleteToken tells a live token from
// an expired one exactly as LookupToken does, even within the millisecond
// of the expiry (Lua's doubles once rounded it, and a token expired for a
// fraction of a millisecond was reported live).
func TestDeleteTokenExpiryToTheNanosecond(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	t.Cleanup(func() { _ = s.Close() })
	expires := time.Now().Add(time.Hour).Truncate(time.Millisecond).Add(600 * time.Microsecond)
	tests := []struct {
		name     string
		now      time.Time
		wantLive bool
	}{
		{"100µs before the expiry", expires.Add(-100 * time.Microsecond), true},
		{"at the expiry", expires, false},
		{"100µs after, in the same millisecond", expires.Add(100 * time.Microsecond), false},
	}
	for i, tt := range tests {
		hash := []byte{byte('a' + i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
			16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}
		tok := store.Token{ClientID: "c1", Hash: hash, IssuedAt: time.Now(), ExpiresAt: expires}
		s.now = time.Now
		if err := s.SaveToken(t.Context(), tok); err != nil {
			t.Fatalf("%s: SaveToken: %v", tt.name, err)
		}
		s.now = func() time.Time { return tt.now }
		err := s.DeleteToken(t.Context(), "c1", hash)
		if live := err == nil; live != tt.wantLive || err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: DeleteToken = %v, want live %v", tt.name, err, tt.wantLive)
		}
	}
}
