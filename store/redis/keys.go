package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// Key names; see the layout in the package comment.
const allKeys = "pa:keys"

func keyKey(clientID string) string     { return "pa:k:{" + clientID + "}" }
func tokensKey(clientID string) string  { return "pa:t:{" + clientID + "}" }
func accountKeys(account string) string { return "pa:ak:{" + account + "}" }

// CreateKey adds the key to both indexes, then stores its record if the
// Client ID is free. A refused create leaves an index entry that listings
// skip, since the record they find is another account's or the same.
func (s *Store) CreateKey(ctx context.Context, k store.Key) error {
	if err := contract.CheckKey(k); err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	ctx, cancel, err := s.op(ctx, "create key")
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.index(ctx, k); err != nil {
		return s.fail(ctx, "create key: index", err)
	}
	created, err := createKey.Run(ctx, s.c, []string{keyKey(k.ClientID)},
		codec.EncodeKey(k), codec.AppendTime(nil, k.LastUsedAt)).Int()
	if err != nil {
		return s.fail(ctx, "create key", err)
	}
	if created == 0 {
		return fmt.Errorf("create key %q: %w", k.ClientID, store.ErrAlreadyExists)
	}
	return nil
}

// index adds k's Client ID to the index of all keys and of its account.
func (s *Store) index(ctx context.Context, k store.Key) error {
	member := redis.Z{Member: k.ClientID}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, allKeys, member)
		p.ZAdd(ctx, accountKeys(k.Account), member)
		return nil
	})
	return err
}

// GetKey reads a key record and its last-used time.
func (s *Store) GetKey(ctx context.Context, clientID string) (store.Key, error) {
	ctx, cancel, err := s.op(ctx, "get key")
	if err != nil {
		return store.Key{}, err
	}
	defer cancel()
	cmd := s.c.HMGet(ctx, keyKey(clientID), keyFields...)
	k, err := decodeKey(clientID, cmd)
	if err != nil {
		return store.Key{}, s.fail(ctx, "get key", err)
	}
	return k, nil
}

// keyFields are the fields of a key hash read together: the record, the
// last-used time and the revocation mark.
var keyFields = []string{"r", "u", "n"}

// decodeKey turns the answer of HMGET r u n into a key; redis.Nil when the
// key does not exist.
func decodeKey(clientID string, cmd *redis.SliceCmd) (store.Key, error) {
	vals, err := cmd.Result()
	if err != nil {
		return store.Key{}, err
	}
	if len(vals) != 3 || vals[0] == nil {
		return store.Key{}, redis.Nil
	}
	rec, ok1 := vals[0].(string)
	used, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return store.Key{}, fmt.Errorf("key %q: %w: missing fields", clientID, codec.ErrCorrupt)
	}
	k, err := codec.DecodeKey(clientID, []byte(rec))
	if err != nil {
		return store.Key{}, err
	}
	if k.LastUsedAt, err = codec.DecodeTime([]byte(used)); err != nil {
		return store.Key{}, fmt.Errorf("key %q last use: %w", clientID, err)
	}
	if mark, ok := vals[2].(string); ok {
		at, err := decodeMark(mark)
		if err != nil {
			return store.Key{}, fmt.Errorf("key %q revocation mark: %w", clientID, err)
		}
		if at.After(k.TokensNotBefore) {
			k.TokensNotBefore = at
		}
	}
	return k, nil
}

// MarkTokensNotBefore raises the key's revocation mark in field n alone.
func (s *Store) MarkTokensNotBefore(ctx context.Context, clientID string, at time.Time) error {
	mark, err := encodeMark(at)
	if err != nil {
		return fmt.Errorf("mark key %q: %w", clientID, err)
	}
	ctx, cancel, err := s.op(ctx, "mark key")
	if err != nil {
		return err
	}
	defer cancel()
	found, err := markKey.Run(ctx, s.c, []string{keyKey(clientID)}, mark).Int()
	if err != nil {
		return s.fail(ctx, "mark key", err)
	}
	if found == 0 {
		return fmt.Errorf("mark key %q: %w", clientID, store.ErrNotFound)
	}
	return nil
}

// encodeMark writes a time as 20 digits of seconds and 9 of nanoseconds,
// so marks compare as strings in time order. Times before 1970 are refused.
func encodeMark(t time.Time) (string, error) {
	if t.Unix() < 0 {
		return "", fmt.Errorf("mark %v is before 1970", t)
	}
	return fmt.Sprintf("%020d%09d", t.Unix(), t.Nanosecond()), nil
}

