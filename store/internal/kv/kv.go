// Package kv implements store.Store once, on top of any ordered key-value
// engine with transactions, so the embedded backends (store/bolt on disk,
// store/memory in memory) share every rule and differ only in where the
// bytes live.
//
// Layout, one engine bucket per kind of record (see layout.go): keys by
// Client ID with an account index; tokens by Client ID and hash, with an
// index per key in expiry order (for listings) and a global one in expiry
// order (for sweeping); counters with an expiry index; singletons; audit
// entries by ID, which sorts in append order. Expired records are never
// returned, and a background sweep deletes them.
package kv

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// Tx is one engine transaction. Values it returns are valid only until the
// transaction ends, and a Tx must not be written while Scan is running.
type Tx interface {
	// Get returns the value under key, or nil when there is none.
	Get(bucket string, key []byte) []byte
	// Put stores value under key (write transactions only).
	Put(bucket string, key, value []byte) error
	// Delete removes key; a missing key is not an error.
	Delete(bucket string, key []byte) error
	// Scan calls fn for each key at or after from, in byte order, until fn
	// returns false.
	Scan(bucket string, from []byte, fn func(key, value []byte) bool) error
	// Last returns the greatest key of a bucket, or nil when it is empty.
	Last(bucket string) []byte
}

// Engine runs transactions on the buckets listed in Buckets.
type Engine interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a write transaction, which is durable when Update
	// returns nil and leaves nothing behind when fn fails.
	Update(fn func(Tx) error) error
	// Close releases the engine.
	Close() error
}

// Config tunes a Store.
type Config struct {
	Options store.Options
	// Logger receives sweep failures; nil discards them.
	Logger *slog.Logger
	// SweepEvery is the pause between sweeps of expired records
	// (default one minute).
	SweepEvery time.Duration
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// Store is store.Store over an Engine.
type Store struct {
	engine Engine
	opts   store.Options
	log    *slog.Logger
	now    func() time.Time
	hub    *hub

	mu     sync.RWMutex
	closed bool
	stop   context.CancelFunc
	done   chan struct{}
}

var _ store.Store = (*Store)(nil)

// New returns a Store over e and starts its sweeper, which Close stops.
func New(e Engine, cfg Config) *Store {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Store{
		engine: e,
		opts:   contract.WithDefaults(cfg.Options),
		log:    cfg.Logger,
		now:    cfg.Now,
		hub:    newHub(),
		stop:   stop,
		done:   make(chan struct{}),
	}
	go s.sweepLoop(ctx, cfg.SweepEvery)
	return s
}

// Close stops the sweeper, ends every subscription and closes the engine.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.hub.close()
	if err := s.engine.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Ping reports whether the engine still answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(Tx) error { return nil })
}

// begin refuses work on a closed store or an ended context. The caller
// holds s.mu for reading until the transaction ends, so Close waits.
func (s *Store) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if s.closed {
		return fmt.Errorf("%s: store is closed: %w", op, store.ErrUnavailable)
	}
	return nil
}

func (s *Store) view(ctx context.Context, op string, fn func(Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if err := s.engine.View(fn); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (s *Store) update(ctx context.Context, op string, fn func(Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if err := s.engine.Update(fn); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
