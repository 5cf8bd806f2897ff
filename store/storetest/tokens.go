package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func testTokens(t *testing.T, h *harness) {
	shapes := []struct {
		name   string
		change func(*store.Token)
	}{
		{"a usual token", func(*store.Token) {}},
		{"an ID that is no UUID and no scopes", func(tok *store.Token) {
			tok.ID, tok.Scopes = "jti/ü 1", nil
		}},
		{"an uppercase UUID and empty scopes", func(tok *store.Token) {
			tok.ID, tok.Scopes = "0B7E4C3A-9D1F-4E2B-8A6C-5F3E2D1C0B9A", []string{}
		}},
		{"a zero issue time and an empty account", func(tok *store.Token) {
			tok.IssuedAt, tok.Account = time.Time{}, ""
		}},
		{"an issue time after the expiry", func(tok *store.Token) {
			tok.IssuedAt = tok.ExpiresAt.Add(time.Hour)
		}},
		{"a short hash", func(tok *store.Token) { tok.Hash = []byte{0} }},
	}
	for _, c := range shapes {
		t.Run("save then look up returns "+c.name+" and its key", func(t *testing.T) {
			s := h.open(t)
			k := newKey(clientID(1), "acme")
			must(t, "CreateKey", s.CreateKey(t.Context(), k))
			tok := newToken(k.ClientID, "a", time.Hour)
			c.change(&tok)
			must(t, "SaveToken", s.SaveToken(t.Context(), tok))
			gotTok, gotKey, err := s.LookupToken(t.Context(), k.ClientID, tok.Hash)
			must(t, "LookupToken", err)
			same(t, "token", gotTok, normToken(tok))
			same(t, "key", gotKey, normKey(k))
		})
	}

	notFound := []struct {
		name  string
		setup func(t *testing.T, s store.Store, tok store.Token) (clientID string, hash []byte)
	}{
		{"an absent token", func(t *testing.T, s store.Store, tok store.Token) (string, []byte) {
			return tok.ClientID, sum("never saved")
		}},
		{"a token under another key's Client ID",
			func(t *testing.T, s store.Store, tok store.Token) (string, []byte) {
				must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(2), "acme")))
				return clientID(2), tok.Hash
			}},
		{"a token whose key was deleted",
			func(t *testing.T, s store.Store, tok store.Token) (string, []byte) {
				must(t, "DeleteKey", s.DeleteKey(t.Context(), tok.ClientID))
				return tok.ClientID, tok.Hash
			}},
		{"a token whose key was deleted and created again",
			func(t *testing.T, s store.Store, tok store.Token) (string, []byte) {
				must(t, "DeleteKey", s.DeleteKey(t.Context(), tok.ClientID))
				must(t, "CreateKey", s.CreateKey(t.Context(), newKey(tok.ClientID, "acme")))
				return tok.ClientID, tok.Hash
			}},
		{"a deleted token", func(t *testing.T, s store.Store, tok store.Token) (string, []byte) {
			must(t, "DeleteToken", s.DeleteToken(t.Context(), tok.ClientID, tok.Hash))
			return tok.ClientID, tok.Hash
		}},
	}
	for _, c := range notFound {
		t.Run("look up of "+c.name+" is ErrNotFound", func(t *testing.T) {
			s := h.open(t)
			must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
			tok := newToken(clientID(1), "a", time.Hour)
			must(t, "SaveToken", s.SaveToken(t.Context(), tok))
			id, hash := c.setup(t, s, tok)
			if _, _, err := s.LookupToken(t.Context(), id, hash); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("LookupToken = %v, want ErrNotFound", err)
			}
		})
	}

	t.Run("look up of a token whose key never existed is ErrNotFound", func(t *testing.T) {
		s := h.open(t)
		tok := newToken(clientID(1), "a", time.Hour)
		must(t, "SaveToken", s.SaveToken(t.Context(), tok))
		if _, _, err := s.LookupToken(t.Context(), tok.ClientID, tok.Hash); !errors.Is(err,
			store.ErrNotFound) {
			t.Fatalf("LookupToken = %v, want ErrNotFound", err)
		}
	})

	t.Run("delete removes one token and a second delete is ErrNotFound", func(t *testing.T) {
		s := h.open(t)
		must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
		a, b := newToken(clientID(1), "a", time.Hour), newToken(clientID(1), "b", time.Hour)
		must(t, "SaveToken", s.SaveToken(t.Context(), a))
		must(t, "SaveToken", s.SaveToken(t.Context(), b))
		must(t, "DeleteToken", s.DeleteToken(t.Context(), a.ClientID, a.Hash))
		if err := s.DeleteToken(t.Context(), a.ClientID, a.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second DeleteToken = %v, want ErrNotFound", err)
		}
		if _, _, err := s.LookupToken(t.Context(), b.ClientID, b.Hash); err != nil {
			t.Fatalf("LookupToken of the other token = %v", err)
		}
		wantTokens(t, s, clientID(1), b)
	})

	t.Run("saving a token again replaces its record", func(t *testing.T) {
		s := h.open(t)
		must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
		tok := newToken(clientID(1), "a", time.Hour)
		must(t, "SaveToken", s.SaveToken(t.Context(), tok))
		tok.ExpiresAt, tok.Scopes = tok.ExpiresAt.Add(time.Hour), []string{"other"}
		must(t, "SaveToken again", s.SaveToken(t.Context(), tok))
		got, _, err := s.LookupToken(t.Context(), tok.ClientID, tok.Hash)
		must(t, "LookupToken", err)
		same(t, "token", got, normToken(tok))
		wantTokens(t, s, clientID(1), tok)
	})

	t.Run("a token saved already expired is not recorded", func(t *testing.T) {
		s := h.open(t)
		must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(1), "acme")))
		tok := newToken(clientID(1), "a", -time.Second)
		must(t, "SaveToken", s.SaveToken(t.Context(), tok))
		if _, _, err := s.LookupToken(t.Context(), tok.ClientID, tok.Hash); !errors.Is(err,
			store.ErrNotFound) {
			t.Fatalf("LookupToken = %v, want ErrNotFound", err)
		}
		wantTokens(t, s, clientID(1))
	})

	t.Run("a token without a hash is refused", func(t *testing.T) {
		s := h.open(t)
		tok := newToken(clientID(1), "a", time.Hour)
		tok.Hash = nil
		if err := s.SaveToken(t.Context(), tok); err == nil {
			t.Fatal("SaveToken without a hash succeeded")
		}
	})
}

// wantTokens fails the test unless the key's tokens, listed on one page,
// are exactly want (in listing order).
func wantTokens(t *testing.T, s store.Store, clientID string, want ...store.Token) {
	t.Helper()
	got, next, err := s.ListTokens(t.Context(), clientID, store.Page{})
	must(t, "ListTokens", err)
	norm := []store.Token{}
	for _, tok := range want {
		norm = append(norm, normToken(tok))
	}
	if got == nil {
		got = []store.Token{}
	}
	same(t, "tokens listed", got, norm)
	if next != "" {
		t.Errorf("ListTokens gave cursor %q on the only page", next)
	}
}
