// Package bolt is the embedded single-file backend, for file:PATH store
// URLs, on go.etcd.io/bbolt: a crash-safe B+tree in one file that one
// process at a time may open.
//
// Every change is written and fsynced before the call returns (one bbolt
// transaction per change). bbolt has no expiry, so expired records are
// hidden on read and swept once a minute through expiry indexes. Events fan
// out within the process, which is the only one using the file.
//
// It shares all of its logic with the in-memory backend (store/memory)
// through store/internal/kv; only where the bytes live differs.
package bolt

import (
	"errors"
	"fmt"
	"log/slog"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/contract"
	"github.com/positiveaction/tokens/store/internal/kv"
)

// Open opens (creating if needed) the store file at path. It waits up to
// opts.OpTimeout for a lock held by another process and then fails with an
// error naming the file, instead of blocking forever. logger receives
// background sweep failures and may be nil.
func Open(path string, opts store.Options, logger *slog.Logger) (store.Store, error) {
	opts = contract.WithDefaults(opts)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.OpTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store file %s: locked by another process "+
			"(waited %s): %w", path, opts.OpTimeout, store.ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("open store file %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range kv.Buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("prepare store file %s: %w", path, err)
	}
	return kv.New(engine{db: db}, kv.Config{Options: opts, Logger: logger}), nil
}

// engine adapts a bbolt database to kv.Engine.
type engine struct {
	db *bbolt.DB
}

func (e engine) View(fn func(kv.Tx) error) error {
	return e.db.View(func(t *bbolt.Tx) error { return fn(tx{t}) })
}

func (e engine) Update(fn func(kv.Tx) error) error {
	return e.db.Update(func(t *bbolt.Tx) error { return fn(tx{t}) })
}

func (e engine) Close() error { return e.db.Close() }

// tx adapts a bbolt transaction to kv.Tx.
type tx struct {
	t *bbolt.Tx
}

func (t tx) bucket(name string) (*bbolt.Bucket, error) {
	b := t.t.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("store file has no bucket %q", name)
	}
	return b, nil
}

func (t tx) Get(name string, key []byte) []byte {
	b, err := t.bucket(name)
	if err != nil || len(key) == 0 {
		return nil
	}
	return b.Get(key)
}

func (t tx) Put(name string, key, value []byte) error {
	b, err := t.bucket(name)
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

func (t tx) Delete(name string, key []byte) error {
	b, err := t.bucket(name)
	if err != nil {
		return err
	}
	return b.Delete(key)
}

func (t tx) Scan(name string, from []byte, fn func(key, value []byte) bool) error {
	b, err := t.bucket(name)
	if err != nil {
		return err
	}
	c := b.Cursor()
	k, v := c.Seek(from)
	if len(from) == 0 {
		k, v = c.First()
	}
	for ; k != nil; k, v = c.Next() {
		if !fn(k, v) {
			break
		}
	}
	return nil
}

func (t tx) Last(name string) []byte {
	b, err := t.bucket(name)
	if err != nil {
		return nil
	}
	k, _ := b.Cursor().Last()
	return k
}
