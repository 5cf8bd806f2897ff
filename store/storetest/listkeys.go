package storetest

import (
	"errors"
	"testing"

	"github.com/positiveaction/tokens/store"
)

func testListKeys(t *testing.T, h *harness) {
	s := h.open(t)
	// Created out of order, in two accounts: listings sort by Client ID.
	accounts := map[int]string{3: "acme", 1: "acme", 5: "acme", 2: "beta", 4: "beta"}
	created := map[int]store.Key{}
	for _, n := range []int{3, 1, 5, 2, 4} {
		created[n] = newKey(clientID(n), accounts[n])
		must(t, "CreateKey", s.CreateKey(t.Context(), created[n]))
	}
	ids := func(ns ...int) []string {
		out := []string{}
		for _, n := range ns {
			out = append(out, clientID(n))
		}
		return out
	}
	cases := []struct {
		name    string
		account string
		limit   int
		want    []string
	}{
		{"every account on one page", "", 0, ids(1, 2, 3, 4, 5)},
		{"every account two at a time", "", 2, ids(1, 2, 3, 4, 5)},
		{"one account on one page", "acme", 0, ids(1, 3, 5)},
		{"one account one at a time", "acme", 1, ids(1, 3, 5)},
		{"one account with a page of its exact size", "beta", 2, ids(2, 4)},
		{"an account without keys", "gamma", 0, ids()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := walkKeys(t, s, store.KeyFilter{Account: c.account}, c.limit)
			same(t, "Client IDs over all pages", clientIDs(got), c.want)
		})
	}

	t.Run("listed keys are whole records", func(t *testing.T) {
		keys, _, err := s.ListKeys(t.Context(), store.KeyFilter{Account: "beta"}, store.Page{Limit: 1})
		must(t, "ListKeys", err)
		if len(keys) != 1 {
			t.Fatalf("ListKeys returned %d keys, want 1", len(keys))
		}
		same(t, "listed key", keys[0], normKey(created[2]))
	})

	t.Run("a cursor after the last key gives an empty last page", func(t *testing.T) {
		keys, next, err := s.ListKeys(t.Context(), store.KeyFilter{},
			store.Page{Cursor: clientID(5), Limit: 10})
		must(t, "ListKeys", err)
		if len(keys) != 0 || next != "" {
			t.Errorf("ListKeys after the last key = %d keys, cursor %q; want none, \"\"",
				len(keys), next)
		}
	})

	t.Run("limit 0 means 100", func(t *testing.T) {
		s := h.open(t)
		for n := range 101 {
			must(t, "CreateKey", s.CreateKey(t.Context(), store.Key{ClientID: clientID(1000 + n)}))
		}
		keys, next, err := s.ListKeys(t.Context(), store.KeyFilter{}, store.Page{})
		must(t, "ListKeys", err)
		if len(keys) != 100 || next == "" {
			t.Fatalf("first page = %d keys, cursor %q; want 100 and a cursor", len(keys), next)
		}
		keys, next, err = s.ListKeys(t.Context(), store.KeyFilter{}, store.Page{Cursor: next})
		must(t, "ListKeys", err)
		if len(keys) != 1 || keys[0].ClientID != clientID(1100) || next != "" {
			t.Fatalf("second page = %v, cursor %q; want only %s", clientIDs(keys), next,
				clientID(1100))
		}
	})
}

// walkKeys lists every page of f and returns the keys in order, checking
// that only the last page lacks a cursor.
func walkKeys(t *testing.T, s store.Store, f store.KeyFilter, limit int) []store.Key {
	t.Helper()
	var all []store.Key
	cursor := ""
	for range 100 {
		keys, next, err := s.ListKeys(t.Context(), f, store.Page{Cursor: cursor, Limit: limit})
		must(t, "ListKeys", err)
		if limit > 0 && len(keys) > limit {
			t.Fatalf("ListKeys returned %d keys for limit %d", len(keys), limit)
		}
		all = append(all, keys...)
		if next == "" {
			return all
		}
		if len(keys) == 0 {
			t.Fatalf("ListKeys returned an empty page with cursor %q", next)
		}
		cursor = next
	}
	t.Fatal("ListKeys never returned a last page")
	return nil
}

// wantBadCursor fails the test unless err reports an unknown cursor.
func wantBadCursor(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s with a cursor the store never gave = %v, want ErrNotFound", what, err)
	}
}
