// Package storetest is the conformance suite every store.Store backend must
// pass: one set of tests, run against each backend, so they all behave
// alike.
//
// Besides the method contracts in package store, the suite pins down what
// the interface leaves open:
//
//   - Records round-trip exactly, normalised one way: times come back in
//     UTC to the nanosecond (zero times stay zero) and empty slices (Scopes,
//     SecretHash, PrevSecretHash, singleton values aside) come back nil.
//   - Listings: keys by Client ID; tokens by expiry, then hash (for one
//     key, whose tokens share the service's lifetime, that is oldest
//     first); audit entries by ID, which sorts as a string in append order.
//     Limit <= 0 means 100; a cursor the store did not hand out fails with
//     an error wrapping store.ErrNotFound.
//   - A token saved already expired is not recorded; an expired record is
//     never returned, whether or not the backend has deleted it yet.
//   - Audit filters: Since is inclusive, Until exclusive; entries whose At
//     is older than Options.AuditRetention are never listed.
//   - Close may be called twice.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

// AuditRetention is the audit retention of Options, short so the suite can
// watch entries age out.
const AuditRetention = 2 * time.Second

// Options returns the options every store handed to the suite must be
// opened with.
func Options() store.Options {
	return store.Options{OpTimeout: 2 * time.Second, AuditRetention: AuditRetention}
}

// Backend tells the suite how to get stores of one backend.
type Backend struct {
	// Open returns a new, empty store opened with Options(). The suite
	// closes it.
	Open func(t *testing.T) store.Store
	// Reopen closes s and returns a store opened, with Options(), on the
	// data s held, so the suite can check that every kind of record
	// survives. Nil for backends that keep nothing once closed.
	Reopen func(t *testing.T, s store.Store) store.Store
}

// Run runs the suite against the new, empty stores open returns, for
// backends that keep nothing once closed.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	RunBackend(t, Backend{Open: open})
}

// RunBackend runs the suite, including the reopen checks when b.Reopen is
// set.
func RunBackend(t *testing.T, b Backend) {
	h := &harness{b: b}
	groups := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"Keys", testKeys},
		{"ListKeys", testListKeys},
		{"Tokens", testTokens},
		{"ListTokens", testListTokens},
		{"TokenExpiry", testTokenExpiry},
		{"Counters", testCounters},
		{"Singletons", testSingletons},
		{"Events", testEvents},
		{"Audit", testAudit},
		{"AuditRetention", testAuditRetention},
		{"Ping", testPing},
		{"CancelledContext", testCancelledContext},
		{"Reopen", testReopen},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, h) })
	}
}

type harness struct {
	b Backend
}

// open returns a fresh store that is closed when the test ends.
func (h *harness) open(t *testing.T) store.Store {
	t.Helper()
	s := h.b.Open(t)
	h.closeAtEnd(t, s)
	return s
}

func (h *harness) closeAtEnd(t *testing.T, s store.Store) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// zone is where fixture times live, so the suite sees them come back in UTC.
var zone = time.FixedZone("UTC+05:30", 5*3600+30*60)

// now is the current time in zone, with nanoseconds and no monotonic
// reading.
func now() time.Time {
	return time.Now().In(zone)
}

func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// clientID returns a Client ID in the UUID form the service issues.
func clientID(n int) string {
	return fmt.Sprintf("760e8193-25ad-47b5-96fd-%012d", n)
}

// newKey returns a key with every field set.
func newKey(id, account string) store.Key {
	t := now()
	return store.Key{
		ClientID:            id,
		Name:                "Key " + id,
		Account:             account,
		Scopes:              []string{"keys:manage", "tokens:introspect"},
		SecretHash:          sum("secret " + id),
		PrevSecretHash:      sum("previous " + id),
		PrevSecretExpiresAt: t.Add(time.Hour + 123),
		CreatedAt:           t.Add(-time.Hour + 456),
		LastUsedAt:          t.Add(-time.Minute + 789),
		TokensNotBefore:     t.Add(-time.Second + 1),
	}
}

// newToken returns a token of key clientID that expires in ttl.
func newToken(clientID, name string, ttl time.Duration) store.Token {
	t := now()
	return store.Token{
		Hash:      sum("token " + name),
		ID:        "0b7e4c3a-9d1f-4e2b-8a6c-5f3e2d1c0b9a",
		ClientID:  clientID,
		Account:   "acme",
		Scopes:    []string{"keys:manage"},
		IssuedAt:  t,
		ExpiresAt: t.Add(ttl),
	}
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func normBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func normStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// normKey is k as a store gives it back.
func normKey(k store.Key) store.Key {
	k.Scopes = normStrings(k.Scopes)
	k.SecretHash = normBytes(k.SecretHash)
	k.PrevSecretHash = normBytes(k.PrevSecretHash)
	k.PrevSecretExpiresAt = normTime(k.PrevSecretExpiresAt)
	k.CreatedAt = normTime(k.CreatedAt)
	k.LastUsedAt = normTime(k.LastUsedAt)
	k.TokensNotBefore = normTime(k.TokensNotBefore)
	return k
}

// normToken is t as a store gives it back.
func normToken(t store.Token) store.Token {
	t.Scopes = normStrings(t.Scopes)
	t.IssuedAt = normTime(t.IssuedAt)
	t.ExpiresAt = normTime(t.ExpiresAt)
	return t
}

func normAudit(e store.AuditEntry) store.AuditEntry {
	e.At = normTime(e.At)
	return e
}

// same fails the test unless got deeply equals want.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// must fails the test at once on an unexpected error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eventually polls cond until it holds or timeout passes; cond says what
// it saw, for the failure message.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not so after %s: %s", timeout, saw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testPing(t *testing.T, h *harness) {
	s := h.open(t)
	must(t, "Ping", s.Ping(t.Context()))
}

func testCancelledContext(t *testing.T, h *harness) {
	s := h.open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"CreateKey", func() error { return s.CreateKey(ctx, newKey(clientID(1), "acme")) }},
		{"GetKey", func() error { _, err := s.GetKey(ctx, clientID(1)); return err }},
		{"SaveToken", func() error {
			return s.SaveToken(ctx, newToken(clientID(1), "a", time.Hour))
		}},
		{"Incr", func() error { _, err := s.Incr(ctx, "c", time.Minute); return err }},
		{"ListAudit", func() error {
			_, _, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{})
			return err
		}},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error wrapping "+
				"context.Canceled", c.name, err)
		}
	}
}