func decodeMark(s string) (time.Time, error) {
	var sec, nsec int64
	if len(s) != 29 {
		return time.Time{}, codec.ErrCorrupt
	}
	if _, err := fmt.Sscanf(s[:20], "%d", &sec); err != nil {
		return time.Time{}, codec.ErrCorrupt
	}
	if _, err := fmt.Sscanf(s[20:], "%d", &nsec); err != nil {
		return time.Time{}, codec.ErrCorrupt
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// UpdateKey indexes the key under its (possibly new) account first, then
// replaces the record, then drops the old account's entry if it moved.
func (s *Store) UpdateKey(ctx context.Context, k store.Key) error {
	if err := contract.CheckKey(k); err != nil {
		return fmt.Errorf("update key: %w", err)
	}
	ctx, cancel, err := s.op(ctx, "update key")
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.c.ZAdd(ctx, accountKeys(k.Account), redis.Z{Member: k.ClientID}).Err(); err != nil {
		return s.fail(ctx, "update key: index", err)
	}
	old, err := updateKey.Run(ctx, s.c, []string{keyKey(k.ClientID)}, codec.EncodeKey(k)).Text()
	if err != nil {
		return s.fail(ctx, "update key "+k.ClientID, err)
	}
	if prev, err := codec.DecodeKey(k.ClientID, []byte(old)); err == nil &&
		prev.Account != k.Account {
		err := s.c.ZRem(ctx, accountKeys(prev.Account), k.ClientID).Err()
		return s.fail(ctx, "update key: unindex", err)
	}
	return nil
}

// TouchKey sets the last-used time alone, so it never undoes a concurrent
// update of the record.
func (s *Store) TouchKey(ctx context.Context, clientID string, at time.Time) error {
	ctx, cancel, err := s.op(ctx, "touch key")
	if err != nil {
		return err
	}
	defer cancel()
	err = touchKey.Run(ctx, s.c, []string{keyKey(clientID)}, codec.AppendTime(nil, at)).Err()
	return s.fail(ctx, "touch key", err)
}

// DeleteKey removes the record and the tokens first, the index entries
// last.
func (s *Store) DeleteKey(ctx context.Context, clientID string) error {
	ctx, cancel, err := s.op(ctx, "delete key")
	if err != nil {
		return err
	}
	defer cancel()
	old, err := deleteKey.Run(ctx, s.c, []string{keyKey(clientID), tokensKey(clientID)}).Text()
	if err != nil {
		return s.fail(ctx, "delete key "+clientID, err)
	}
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, allKeys, clientID)
		if prev, err := codec.DecodeKey(clientID, []byte(old)); err == nil {
			p.ZRem(ctx, accountKeys(prev.Account), clientID)
		}
		return nil
	})
	return s.fail(ctx, "delete key: unindex", err)
}

// ListKeys walks an index by Client ID and reads the records it names in
// one pipeline per batch, skipping entries without a matching record.
func (s *Store) ListKeys(ctx context.Context, f store.KeyFilter, p store.Page,
) ([]store.Key, string, error) {
	ctx, cancel, err := s.op(ctx, "list keys")
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	index := allKeys
	if f.Account != "" {
		index = accountKeys(f.Account)
	}
	pager := contract.NewPager[store.Key](p)
	start := "-"
	if p.Cursor != "" {
		start = "(" + p.Cursor
	}
	for {
		want := pager.Wanted()
		ids, err := s.c.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: index, Start: start, Stop: "+", ByLex: true, Count: int64(want),
		}).Result()
		if err != nil {
			return nil, "", s.fail(ctx, "list keys", err)
		}
		keys, err := s.readKeys(ctx, ids)
		if err != nil {
			return nil, "", s.fail(ctx, "list keys", err)
		}
		for _, k := range keys {
			if (f.Account == "" || k.Account == f.Account) && pager.Add(k) {
				break
			}
		}
		if pager.Full() || len(ids) < want {
			break
		}
		start = "(" + ids[len(ids)-1]
	}
	keys, next := pager.Page(func(k store.Key) string { return k.ClientID })
	return keys, next, nil
}

// readKeys reads the keys ids name, leaving out those that do not exist.
func (s *Store) readKeys(ctx context.Context, ids []string) ([]store.Key, error) {
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, keyKey(id), keyFields...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	keys := make([]store.Key, 0, len(ids))
	for i, id := range ids {
		k, err := decodeKey(id, cmds[i])
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}
