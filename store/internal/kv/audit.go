package kv

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// AppendAudit stores e under the next ID: the current millisecond and a
// sequence number, never lower than the last ID even if the clock steps
// back, as Redis stream IDs are made.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	now := s.now()
	if e.At.IsZero() {
		e.At = now
	}
	value := codec.EncodeAudit(e)
	return s.update(ctx, "append audit entry", func(tx Tx) error {
		ms, seq := now.UnixMilli(), uint64(0)
		if last := tx.Last(bucketAudit); last != nil {
			if len(last) != 16 {
				return fmt.Errorf("audit key: %w", codec.ErrCorrupt)
			}
			if lastMS := int64(binary.BigEndian.Uint64(last)); lastMS >= ms {
				ms, seq = lastMS, binary.BigEndian.Uint64(last[8:])+1
			}
		}
		return tx.Put(bucketAudit, auditKey(ms, seq), value)
	})
}

// ListAudit walks entries in ID order from the later of the cursor and the
// retention cutoff.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, p store.Page,
) ([]store.AuditEntry, string, error) {
	cutoff := contract.AuditCutoff(s.now(), s.opts)
	from := auditKey(max(cutoff.UnixMilli(), 0), 0)
	if p.Cursor != "" {
		ms, seq, err := codec.ParseAuditID(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list audit entries: %w", contract.BadCursor(p.Cursor))
		}
		if ms >= cutoff.UnixMilli() {
			from = append(auditKey(ms, seq), 0)
		}
	}
	pager := contract.NewPager[store.AuditEntry](p)
	err := s.view(ctx, "list audit entries", func(tx Tx) error {
		var failed error
		err := tx.Scan(bucketAudit, from, func(key, value []byte) bool {
			e, err := decodeAudit(key, value)
			if err != nil {
				failed = err
				return false
			}
			if !contract.MatchAudit(f, e, cutoff) {
				return true
			}
			return !pager.Add(e)
		})
		if err != nil {
			return err
		}
		return failed
	})
	if err != nil {
		return nil, "", err
	}
	entries, next := pager.Page(func(e store.AuditEntry) string { return e.ID })
	return entries, next, nil
}

func decodeAudit(key, value []byte) (store.AuditEntry, error) {
	if len(key) != 16 {
		return store.AuditEntry{}, fmt.Errorf("audit key: %w", codec.ErrCorrupt)
	}
	id := codec.AuditID(int64(binary.BigEndian.Uint64(key)), binary.BigEndian.Uint64(key[8:]))
	return codec.DecodeAudit(id, value)
}

// auditAge is the time an audit key was appended at.
func auditAge(key []byte) time.Time {
	if len(key) < 8 {
		return time.Time{}
	}
	return time.UnixMilli(int64(binary.BigEndian.Uint64(key)))
}
