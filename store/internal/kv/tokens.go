package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// SaveToken records t and indexes it by expiry. A token that has already
// expired is not recorded at all.
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
	exp := t.ExpiresAt.UnixNano()
	return s.update(ctx, "save token", func(tx Tx) error {
		key := tokenKey(t.ClientID, t.Hash)
		if old := tx.Get(bucketTokens, key); old != nil {
			if err := deleteToken(tx, t.ClientID, t.Hash, old); err != nil {
				return err
			}
		}
		return putAll(tx,
			entry{bucketTokens, key, value},
			entry{bucketKeyTokens, keyTokenKey(t.ClientID, exp, t.Hash), []byte{}},
			entry{bucketExpiries, expiryKey(exp, t.ClientID, t.Hash), []byte{}},
		)
	})
}

// LookupToken returns a live token and its key, read in one transaction.
func (s *Store) LookupToken(ctx context.Context, clientID string, hash []byte,
) (store.Token, store.Key, error) {
	var (
		t store.Token
		k store.Key
	)
	err := s.view(ctx, "look up token", func(tx Tx) (err error) {
		if t, err = s.liveToken(tx, clientID, hash); err != nil {
			return err
		}
		k, err = getKey(tx, clientID)
		return err
	})
	if err != nil {
		return store.Token{}, store.Key{}, err
	}
	return t, k, nil
}

func (s *Store) liveToken(tx Tx, clientID string, hash []byte) (store.Token, error) {
	v := tx.Get(bucketTokens, tokenKey(clientID, hash))
	if v == nil {
		return store.Token{}, fmt.Errorf("token of key %q: %w", clientID, store.ErrNotFound)
	}
	t, err := codec.DecodeToken(clientID, hash, v)
	if err != nil {
		return store.Token{}, err
	}
	if !t.ExpiresAt.After(s.now()) {
		return store.Token{}, fmt.Errorf("token of key %q expired: %w", clientID, store.ErrNotFound)
	}
	return t, nil
}

// DeleteToken removes one live token record.
func (s *Store) DeleteToken(ctx context.Context, clientID string, hash []byte) error {
	return s.update(ctx, "delete token", func(tx Tx) error {
		if _, err := s.liveToken(tx, clientID, hash); err != nil {
			return err
		}
		return deleteToken(tx, clientID, hash, tx.Get(bucketTokens, tokenKey(clientID, hash)))
	})
}

// ListTokens walks a key's expiry index from the later of the cursor and
// now, so expired tokens are skipped without being read.
func (s *Store) ListTokens(ctx context.Context, clientID string, p store.Page,
) ([]store.Token, string, error) {
	prefix := prefixed(nil, clientID)
	from := codec.AppendOrdered(bytes.Clone(prefix), s.now().UnixNano()+1)
	if p.Cursor != "" {
		exp, hash, err := codec.ParseTokenCursor(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list tokens: %w", contract.BadCursor(p.Cursor))
		}
		after := append(keyTokenKey(clientID, exp, hash), 0)
		if bytes.Compare(after, from) > 0 {
			from = after
		}
	}
	pager := contract.NewPager[store.Token](p)
	err := s.view(ctx, "list tokens", func(tx Tx) error {
		var failed error
		err := tx.Scan(bucketKeyTokens, from, func(key, _ []byte) bool {
			if !bytes.HasPrefix(key, prefix) || len(key) < len(prefix)+8 {
				return false
			}
			hash := key[len(prefix)+8:]
			t, err := s.liveToken(tx, clientID, hash)
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					failed = err
					return false
				}
				return true
			}
			return !pager.Add(t)
		})
		if err != nil {
			return err
		}
		return failed
	})
	if err != nil {
		return nil, "", err
	}
	tokens, next := pager.Page(codec.TokenCursor)
	return tokens, next, nil
}

// deleteToken removes a token record and both its index entries; value is
// the stored record, which knows the expiry the indexes are keyed by.
func deleteToken(tx Tx, clientID string, hash, value []byte) error {
	exp, err := codec.TokenExpiry(value)
	if err != nil {
		return err
	}
	return deleteAll(tx,
		entry{bucket: bucketTokens, key: tokenKey(clientID, hash)},
		entry{bucket: bucketKeyTokens, key: keyTokenKey(clientID, exp, hash)},
		entry{bucket: bucketExpiries, key: expiryKey(exp, clientID, hash)},
	)
}

// deleteKeyTokens removes every token of a key, found through its index.
func deleteKeyTokens(tx Tx, clientID string) error {
	prefix := prefixed(nil, clientID)
	var doomed []entry
	err := tx.Scan(bucketKeyTokens, prefix, func(key, _ []byte) bool {
		if !bytes.HasPrefix(key, prefix) || len(key) < len(prefix)+8 {
			return false
		}
		exp, _ := codec.Ordered(key[len(prefix):])
		hash := bytes.Clone(key[len(prefix)+8:])
		doomed = append(doomed,
			entry{bucket: bucketTokens, key: tokenKey(clientID, hash)},
			entry{bucket: bucketKeyTokens, key: bytes.Clone(key)},
			entry{bucket: bucketExpiries, key: expiryKey(exp, clientID, hash)},
		)
		return true
	})
	if err != nil {
		return err
	}
	return deleteAll(tx, doomed...)
}

// entry names one record of a bucket, for batched writes and deletes.
type entry struct {
	bucket     string
	key, value []byte
}

func putAll(tx Tx, entries ...entry) error {
	for _, e := range entries {
		if err := tx.Put(e.bucket, e.key, e.value); err != nil {
			return err
		}
	}
	return nil
}

func deleteAll(tx Tx, entries ...entry) error {
	for _, e := range entries {
		if err := tx.Delete(e.bucket, e.key); err != nil {
			return err
		}
	}
	return nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
