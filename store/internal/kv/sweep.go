package kv

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// sweepBatch bounds the records one sweep transaction deletes, so a large
// backlog never holds the write lock for long.
const sweepBatch = 1000

func (s *Store) sweepLoop(ctx context.Context, every time.Duration) {
	defer close(s.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "store sweep failed", "err", err)
			}
		}
	}
}

// Sweep deletes expired tokens and counters and audit entries past the
// retention. Reads never return them anyway; sweeping only frees space.
func (s *Store) Sweep(ctx context.Context) error {
	now := s.now()
	sweeps := []struct {
		name string
		fn   func(Tx, time.Time) (int, error)
	}{
		{"tokens", sweepTokens},
		{"counters", sweepCounters},
		{"audit", s.sweepAudit},
	}
	for _, sw := range sweeps {
		for {
			var n int
			err := s.update(ctx, "sweep "+sw.name, func(tx Tx) (err error) {
				n, err = sw.fn(tx, now)
				return err
			})
			if err != nil {
				return err
			}
			if n < sweepBatch {
				break
			}
		}
	}
	return nil
}

// expiredKeys returns up to sweepBatch keys of bucket, which starts with
// an ordered time, whose time is not after now.
func expiredKeys(tx Tx, bucket string, now time.Time) ([][]byte, error) {
	limit := codec.AppendOrdered(nil, now.UnixNano()+1)
	var keys [][]byte
	err := tx.Scan(bucket, nil, func(key, _ []byte) bool {
		if bytes.Compare(key, limit) >= 0 || len(keys) == sweepBatch {
			return false
		}
		keys = append(keys, bytes.Clone(key))
		return true
	})
	return keys, err
}

func sweepTokens(tx Tx, now time.Time) (int, error) {
	keys, err := expiredKeys(tx, bucketExpiries, now)
	if err != nil {
		return 0, err
	}
	for _, key := range keys {
		exp, clientID, hash, err := parseExpiryKey(key)
		if err != nil {
			return 0, err
		}
		if err := deleteAll(tx,
			entry{bucket: bucketTokens, key: tokenKey(clientID, hash)},
			entry{bucket: bucketKeyTokens, key: keyTokenKey(clientID, exp, hash)},
			entry{bucket: bucketExpiries, key: key},
		); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func parseExpiryKey(key []byte) (exp int64, clientID string, hash []byte, err error) {
	exp, err = codec.Ordered(key)
	if err != nil {
		return 0, "", nil, err
	}
	clientID, hash, ok := splitPrefixed(key[8:])
	if !ok {
		return 0, "", nil, fmt.Errorf("token expiry index: %w", codec.ErrCorrupt)
	}
	return exp, clientID, hash, nil
}

func sweepCounters(tx Tx, now time.Time) (int, error) {
	keys, err := expiredKeys(tx, bucketCounterExpiries, now)
	if err != nil {
		return 0, err
	}
	for _, key := range keys {
		if len(key) < 8 {
			return 0, fmt.Errorf("counter expiry index: %w", codec.ErrCorrupt)
		}
		name := key[8:]
		// A counter renewed since keeps its new window: delete only the
		// record this index entry belongs to.
		if v := tx.Get(bucketCounters, name); v != nil {
			c, err := decodeCounter(string(name), v)
			if err != nil {
				return 0, err
			}
			if c.expires <= now.UnixNano() {
				if err := tx.Delete(bucketCounters, name); err != nil {
					return 0, err
				}
			}
		}
		if err := tx.Delete(bucketCounterExpiries, key); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func (s *Store) sweepAudit(tx Tx, now time.Time) (int, error) {
	cutoff := contract.AuditCutoff(now, s.opts)
	var keys [][]byte
	err := tx.Scan(bucketAudit, nil, func(key, _ []byte) bool {
		if !auditAge(key).Before(cutoff) || len(keys) == sweepBatch {
			return false
		}
		keys = append(keys, bytes.Clone(key))
		return true
	})
	if err != nil {
		return 0, err
	}
	for _, key := range keys {
		if err := tx.Delete(bucketAudit, key); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
