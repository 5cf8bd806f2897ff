// Package contract holds the rules of the store.Store contract that every
// backend applies alike: option defaults, page limits, input checks,
// audit filters and event copies. Keeping them in one place stops the
// backends from drifting apart; store/storetest checks the result.
package contract

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/positiveaction/tokens/store"
)

// Defaults documented on store.Options and store.Page.
const (
	DefaultOpTimeout      = 2 * time.Second
	DefaultAuditRetention = 90 * 24 * time.Hour
	DefaultLimit          = 100
	// MaxLimit bounds the work of one listing call; a caller asking for
	// more gets MaxLimit items and a cursor.
	MaxLimit = 1000
)

// WithDefaults fills the zero fields of o with the documented defaults.
func WithDefaults(o store.Options) store.Options {
	if o.OpTimeout <= 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.AuditRetention <= 0 {
		o.AuditRetention = DefaultAuditRetention
	}
	return o
}

// Limit is the number of items a page holds.
func Limit(p store.Page) int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// BadCursor reports a cursor the store did not hand out. It wraps
// store.ErrNotFound: the page asked for does not exist.
func BadCursor(cursor string) error {
	return fmt.Errorf("store: unknown page cursor %q: %w", cursor, store.ErrNotFound)
}

// Pager gathers one page of a listing that a backend walks in order: it
// keeps the first limit items and notes whether another one followed.
type Pager[T any] struct {
	limit int
	items []T
	more  bool
}

// NewPager starts a page of the size p asks for.
func NewPager[T any](p store.Page) *Pager[T] {
	return &Pager[T]{limit: Limit(p)}
}

// Add offers the next item in order and reports whether the page is
// complete, in which case the walk should stop.
func (p *Pager[T]) Add(v T) (full bool) {
	if len(p.items) == p.limit {
		p.more = true
		return true
	}
	p.items = append(p.items, v)
	return false
}

// Full reports whether the page is complete (more items are not needed
// except to learn whether another page follows).
func (p *Pager[T]) Full() bool { return p.more }

// Wanted is how many more items the walk may need, counting the one that
// tells whether another page follows.
func (p *Pager[T]) Wanted() int { return p.limit + 1 - len(p.items) }

// Page returns the items and the cursor of the next page, computed by
// cursor from the last item ("" when this page is the last).
func (p *Pager[T]) Page(cursor func(last T) string) ([]T, string) {
	if !p.more || len(p.items) == 0 {
		return p.items, ""
	}
	return p.items, cursor(p.items[len(p.items)-1])
}

// CheckKey rejects keys no backend can store. Braces are refused because
// the Redis backend uses the Client ID as a Cluster hash tag.
func CheckKey(k store.Key) error {
	if k.ClientID == "" {
		return errors.New("store: key without a Client ID")
	}
	if strings.ContainsAny(k.ClientID, "{}") {
		return fmt.Errorf("store: Client ID %q contains a brace", k.ClientID)
	}
	return nil
}

// CheckToken rejects token records no backend can store.
func CheckToken(t store.Token) error {
	if t.ClientID == "" || len(t.Hash) == 0 {
		return errors.New("store: token without a Client ID or hash")
	}
	if t.ExpiresAt.IsZero() || t.ExpiresAt.Year() < 1970 || t.ExpiresAt.Year() > 2261 {
		return fmt.Errorf("store: token expiry %s is out of range", t.ExpiresAt)
	}
	return nil
}

// CheckName rejects empty counter and singleton names, which the file
// backend cannot store.
func CheckName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("store: %s without a name", kind)
	}
	return nil
}

// CheckWindow rejects counter windows that could never hold a count.
func CheckWindow(name string, window time.Duration) error {
	if err := CheckName("counter", name); err != nil {
		return err
	}
	if window <= 0 {
		return fmt.Errorf("store: counter %q needs a positive window, not %s", name, window)
	}
	return nil
}

// AuditCutoff is the oldest time an audit entry may carry and still be
// listed: entries older than the retention are hidden at once and deleted
// by the backend's own trimming.
func AuditCutoff(now time.Time, o store.Options) time.Time {
	return now.Add(-WithDefaults(o).AuditRetention)
}

// MatchAudit reports whether e passes f and is within the retention.
// Since is inclusive and Until exclusive.
func MatchAudit(f store.AuditFilter, e store.AuditEntry, cutoff time.Time) bool {
	switch {
	case e.At.Before(cutoff):
		return false
	case f.Account != "" && e.Account != f.Account:
		return false
	case f.ClientID != "" && e.ClientID != f.ClientID:
		return false
	case !f.Since.IsZero() && e.At.Before(f.Since):
		return false
	case !f.Until.IsZero() && !e.At.Before(f.Until):
		return false
	}
	return true
}

// CopyRevocation returns r with its own hash slice and UTC times, as each
// subscriber receives it.
func CopyRevocation(r store.Revocation) store.Revocation {
	if len(r.TokenHash) == 0 {
		r.TokenHash = nil
	} else {
		r.TokenHash = append([]byte(nil), r.TokenHash...)
	}
	r.NotBefore = utc(r.NotBefore)
	r.At = utc(r.At)
	return r
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
