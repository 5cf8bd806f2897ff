package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
)

// Calls that arrive while the workers wait on Redis share pipelines, and
// each caller gets its own commands' answers, its own errors included.
func TestBatcherSharesPipelinesAndKeepsAnswersApart(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: 5 * time.Second})
	defer s.Close()
	ctx := t.Context()
	const n = 200
	for i := range n {
		if err := s.c.Set(ctx, fmt.Sprintf("v%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	before := s.batch.pipelines.Load()
	srv.Pause() // every call queues behind the workers' first pipelines
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			var get, wrong *redis.StringCmd
			err := s.batch.do(ctx, func(ctx context.Context, p redis.Pipeliner) {
				get = p.Get(ctx, fmt.Sprintf("v%d", i))
				if i%10 == 0 {
					wrong = p.HGet(ctx, fmt.Sprintf("v%d", i), "f") // WRONGTYPE
				}
			})
			switch {
			case err != nil:
				errs <- fmt.Errorf("call %d: %w", i, err)
			case get.Val() != fmt.Sprint(i) || get.Err() != nil:
				errs <- fmt.Errorf("call %d read %q, %v", i, get.Val(), get.Err())
			case wrong != nil && !redis.HasErrorPrefix(wrong.Err(), "WRONGTYPE"):
				errs <- fmt.Errorf("call %d: HGET of a string answered %v", i, wrong.Err())
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	srv.Resume()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The first call goes alone (nothing was in flight) and the workers'
	// first pipelines hold what came before they blocked; the rest go in
	// batches of up to maxBatch.
	sent := s.batch.pipelines.Load() - before
	if limit := int64(1 + 2*batchWorkers + n/maxBatch + 1); sent > limit {
		t.Fatalf("%d calls went in %d pipelines, want at most %d", n, sent, limit)
	}
	t.Logf("%d calls in %d pipelines", n, sent)
}

// A caller that gives up while queued gets its context's error, and its
// commands are not sent when a worker reaches them.
func TestBatcherLeavesOutAbandonedCalls(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: 5 * time.Second})
	defer s.Close()
	srv.Pause()
	var wg sync.WaitGroup
	for range 2 * batchWorkers { // occupy the workers
		wg.Go(func() {
			_ = s.batch.do(t.Context(), func(ctx context.Context, p redis.Pipeliner) { p.Ping(ctx) })
		})
	}
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := s.batch.do(ctx, func(ctx context.Context, p redis.Pipeliner) {
		p.Set(ctx, "abandoned", "1", 0)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandoned call answered %v, want the deadline", err)
	}
	srv.Resume()
	wg.Wait()
	// One more call goes through every worker's queue after the abandoned one.
	if err := s.batch.do(t.Context(), func(ctx context.Context, p redis.Pipeliner) { p.Ping(ctx) }); err != nil {
		t.Fatal(err)
	}
	if n, err := s.c.Exists(t.Context(), "abandoned").Result(); err != nil || n != 0 {
		t.Fatalf("the abandoned call's SET ran (exists %d, %v)", n, err)
	}
}

// After Close, calls fail as unavailable instead of waiting.
func TestBatcherAfterClose(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.LookupToken(t.Context(), "c1", []byte("0123456789abcdef0123456789abcdef"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("LookupToken after Close: %v, want ErrUnavailable", err)
	}
}

// SaveToken's script runs by its SHA in the shared pipeline; when Redis
// has forgotten it (a restart, SCRIPT FLUSH) the call loads it again.
func TestSaveTokenAfterScriptFlush(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	defer s.Close()
	hash := []byte("0123456789abcdef0123456789abcdef")
	tok := store.Token{ClientID: "c1", Hash: hash, ExpiresAt: time.Now().Add(time.Hour),
		IssuedAt: time.Now()}
	if err := s.SaveToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.Do("SCRIPT", "FLUSH"); err != nil {
		t.Fatalf("SCRIPT FLUSH: %q, %v", reply, err)
	}
	tok.Hash = []byte("fedcba9876543210fedcba9876543210")
	if err := s.SaveToken(t.Context(), tok); err != nil {
		t.Fatalf("SaveToken after SCRIPT FLUSH: %v", err)
	}
	if ok, err := s.c.HExists(t.Context(), tokensKey("c1"), string(tok.Hash)).Result(); err != nil || !ok {
		t.Fatalf("the token was not recorded (%v, %v)", ok, err)
	}
}
