package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store"
)

// fail wraps err with the operation's name and maps it onto the store's
// sentinels: redis.Nil is ErrNotFound; anything that says Redis could not
// be reached or did not answer in time is ErrUnavailable. A caller's own
// cancellation stays what it is. Errors name addresses at most, never a
// password.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("redis %s: %w", op, store.ErrNotFound)
	case errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("redis %s: %w", op, err)
	case unavailable(err):
		return fmt.Errorf("redis %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("redis %s: %w", op, err)
}

// unreachableMessages are go-redis's own errors for having no node to ask.
var unreachableMessages = []string{
	"all sentinels specified in configuration are unreachable",
	"cluster has no nodes",
	"connection unusable",
}

func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	case redis.IsClusterDownError(err),
		redis.IsTryAgainError(err),
		redis.IsLoadingError(err),
		redis.IsMasterDownError(err),
		redis.IsReadOnlyError(err),
		redis.IsMaxClientsError(err):
		return true
	}
	for _, m := range unreachableMessages {
		if strings.Contains(err.Error(), m) {
			return true
		}
	}
	return false
}
