package redis

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// SetClientLogger sends the lines go-redis logs about connection trouble
// (by default to stderr, in its own format) to l at Warn level; nil
// discards them. go-redis has one logger per process, so the composition
// root calls this once, before opening stores. Those lines name addresses,
// never passwords.
func SetClientLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	redis.SetLogger(clientLogger{l})
}

type clientLogger struct {
	l *slog.Logger
}

func (c clientLogger) Printf(ctx context.Context, format string, v ...any) {
	c.l.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
