package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func newEntry(n int, account, client string, at time.Time) store.AuditEntry {
	return store.AuditEntry{
		At:       at,
		Actor:    "key:" + client,
		Action:   "key.rotate",
		Account:  account,
		ClientID: client,
		Remote:   "192.0.2.1:4711",
		Detail:   fmt.Sprintf("entry %d", n),
	}
}

func testAudit(t *testing.T, h *harness) {
	t.Run("append assigns increasing IDs and sets At when zero", func(t *testing.T) {
		s := h.open(t)
		before := time.Now()
		var want []store.AuditEntry
		for i := range 5 {
			e := newEntry(i, "acme", clientID(i), time.Time{})
			if i == 2 {
				e.At = now().Add(-500 * time.Millisecond)
			}
			must(t, "AppendAudit", s.AppendAudit(t.Context(), e))
			want = append(want, e)
		}
		after := time.Now()
		got := walkAudit(t, s, store.AuditFilter{}, 0)
		if len(got) != len(want) {
			t.Fatalf("ListAudit returned %d entries, want %d", len(got), len(want))
		}
		for i, e := range got {
			if e.ID == "" || i > 0 && e.ID <= got[i-1].ID {
				t.Errorf("entry %d has ID %q after %q: IDs must increase", i, e.ID, got[max(i-1, 0)].ID)
			}
			w := want[i]
			w.ID = e.ID
			if w.At.IsZero() {
				if e.At.Before(before) || e.At.After(after) || e.At.Location() != time.UTC {
					t.Errorf("entry %d At = %v, want a UTC time between %v and %v", i, e.At,
						before, after)
				}
				w.At = e.At
			}
			same(t, "entry", e, normAudit(w))
		}
	})

	t.Run("pages list oldest first", func(t *testing.T) {
		s := h.open(t)
		for i := range 5 {
			must(t, "AppendAudit", s.AppendAudit(t.Context(), newEntry(i, "acme", "c", time.Time{})))
		}
		all := walkAudit(t, s, store.AuditFilter{}, 0)
		same(t, "entries in pages of 2", walkAudit(t, s, store.AuditFilter{}, 2), all)
		for i, e := range all {
			if e.Detail != fmt.Sprintf("entry %d", i) {
				t.Fatalf("entry %d is %q: not in append order", i, e.Detail)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		s := h.open(t)
		// Times ahead of now, so the short retention of the suite cannot
		// hide them while the cases run.
		base := now().Add(time.Minute)
		ms := func(n int) time.Time { return base.Add(time.Duration(n) * 10 * time.Millisecond) }
		entries := []store.AuditEntry{
			newEntry(0, "a", "c1", ms(0)),
			newEntry(1, "a", "c2", ms(1)),
			newEntry(2, "b", "c3", ms(2)),
			newEntry(3, "a", "c1", ms(3)),
			newEntry(4, "b", "c3", ms(4)),
		}
		for _, e := range entries {
			must(t, "AppendAudit", s.AppendAudit(t.Context(), e))
		}
		cases := []struct {
			name string
			f    store.AuditFilter
			want []int
		}{
			{"by account", store.AuditFilter{Account: "a"}, []int{0, 1, 3}},
			{"by Client ID", store.AuditFilter{ClientID: "c3"}, []int{2, 4}},
			{"by account and Client ID", store.AuditFilter{Account: "a", ClientID: "c1"}, []int{0, 3}},
			{"since, inclusive", store.AuditFilter{Since: ms(1)}, []int{1, 2, 3, 4}},
			{"until, exclusive", store.AuditFilter{Until: ms(3)}, []int{0, 1, 2}},
			{"between", store.AuditFilter{Since: ms(1), Until: ms(3)}, []int{1, 2}},
			{"by account since", store.AuditFilter{Account: "b", Since: ms(3)}, []int{4}},
			{"matching nothing", store.AuditFilter{Account: "z"}, []int{}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := []string{}
				for _, e := range walkAudit(t, s, c.f, 2) {
					got = append(got, e.Detail)
				}
				want := []string{}
				for _, i := range c.want {
					want = append(want, entries[i].Detail)
				}
				same(t, "entries", got, want)
			})
		}
	})

	t.Run("a cursor the store never gave is ErrNotFound", func(t *testing.T) {
		s := h.open(t)
		_, _, err := s.ListAudit(t.Context(), store.AuditFilter{}, store.Page{Cursor: "nope"})
		wantBadCursor(t, "ListAudit", err)
	})
}

func testAuditRetention(t *testing.T, h *harness) {
	t.Run("an entry older than the retention is never listed", func(t *testing.T) {
		s := h.open(t)
		old := newEntry(0, "acme", "c", now().Add(-AuditRetention-time.Second))
		must(t, "AppendAudit", s.AppendAudit(t.Context(), old))
		fresh := newEntry(1, "acme", "c", time.Time{})
		must(t, "AppendAudit", s.AppendAudit(t.Context(), fresh))
		got := walkAudit(t, s, store.AuditFilter{}, 0)
		if len(got) != 1 || got[0].Detail != fresh.Detail {
			t.Fatalf("ListAudit = %+v, want only %q", got, fresh.Detail)
		}
	})

	t.Run("entries age out after the retention", func(t *testing.T) {
		s := h.open(t)
		start := time.Now()
		must(t, "AppendAudit", s.AppendAudit(t.Context(), newEntry(0, "acme", "c", time.Time{})))
		eventually(t, AuditRetention+3*time.Second, func() (bool, string) {
			got := walkAudit(t, s, store.AuditFilter{}, 0)
			return len(got) == 0, fmt.Sprintf("%d entries listed", len(got))
		})
		if took := time.Since(start); took < AuditRetention-100*time.Millisecond {
			t.Errorf("the entry was gone after %s, before the retention of %s", took,
				AuditRetention)
		}
		must(t, "AppendAudit", s.AppendAudit(t.Context(), newEntry(1, "acme", "c", time.Time{})))
		if got := walkAudit(t, s, store.AuditFilter{}, 0); len(got) != 1 {
			t.Errorf("ListAudit after a new append = %d entries, want 1", len(got))
		}
	})
}

func walkAudit(t *testing.T, s store.Store, f store.AuditFilter, limit int) []store.AuditEntry {
	t.Helper()
	all := []store.AuditEntry{}
	cursor := ""
	for range 100 {
		entries, next, err := s.ListAudit(t.Context(), f, store.Page{Cursor: cursor, Limit: limit})
		must(t, "ListAudit", err)
		if limit > 0 && len(entries) > limit {
			t.Fatalf("ListAudit returned %d entries for limit %d", len(entries), limit)
		}
		all = append(all, entries...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("ListAudit never returned a last page")
	return nil
}
