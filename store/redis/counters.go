package redis

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store/internal/contract"
)

func counterKey(name string) string   { return "pa:c:{" + name + "}" }
func singletonKey(name string) string { return "pa:s:" + name }

// Incr counts one; the first count starts the window, as the key's TTL.
func (s *Store) Incr(ctx context.Context, name string, window time.Duration) (int64, error) {
	if err := contract.CheckWindow(name, window); err != nil {
		return 0, err
	}
	ctx, cancel, err := s.op(ctx, "increment counter")
	if err != nil {
		return 0, err
	}
	defer cancel()
	ms := max(window.Milliseconds(), 1)
	n, err := incr.Run(ctx, s.c, []string{counterKey(name)}, ms).Int64()
	return n, s.fail(ctx, "increment counter", err)
}

// Count reads a counter; an absent one counts 0.
func (s *Store) Count(ctx context.Context, name string) (int64, error) {
	ctx, cancel, err := s.op(ctx, "read counter")
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := s.c.Get(ctx, counterKey(name)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, s.fail(ctx, "read counter", err)
}

// PutIfAbsent stores value unless a value is there, in one script, and
// returns the stored one.
func (s *Store) PutIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := contract.CheckName("singleton", name); err != nil {
		return nil, err
	}
	ctx, cancel, err := s.op(ctx, "put singleton")
	if err != nil {
		return nil, err
	}
	defer cancel()
	v, err := putIfAbsent.Run(ctx, s.c, []string{singletonKey(name)}, value).Text()
	if err != nil {
		return nil, s.fail(ctx, "put singleton", err)
	}
	return []byte(v), nil
}
