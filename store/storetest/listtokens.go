package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func testListTokens(t *testing.T, h *harness) {
	s := h.open(t)
	must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
	must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(2), "acme")))
	// Saved out of order; two share an expiry, so the hash breaks the tie.
	base := now()
	var want []store.Token
	for i, ttl := range []time.Duration{30, 10, 40, 20, 40} {
		tok := newToken(clientID(1), string(rune('a'+i)), time.Hour)
		tok.ExpiresAt = base.Add(ttl * time.Minute)
		must(t, "SaveToken", s.SaveToken(t.Context(), tok))
		want = append(want, normToken(tok))
	}
	must(t, "SaveToken", s.SaveToken(t.Context(), newToken(clientID(2), "other", time.Hour)))
	slices.SortFunc(want, func(a, b store.Token) int {
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return bytes.Compare(a.Hash, b.Hash)
	})

	for _, limit := range []int{0, 1, 2, 5} {
		t.Run("pages of "+strconv.Itoa(limit)+" list by expiry, then hash", func(t *testing.T) {
			same(t, "tokens over all pages", walkTokens(t, s, clientID(1), limit), want)
		})
	}

	t.Run("a key without tokens lists none", func(t *testing.T) {
		wantTokens(t, s, clientID(3))
	})

	t.Run("a cursor the store never gave is ErrNotFound", func(t *testing.T) {
		_, _, err := s.ListTokens(t.Context(), clientID(1), store.Page{Cursor: "not a cursor!"})
		wantBadCursor(t, "ListTokens", err)
	})
}

func walkTokens(t *testing.T, s store.Store, clientID string, limit int) []store.Token {
	t.Helper()
	all := []store.Token{}
	cursor := ""
	for range 100 {
		toks, next, err := s.ListTokens(t.Context(), clientID, store.Page{Cursor: cursor, Limit: limit})
		must(t, "ListTokens", err)
		if limit > 0 && len(toks) > limit {
			t.Fatalf("ListTokens returned %d tokens for limit %d", len(toks), limit)
		}
		all = append(all, toks...)
		if next == "" {
			return all
		}
		if len(toks) == 0 {
			t.Fatalf("ListTokens returned an empty page with cursor %q", next)
		}
		cursor = next
	}
	t.Fatal("ListTokens never returned a last page")
	return nil
}

// testTokenExpiry watches a short-lived token age out of every read while
// a long-lived one stays.
func testTokenExpiry(t *testing.T, h *harness) {
	s := h.open(t)
	must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
	const ttl = 1500 * time.Millisecond
	short := newToken(clientID(1), "short", ttl)
	long := newToken(clientID(1), "long", time.Hour)
	must(t, "SaveToken", s.SaveToken(t.Context(), short))
	must(t, "SaveToken", s.SaveToken(t.Context(), long))
	if _, _, err := s.LookupToken(t.Context(), short.ClientID, short.Hash); err != nil {
		t.Fatalf("LookupToken before the expiry: %v", err)
	}
	wantTokens(t, s, clientID(1), short, long)

	eventually(t, ttl+3*time.Second, func() (bool, string) {
		_, _, err := s.LookupToken(t.Context(), short.ClientID, short.Hash)
		return errors.Is(err, store.ErrNotFound), "LookupToken = " + errString(err)
	})
	if time.Now().Before(short.ExpiresAt) {
		t.Fatalf("the token was gone %s before its expiry", time.Until(short.ExpiresAt))
	}
	wantTokens(t, s, clientID(1), long)
	if err := s.DeleteToken(t.Context(), short.ClientID, short.Hash); !errors.Is(err,
		store.ErrNotFound) {
		t.Errorf("DeleteToken of an expired token = %v, want ErrNotFound", err)
	}
	if _, _, err := s.LookupToken(t.Context(), long.ClientID, long.Hash); err != nil {
		t.Errorf("LookupToken of the long-lived token: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
