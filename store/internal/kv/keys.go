package kv

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// CreateKey stores k unless its Client ID is taken.
func (s *Store) CreateKey(ctx context.Context, k store.Key) error {
	if err := contract.CheckKey(k); err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	return s.update(ctx, "create key", func(tx Tx) error {
		id := []byte(k.ClientID)
		if tx.Get(bucketKeys, id) != nil {
			return fmt.Errorf("key %q: %w", k.ClientID, store.ErrAlreadyExists)
		}
		if err := tx.Put(bucketKeys, id, codec.EncodeKey(k)); err != nil {
			return err
		}
		return tx.Put(bucketAccounts, accountKey(k.Account, k.ClientID), []byte{})
	})
}

// GetKey returns the key stored under clientID.
func (s *Store) GetKey(ctx context.Context, clientID string) (store.Key, error) {
	var k store.Key
	err := s.view(ctx, "get key", func(tx Tx) (err error) {
		k, err = getKey(tx, clientID)
		return err
	})
	return k, err
}

func getKey(tx Tx, clientID string) (store.Key, error) {
	v := tx.Get(bucketKeys, []byte(clientID))
	if v == nil {
		return store.Key{}, fmt.Errorf("key %q: %w", clientID, store.ErrNotFound)
	}
	return codec.DecodeKey(clientID, v)
}

// UpdateKey replaces a stored key, moving it between account indexes when
// its account changed.
func (s *Store) UpdateKey(ctx context.Context, k store.Key) error {
	if err := contract.CheckKey(k); err != nil {
		return fmt.Errorf("update key: %w", err)
	}
	return s.update(ctx, "update key", func(tx Tx) error {
		old, err := getKey(tx, k.ClientID)
		if err != nil {
			return err
		}
		k.LastUsedAt = old.LastUsedAt
		if old.TokensNotBefore.After(k.TokensNotBefore) {
			k.TokensNotBefore = old.TokensNotBefore
		}
		if err := tx.Put(bucketKeys, []byte(k.ClientID), codec.EncodeKey(k)); err != nil {
			return err
		}
		if old.Account == k.Account {
			return nil
		}
		if err := tx.Delete(bucketAccounts, accountKey(old.Account, k.ClientID)); err != nil {
			return err
		}
		return tx.Put(bucketAccounts, accountKey(k.Account, k.ClientID), []byte{})
	})
}

// MarkTokensNotBefore raises a key's revocation mark.
func (s *Store) MarkTokensNotBefore(ctx context.Context, clientID string, at time.Time) error {
	return s.update(ctx, "mark key", func(tx Tx) error {
		k, err := getKey(tx, clientID)
		if err != nil {
			return err
		}
		if !at.After(k.TokensNotBefore) {
			return nil
		}
		k.TokensNotBefore = at
		return tx.Put(bucketKeys, []byte(clientID), codec.EncodeKey(k))
	})
}

// TouchKey sets LastUsedAt of a key, if the key still exists.
func (s *Store) TouchKey(ctx context.Context, clientID string, at time.Time) error {
	return s.update(ctx, "touch key", func(tx Tx) error {
		k, err := getKey(tx, clientID)
		if err != nil {
			return ignoreNotFound(err)
		}
		k.LastUsedAt = at
		return tx.Put(bucketKeys, []byte(clientID), codec.EncodeKey(k))
	})
}

// DeleteKey removes a key, its account index entry and all its tokens.
func (s *Store) DeleteKey(ctx context.Context, clientID string) error {
	return s.update(ctx, "delete key", func(tx Tx) error {
		k, err := getKey(tx, clientID)
		if err != nil {
			return err
		}
		if err := tx.Delete(bucketKeys, []byte(clientID)); err != nil {
			return err
		}
		if err := tx.Delete(bucketAccounts, accountKey(k.Account, clientID)); err != nil {
			return err
		}
		return deleteKeyTokens(tx, clientID)
	})
}

// ListKeys walks keys in Client ID order, through the account index when
// the filter names an account.
func (s *Store) ListKeys(ctx context.Context, f store.KeyFilter, p store.Page,
) ([]store.Key, string, error) {
	pager := contract.NewPager[store.Key](p)
	err := s.view(ctx, "list keys", func(tx Tx) error {
		bucket, prefix := bucketKeys, []byte(nil)
		if f.Account != "" {
			bucket, prefix = bucketAccounts, prefixed(nil, f.Account)
		}
		from := append(bytes.Clone(prefix), p.Cursor...)
		if p.Cursor != "" {
			from = append(from, 0) // the first key after the cursor
		}
		var failed error
		err := tx.Scan(bucket, from, func(key, _ []byte) bool {
			if !bytes.HasPrefix(key, prefix) {
				return false
			}
			k, err := getKey(tx, string(key[len(prefix):]))
			if err != nil {
				failed = err
				return false
			}
			if f.Account != "" && k.Account != f.Account {
				return true // an index entry the key has left
			}
			return !pager.Add(k)
		})
		if err != nil {
			return err
		}
		return failed
	})
	if err != nil {
		return nil, "", err
	}
	keys, next := pager.Page(func(k store.Key) string { return k.ClientID })
	return keys, next, nil
}
