package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// The incremental sweep of a key's tokens: fields examined per SaveToken,
// and the pause after a full pass over the hash (Store.sweepPause).
const (
	sweepStep         = 20
	defaultSweepPause = time.Minute
)

// SaveToken records t in its key's token hash (see saveToken), in a round
// trip shared with the other calls of the moment (batch.go). A token that
// has already expired is not recorded at all.
func (s *Store) SaveToken(ctx context.Context, t store.Token) error {
	if err := contract.CheckToken(t); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if !t.ExpiresAt.After(s.now()) {
		return nil
	}
	value, err := codec.EncodeToken(t)
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	ctx, cancel, err := s.op(ctx, "save token")
	if err != nil {
		return err
	}
	defer cancel()
	expMS := (t.ExpiresAt.UnixNano() + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	keys := []string{tokensKey(t.ClientID)}
	args := []any{t.Hash, value, expMS, sweepStep, s.sweepPause.Milliseconds()}
	var cmd *redis.Cmd
	err = s.batch.do(ctx, func(ctx context.Context, p redis.Pipeliner) {
		cmd = saveToken.EvalSha(ctx, p, keys, args...)
	})
	if err == nil {
		err = cmd.Err()
	}
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or flushed its scripts: Run loads it again.
		err = saveToken.Run(ctx, s.c, keys, args...).Err()
	}
	return s.fail(ctx, "save token", err)
}

// LookupToken reads the key and the token in one pipeline, which reaches
// one node (they share a hash slot) in one round trip, shared with the
// other calls of the moment (batch.go).
func (s *Store) LookupToken(ctx context.Context, clientID string, hash []byte,
) (store.Token, store.Key, error) {
	ctx, cancel, err := s.op(ctx, "look up token")
	if err != nil {
		return store.Token{}, store.Key{}, err
	}
	defer cancel()
	var (
		keyCmd *redis.SliceCmd
		tokCmd *redis.StringCmd
	)
	err = s.batch.do(ctx, func(ctx context.Context, p redis.Pipeliner) {
		keyCmd = p.HMGet(ctx, keyKey(clientID), keyFields...)
		tokCmd = p.HGet(ctx, tokensKey(clientID), string(hash))
	})
	if err == nil {
		err = keyCmd.Err()
	}
	if err == nil && !errors.Is(tokCmd.Err(), redis.Nil) {
		err = tokCmd.Err()
	}
	if err != nil {
		return store.Token{}, store.Key{}, s.fail(ctx, "look up token", err)
	}
	t, err := s.liveToken(clientID, hash, tokCmd)
	if err != nil {
		return store.Token{}, store.Key{}, s.fail(ctx, "look up token", err)
	}
	k, err := decodeKey(clientID, keyCmd)
	if err != nil {
		return store.Token{}, store.Key{}, s.fail(ctx, "look up token: key", err)
	}
	return t, k, nil
}

// liveToken decodes an HGET answer; redis.Nil when there is no live token.
func (s *Store) liveToken(clientID string, hash []byte, cmd *redis.StringCmd,
) (store.Token, error) {
	v, err := cmd.Bytes()
	if err != nil {
		return store.Token{}, err
	}
	t, err := codec.DecodeToken(clientID, hash, v)
	if err != nil {
		return store.Token{}, err
	}
	if !t.ExpiresAt.After(s.now()) {
		return store.Token{}, redis.Nil
	}
	return t, nil
}

// DeleteToken removes one token record; ErrNotFound unless it was live.
func (s *Store) DeleteToken(ctx context.Context, clientID string, hash []byte) error {
	ctx, cancel, err := s.op(ctx, "delete token")
	if err != nil {
		return err
	}
	defer cancel()
	old, err := deleteToken.Run(ctx, s.c, []string{tokensKey(clientID)}, hash).Text()
	if err != nil {
		return s.fail(ctx, "delete token", err) // redis.Nil: no record, ErrNotFound
	}
	exp, err := codec.TokenExpiry([]byte(old))
	if err != nil {
		return fmt.Errorf("delete token of key %q: %w", clientID, err)
	}
	if !time.Unix(0, exp).After(s.now()) {
		return fmt.Errorf("delete token of key %q: expired: %w", clientID, store.ErrNotFound)
	}
	return nil
}

// scanBatch is the HSCAN COUNT hint of ListTokens.
const scanBatch = 1000

// ListTokens reads the key's whole token hash, then sorts and pages it.
func (s *Store) ListTokens(ctx context.Context, clientID string, p store.Page,
) ([]store.Token, string, error) {
	after := func(store.Token) bool { return true }
	if p.Cursor != "" {
		exp, hash, err := codec.ParseTokenCursor(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list tokens: %w", contract.BadCursor(p.Cursor))
		}
		after = func(t store.Token) bool { return compareTokens(t, exp, hash) > 0 }
	}
	ctx, cancel, err := s.op(ctx, "list tokens")
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	now, seen := s.now(), map[string]bool{}
	var tokens []store.Token
	for cursor := uint64(0); ; {
		fields, next, err := s.c.HScan(ctx, tokensKey(clientID), cursor, "", scanBatch).Result()
		if err != nil {
			return nil, "", s.fail(ctx, "list tokens", err)
		}
		for i := 0; i+1 < len(fields); i += 2 {
			field, value := fields[i], fields[i+1]
			if field == "" || seen[field] {
				continue // the sweep state, or a field HSCAN returned twice
			}
			seen[field] = true
			t, err := codec.DecodeToken(clientID, []byte(field), []byte(value))
			if err != nil {
				return nil, "", s.fail(ctx, "list tokens", err)
			}
			if t.ExpiresAt.After(now) && after(t) {
				tokens = append(tokens, t)
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.SortFunc(tokens, func(a, b store.Token) int {
		return compareTokens(a, b.ExpiresAt.UnixNano(), b.Hash)
	})
	pager := contract.NewPager[store.Token](p)
	for _, t := range tokens {
		if pager.Add(t) {
			break
		}
	}
	page, next := pager.Page(codec.TokenCursor)
	return page, next, nil
}

// compareTokens orders t against the position (expires, hash): by expiry,
// then hash, the order of every backend's listing.
func compareTokens(t store.Token, expires int64, hash []byte) int {
	if e := t.ExpiresAt.UnixNano(); e != expires {
		if e < expires {
			return -1
		}
		return 1
	}
	return bytes.Compare(t.Hash, hash)
}
