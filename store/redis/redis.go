// Package redis is the backend for one Redis server, a Redis Cluster or
// Redis behind Sentinel, on go-redis through redis.NewUniversalClient.
// Several token-service processes on one Redis behave as one service.
//
// # Key layout
//
// Every key starts with "pa:". Keys that one operation reads or writes
// together carry the same {hash tag}, so in a Cluster they live on one
// node and scripts on them are atomic.
//
//	pa:k:{clientId}  hash   r = key record, u = LastUsedAt (kept apart so a
//	                        touch never races a rotation); no TTL
//	pa:t:{clientId}  hash   <token hash, 32 raw bytes> = token record, and
//	                        "" = sweep state; TTL = the latest expiry
//	pa:ak:{account}  zset   Client IDs of one account, all scored 0 (BYLEX)
//	pa:keys          zset   every Client ID, all scored 0 (BYLEX)
//	pa:c:{name}      string a counter, with its window as TTL
//	pa:s:name        string a singleton
//	pa:audit         stream audit entries (field e = record), trimmed by
//	                 MINID to the retention on every append
//	pa:rev           pub/sub channel of revocation events (JSON)
//	pa:rev:echo:R    pub/sub channel of one subscription's liveness echoes
//	                 (R random; see echo.go)
//
// Records are the compact binary encoding of store/internal/codec. A token
// costs one field in its key's hash: no key, TTL or index entry of its own.
// Measured on Redis 7.0, 100,000 tokens of one key take about 175 bytes
// each (TestTokenMemory holds it under 200). A Redis key per token would
// take about 230 bytes before any index, and a sorted-set index entry per
// token, as an ordered listing would need, about 140 more. So:
//
//   - Expiry: a token is hidden once its ExpiresAt has passed; the hash
//     expires with its last token; and every SaveToken runs one step of an
//     incremental sweep (HSCAN of a few fields, HDEL of expired ones; a
//     full pass at most once a minute), so an active key's hash sheds its
//     expired tokens without a background job.
//   - LookupToken is one round trip: HMGET of the key and HGET of the token
//     in one pipeline to the node of their shared slot. Concurrent
//     LookupToken and SaveToken calls share pipelines (batch.go), so under
//     load one write and one read carry several calls.
//   - ListTokens reads the key's whole hash (HSCAN) and sorts it; it serves
//     operators' listings, not the token path.
//
// Writes that span slots (a key record and its two indexes) are ordered so
// that a crash between them leaves at most an index entry without a record,
// or of another account: CreateKey writes the indexes first and the record
// last, DeleteKey removes the record first and the index entries last, and
// UpdateKey adds the new account's entry before it moves the record.
// ListKeys reads each record and skips such entries.
package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// Config says which Redis to use. It holds a password, so it prints and
// logs without it.
type Config struct {
	// Addrs are host:port of the server, of Cluster seed nodes or of the
	// Sentinels.
	Addrs []string
	// Cluster selects Redis Cluster, even with one seed address.
	Cluster bool
	// MasterName selects Sentinel and names the master set.
	MasterName string
	// Username and Password authenticate to the data nodes.
	Username string
	Password string
	// DB is the database number (0 for Cluster).
	DB int
	// TLS, when set, encrypts the connections.
	TLS *tls.Config
}

// String describes c without its password.
func (c Config) String() string {
	kind := "redis"
	switch {
	case c.Cluster:
		kind = "redis cluster"
	case c.MasterName != "":
		kind = "redis sentinel master " + c.MasterName
	}
	desc := fmt.Sprintf("%s at %s db %d", kind, strings.Join(c.Addrs, ","), c.DB)
	if c.TLS != nil {
		desc += " over TLS"
	}
	return desc
}

// LogValue logs c without its password.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Store is store.Store on Redis.
type Store struct {
	c    redis.UniversalClient
	opts store.Options
	// batch carries the token path's round trips (LookupToken, SaveToken)
	// in pipelines shared by concurrent calls.
	batch *batcher
	log   *slog.Logger
	now   func() time.Time
	// sweepPause is the rest after a full sweep of a key's tokens.
	sweepPause time.Duration

	mu     sync.Mutex
	closed bool
	subs   map[*redis.PubSub]struct{}
}

var _ store.Store = (*Store)(nil)

// Open connects to the Redis cfg names. An unreachable Redis is no error
// (the store recovers by itself when it answers, and Ping reports it
// meanwhile); a refusal such as a wrong password is. logger may be nil.
func Open(ctx context.Context, cfg Config, opts store.Options, logger *slog.Logger,
) (*Store, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("redis store: no address")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = contract.WithDefaults(opts)
	c := redis.NewUniversalClient(clientOptions(cfg, opts.OpTimeout))
	s := &Store{
		c:     c,
		batch: newBatcher(c, opts.OpTimeout),
		opts:  opts,
		log:   logger,
		now:   time.Now,
		subs:  make(map[*redis.PubSub]struct{}),

		sweepPause: defaultSweepPause,
	}
	err := s.Ping(ctx)
	switch {
	case errors.Is(err, store.ErrUnavailable):
		logger.WarnContext(ctx, "redis store not reachable yet", "store", cfg, "err", err)
	case err != nil:
		s.batch.close()
		_ = s.c.Close()
		return nil, fmt.Errorf("open %s: %w", cfg, err)
	}
	return s, nil
}

// clientOptions keeps every timeout short and lets context deadlines reach
// the socket; newer experimental client features stay off.
func clientOptions(cfg Config, op time.Duration) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                 cfg.Addrs,
		IsClusterMode:         cfg.Cluster,
		MasterName:            cfg.MasterName,
		Username:              cfg.Username,
		Password:              cfg.Password,
		DB:                    cfg.DB,
		TLSConfig:             cfg.TLS,
		ContextTimeoutEnabled: true,
		DialTimeout:           min(op, time.Second),
		DialerRetries:         1,
		ReadTimeout:           op,
		WriteTimeout:          op,
		PoolTimeout:           op,
		DisableIdentity:       true,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
}

// Close ends every subscription and closes the client; a second Close does
// nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	subs := s.subs
	s.subs = nil
	s.mu.Unlock()
	for ps := range subs {
		_ = ps.Close()
	}
	s.batch.close()
	if err := s.c.Close(); err != nil {
		return fmt.Errorf("close redis store: %w", err)
	}
	return nil
}

// Ping checks that Redis answers: in a Cluster, every master.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel, err := s.op(ctx, "ping")
	if err != nil {
		return err
	}
	defer cancel()
	ping := func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() }
	if cc, ok := s.c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, ping)
	} else {
		err = s.c.Ping(ctx).Err()
	}
	return s.fail(ctx, "ping", err)
}

// op starts one store call under its own deadline, derived from ctx.
func (s *Store) op(ctx context.Context, name string) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("redis %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	return ctx, cancel, nil
}
