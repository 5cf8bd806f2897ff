package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

// testReopen writes one record of every kind, reopens the store and reads
// them all back.
func testReopen(t *testing.T, h *harness) {
	if h.b.Reopen == nil {
		t.Skip("this backend keeps nothing once closed")
	}
	s := h.open(t)
	k := newKey(clientID(1), "acme")
	must(t, "CreateKey", s.CreateKey(t.Context(), k))
	k.LastUsedAt = now()
	must(t, "TouchKey", s.TouchKey(t.Context(), k.ClientID, k.LastUsedAt))
	tok := newToken(k.ClientID, "kept", time.Hour)
	must(t, "SaveToken", s.SaveToken(t.Context(), tok))
	gone := newToken(k.ClientID, "deleted", time.Hour)
	must(t, "SaveToken", s.SaveToken(t.Context(), gone))
	must(t, "DeleteToken", s.DeleteToken(t.Context(), gone.ClientID, gone.Hash))
	_, err := s.Incr(t.Context(), "fails", time.Hour)
	must(t, "Incr", err)
	_, err = s.PutIfAbsent(t.Context(), "signing-key", []byte("first"))
	must(t, "PutIfAbsent", err)
	entry := newEntry(0, "acme", k.ClientID, time.Time{})
	must(t, "AppendAudit", s.AppendAudit(t.Context(), entry))

	s = h.b.Reopen(t, s)
	h.closeAtEnd(t, s)

	got, err := s.GetKey(t.Context(), k.ClientID)
	must(t, "GetKey", err)
	same(t, "key", got, normKey(k))
	wantIDs(t, s, store.KeyFilter{Account: "acme"}, k.ClientID)
	gotTok, _, err := s.LookupToken(t.Context(), tok.ClientID, tok.Hash)
	must(t, "LookupToken", err)
	same(t, "token", gotTok, normToken(tok))
	if _, _, err := s.LookupToken(t.Context(), gone.ClientID, gone.Hash); !errors.Is(err,
		store.ErrNotFound) {
		t.Errorf("LookupToken of the deleted token = %v, want ErrNotFound", err)
	}
	wantTokens(t, s, k.ClientID, tok)
	wantCount(t, s, "fails", 1)
	v, err := s.PutIfAbsent(t.Context(), "signing-key", []byte("second"))
	must(t, "PutIfAbsent", err)
	if string(v) != "first" {
		t.Errorf("PutIfAbsent after reopening = %q, want %q", v, "first")
	}
	entries := walkAudit(t, s, store.AuditFilter{}, 0)
	if len(entries) != 1 || entries[0].Detail != entry.Detail {
		t.Errorf("audit after reopening = %+v, want the one entry", entries)
	}
	// The audit sequence goes on after the entries already there.
	must(t, "AppendAudit", s.AppendAudit(t.Context(), newEntry(1, "acme", "c", time.Time{})))
	entries = walkAudit(t, s, store.AuditFilter{}, 0)
	if len(entries) != 2 || entries[1].ID <= entries[0].ID {
		t.Errorf("audit IDs after reopening do not increase: %+v", entries)
	}
}
