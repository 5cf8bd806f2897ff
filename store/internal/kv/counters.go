package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// counter is a stored counter: its value and when its window ends.
type counter struct {
	expires int64
	count   int64
}

func (c counter) encode() []byte {
	return binary.BigEndian.AppendUint64(codec.AppendOrdered(nil, c.expires), uint64(c.count))
}

func decodeCounter(name string, b []byte) (counter, error) {
	if len(b) != 16 {
		return counter{}, fmt.Errorf("counter %q: %w: %d bytes", name, codec.ErrCorrupt, len(b))
	}
	exp, err := codec.Ordered(b)
	return counter{expires: exp, count: int64(binary.BigEndian.Uint64(b[8:]))}, err
}

// Incr adds one to a counter, starting a new window when there is no live
// one.
func (s *Store) Incr(ctx context.Context, name string, window time.Duration) (int64, error) {
	if err := contract.CheckWindow(name, window); err != nil {
		return 0, err
	}
	var n int64
	err := s.update(ctx, "increment counter", func(tx Tx) error {
		now := s.now()
		c, live, err := s.liveCounter(tx, name, now)
		if err != nil {
			return err
		}
		if !live {
			if c.expires != 0 {
				if err := tx.Delete(bucketCounterExpiries,
					counterExpiryKey(c.expires, name)); err != nil {
					return err
				}
			}
			c = counter{expires: now.Add(window).UnixNano()}
			if err := tx.Put(bucketCounterExpiries,
				counterExpiryKey(c.expires, name), []byte{}); err != nil {
				return err
			}
		}
		c.count++
		n = c.count
		return tx.Put(bucketCounters, []byte(name), c.encode())
	})
	return n, err
}

// Count returns the value of a live counter, or 0.
func (s *Store) Count(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.view(ctx, "read counter", func(tx Tx) error {
		c, live, err := s.liveCounter(tx, name, s.now())
		if live {
			n = c.count
		}
		return err
	})
	return n, err
}

// liveCounter reads a counter; live is false when it is absent or its
// window has ended, and c.expires is then non-zero only if it is stored.
func (s *Store) liveCounter(tx Tx, name string, now time.Time) (c counter, live bool, err error) {
	v := tx.Get(bucketCounters, []byte(name))
	if v == nil {
		return counter{}, false, nil
	}
	if c, err = decodeCounter(name, v); err != nil {
		return counter{}, false, err
	}
	return c, c.expires > now.UnixNano(), nil
}

// PutIfAbsent stores value under name unless a value is there, and returns
// the stored one. Values carry a leading marker byte so that an empty value
// is still present.
func (s *Store) PutIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := contract.CheckName("singleton", name); err != nil {
		return nil, err
	}
	var out []byte
	err := s.update(ctx, "put singleton", func(tx Tx) error {
		if v := tx.Get(bucketSingletons, []byte(name)); v != nil {
			if len(v) == 0 || v[0] != singletonMarker {
				return fmt.Errorf("singleton %q: %w", name, codec.ErrCorrupt)
			}
			out = bytes.Clone(v[1:])
			return nil
		}
		out = bytes.Clone(value)
		return tx.Put(bucketSingletons, []byte(name), append([]byte{singletonMarker}, value...))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const singletonMarker = 1
