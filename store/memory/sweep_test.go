package memory

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/kv"
)

// clock is a time source the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sizes counts the records of every bucket.
func sizes(t *testing.T, e *engine) map[string]int {
	t.Helper()
	out := map[string]int{}
	must(t, e.View(func(tx kv.Tx) error {
		for _, b := range kv.Buckets {
			_ = tx.Scan(b, nil, func(_, _ []byte) bool { out[b]++; return true })
		}
		return nil
	}))
	return out
}

func token(name string, expires time.Time) store.Token {
	return store.Token{Hash: []byte(name), ClientID: "c1", IssuedAt: expires.Add(-time.Minute),
		ExpiresAt: expires}
}

func TestSweepDeletesWhatExpired(t *testing.T) {
	e, c := newEngine(), &clock{t: time.Now()}
	s := kv.New(e, kv.Config{Options: store.Options{AuditRetention: time.Hour}, Now: c.now,
		SweepEvery: time.Hour})
	defer s.Close()
	ctx := t.Context()
	must(t, s.CreateKey(ctx, store.Key{ClientID: "c1", Account: "acme"}))
	// More short-lived tokens than one sweep transaction takes.
	for i := range 2500 {
		must(t, s.SaveToken(ctx, token(fmt.Sprint("short", i), c.now().Add(time.Minute))))
	}
	must(t, s.SaveToken(ctx, token("long", c.now().Add(3*time.Hour))))
	_, err := s.Incr(ctx, "short", time.Minute)
	must(t, err)
	_, err = s.Incr(ctx, "long", 3*time.Hour)
	must(t, err)
	must(t, s.AppendAudit(ctx, store.AuditEntry{Action: "old"}))
	_, err = s.PutIfAbsent(ctx, "kept", []byte("v"))
	must(t, err)

	c.advance(2 * time.Hour)
	must(t, s.AppendAudit(ctx, store.AuditEntry{Action: "new"}))
	must(t, s.Sweep(ctx))

	want := map[string]int{
		"keys": 1, "accounts": 1, "tokens": 1, "key-tokens": 1, "token-expiries": 1,
		"counters": 1, "counter-expiries": 1, "singletons": 1, "audit": 1,
	}
	got := sizes(t, e)
	for _, b := range kv.Buckets {
		if got[b] != want[b] {
			t.Errorf("bucket %s holds %d records after the sweep, want %d", b, got[b], want[b])
		}
	}
}

func TestSweeperRunsInTheBackground(t *testing.T) {
	e := newEngine()
	s := kv.New(e, kv.Config{SweepEvery: 10 * time.Millisecond})
	defer s.Close()
	must(t, s.SaveToken(t.Context(), token("a", time.Now().Add(50*time.Millisecond))))
	deadline := time.Now().Add(5 * time.Second)
	for sizes(t, e)["tokens"] != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the expired token is still stored 5s later")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCorruptRecordsAreErrors(t *testing.T) {
	e := newEngine()
	s := kv.New(e, kv.Config{})
	defer s.Close()
	must(t, e.Update(func(tx kv.Tx) error {
		if err := tx.Put("keys", []byte("c1"), []byte{1, 200}); err != nil {
			return err
		}
		return tx.Put("counters", []byte("n"), []byte{1})
	}))
	if _, err := s.GetKey(t.Context(), "c1"); !errors.Is(err, codec.ErrCorrupt) {
		t.Errorf("GetKey of a corrupt record = %v, want ErrCorrupt", err)
	}
	if _, _, err := s.ListKeys(t.Context(), store.KeyFilter{}, store.Page{}); !errors.Is(err,
		codec.ErrCorrupt) {
		t.Errorf("ListKeys over a corrupt record = %v, want ErrCorrupt", err)
	}
	if _, err := s.Count(t.Context(), "n"); !errors.Is(err, codec.ErrCorrupt) {
		t.Errorf("Count of a corrupt counter = %v, want ErrCorrupt", err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s := New(store.Options{}, nil)
	must(t, s.Close())
	if err := s.Ping(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
	if _, err := s.SubscribeRevocations(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("SubscribeRevocations after Close = %v, want ErrUnavailable", err)
	}
	must(t, s.Close())
}

func TestSlowSubscriberIsCutOffNotBlocking(t *testing.T) {
	s := New(store.Options{}, nil)
	defer s.Close()
	ch, err := s.SubscribeRevocations(t.Context())
	must(t, err)
	for range 1000 { // far more than a subscriber may fall behind
		must(t, s.PublishRevocation(t.Context(), store.Revocation{Account: "acme"}))
	}
	n := 0
	for range ch {
		n++
	}
	if n == 0 || n >= 1000 {
		t.Errorf("the slow subscriber got %d events before its channel closed", n)
	}
}
