package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/codec"
	"github.com/positiveaction/tokens/store/internal/contract"
)

const (
	auditStream = "pa:audit"
	// auditBatch is how many stream entries one XRANGE reads while a
	// filtered listing looks for matches.
	auditBatch = 200
)

// AppendAudit adds e to the stream, whose ID Redis assigns, and trims
// entries appended before the retention cutoff (MINID) in the same call.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	now := s.now()
	if e.At.IsZero() {
		e.At = now
	}
	ctx, cancel, err := s.op(ctx, "append audit entry")
	if err != nil {
		return err
	}
	defer cancel()
	cutoff := max(contract.AuditCutoff(now, s.opts).UnixMilli(), 0)
	err = s.c.XAdd(ctx, &redis.XAddArgs{
		Stream: auditStream,
		MinID:  strconv.FormatInt(cutoff, 10),
		ID:     "*",
		Values: []any{"e", codec.EncodeAudit(e)},
	}).Err()
	return s.fail(ctx, "append audit entry", err)
}

// ListAudit reads the stream from the later of the cursor and the retention
// cutoff, in batches, until a page of matching entries is full.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, p store.Page,
) ([]store.AuditEntry, string, error) {
	cutoff := contract.AuditCutoff(s.now(), s.opts)
	start := strconv.FormatInt(max(cutoff.UnixMilli(), 0), 10)
	if p.Cursor != "" {
		ms, seq, err := codec.ParseAuditID(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list audit entries: %w", contract.BadCursor(p.Cursor))
		}
		if ms >= cutoff.UnixMilli() {
			start = fmt.Sprintf("(%d-%d", ms, seq)
		}
	}
	ctx, cancel, err := s.op(ctx, "list audit entries")
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	pager := contract.NewPager[store.AuditEntry](p)
	for {
		msgs, err := s.c.XRangeN(ctx, auditStream, start, "+", auditBatch).Result()
		if err != nil {
			return nil, "", s.fail(ctx, "list audit entries", err)
		}
		for _, m := range msgs {
			e, err := decodeEntry(m)
			if err != nil {
				return nil, "", s.fail(ctx, "list audit entries", err)
			}
			if contract.MatchAudit(f, e, cutoff) && pager.Add(e) {
				break
			}
		}
		if pager.Full() || len(msgs) < auditBatch {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	entries, next := pager.Page(func(e store.AuditEntry) string { return e.ID })
	return entries, next, nil
}

// decodeEntry turns a stream entry into an audit entry whose ID is the
// stream ID in the fixed-width form of codec.AuditID.
func decodeEntry(m redis.XMessage) (store.AuditEntry, error) {
	msText, seqText, ok := strings.Cut(m.ID, "-")
	ms, err1 := strconv.ParseInt(msText, 10, 64)
	seq, err2 := strconv.ParseUint(seqText, 10, 64)
	value, isText := m.Values["e"].(string)
	if !ok || err1 != nil || err2 != nil || !isText {
		return store.AuditEntry{}, fmt.Errorf("audit stream entry %s: %w", m.ID, codec.ErrCorrupt)
	}
	return codec.DecodeAudit(codec.AuditID(ms, seq), []byte(value))
}
