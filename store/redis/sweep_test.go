package redis

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
)

// saveTokens saves n tokens of key c1 that expire in ttl.
func saveTokens(t testing.TB, s *Store, from, n int, ttl time.Duration) {
	t.Helper()
	now := time.Now()
	for i := from; i < from+n; i++ {
		tok := store.Token{
			Hash:      []byte(fmt.Sprintf("%032d", i)),
			ID:        fmt.Sprintf("0b7e4c3a-9d1f-4e2b-8a6c-%012d", i),
			ClientID:  "c1",
			Account:   "acme-industries",
			Scopes:    []string{"api:read", "api:write"},
			IssuedAt:  now,
			ExpiresAt: now.Add(ttl),
		}
		if err := s.SaveToken(t.Context(), tok); err != nil {
			t.Fatalf("SaveToken: %v", err)
		}
	}
}

func hashLen(t testing.TB, srv *redistest.Server, key string) int {
	t.Helper()
	reply, err := srv.Do("HLEN", key)
	n, _ := strconv.Atoi(reply)
	if err != nil {
		t.Fatalf("HLEN %s: %v", key, err)
	}
	return n
}

func TestSaveTokenSweepsExpiredTokens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		expired int
	}{
		{"a small hash in one step", 50},
		// Past 512 fields Redis keeps a real hash table, which HSCAN walks
		// a few fields per call.
		{"a large hash over many steps", 700},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := redistest.Start(t)
			s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
			defer s.Close()
			s.sweepPause = 0
			saveTokens(t, s, 0, c.expired, 300*time.Millisecond)
			time.Sleep(400 * time.Millisecond)
			// Each save sweeps a step of about sweepStep fields; twice the
			// saves a full pass needs leaves room for empty hash buckets.
			live := 2*c.expired/sweepStep + 20
			saveTokens(t, s, c.expired, live, time.Hour)
			// What is left: the live tokens and the sweep state.
			if got := hashLen(t, srv, tokensKey("c1")); got != live+1 {
				t.Errorf("the token hash has %d fields, want the %d live tokens and the "+
					"sweep state", got, live)
			}
		})
	}
}

func TestSweepPausesAfterAFullPass(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	defer s.Close()
	saveTokens(t, s, 0, 1, time.Hour) // a full pass over one field: pause
	saveTokens(t, s, 1, 10, 200*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	saveTokens(t, s, 11, 1, time.Hour)
	if got := hashLen(t, srv, tokensKey("c1")); got != 13 {
		t.Errorf("the token hash has %d fields, want 13: no sweep during the pause", got)
	}
}

func TestTokenHashExpiresWithItsLastToken(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	defer s.Close()
	saveTokens(t, s, 0, 1, time.Hour)
	saveTokens(t, s, 1, 1, 2*time.Hour)
	saveTokens(t, s, 2, 1, time.Minute) // must not shorten the TTL
	reply, err := srv.Do("PTTL", tokensKey("c1"))
	ttl, _ := strconv.Atoi(reply)
	if err != nil || ttl < int((2*time.Hour-time.Minute).Milliseconds()) {
		t.Errorf("PTTL of the token hash = %q, %v; want about two hours", reply, err)
	}
}

// TestTokenMemory measures what a live token costs in Redis, the figure the
// layout is chosen for: at most 200 bytes per token.
func TestTokenMemory(t *testing.T) {
	t.Parallel()
	const n = 20000
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	defer s.Close()
	before := usedMemory(t, srv)
	saveTokens(t, s, 0, n, time.Hour)
	perToken := float64(usedMemory(t, srv)-before) / n
	t.Logf("Redis memory per live token: %.0f bytes", perToken)
	if perToken > 200 {
		t.Errorf("a token costs %.0f bytes in Redis, want at most 200", perToken)
	}
}

func usedMemory(t testing.TB, srv *redistest.Server) int {
	t.Helper()
	reply, err := srv.Do("MEMORY", "STATS")
	if err != nil {
		t.Fatalf("MEMORY STATS: %v", err)
	}
	// The reply alternates names and values, one per line.
	lines := splitLines(reply)
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] == "total.allocated" {
			n, err := strconv.Atoi(lines[i+1])
			if err != nil {
				t.Fatalf("MEMORY STATS total.allocated = %q", lines[i+1])
			}
			return n
		}
	}
	t.Fatal("MEMORY STATS has no total.allocated")
	return 0
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
