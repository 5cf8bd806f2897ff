package gqlgateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// throttle lets a warning that repeats on every request during an outage
// be logged at most once a second, so the logs stay readable.
type throttle struct{ last atomic.Int64 }

func (t *throttle) allow(now time.Time) bool {
	last := t.last.Load()
	if now.UnixNano()-last < int64(time.Second) {
		return false
	}
	return t.last.CompareAndSwap(last, now.UnixNano())
}

// flight lets concurrent requests for the same key share one call: a burst
// of requests with a token the cache has not seen makes one introspection,
// not one each.
type flight[T any] struct {
	mu    sync.Mutex
	calls map[string]*flightCall[T]
}

type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do runs fn once for all callers that ask for key while it runs. fn must
// not depend on any one caller's cancellation; a waiting caller whose ctx
// ends stops waiting and gets ctx's error.
func (f *flight[T]) do(ctx context.Context, key string, fn func() (T, error)) (T, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[string]*flightCall[T])
	}
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	c := &flightCall[T]{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()

	c.val, c.err = fn()

	f.mu.Lock()
	delete(f.calls, key)
	f.mu.Unlock()
	close(c.done)
	return c.val, c.err
}
