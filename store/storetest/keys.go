package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func testKeys(t *testing.T, h *harness) {
	shapes := []struct {
		name string
		key  store.Key
	}{
		{"every field set", newKey(clientID(1), "acme")},
		{"only a Client ID: zero times and nil slices", store.Key{ClientID: clientID(2)}},
		{"empty slices come back nil", store.Key{
			ClientID: clientID(3), Scopes: []string{}, SecretHash: []byte{},
			PrevSecretHash: []byte{},
		}},
		{"a Client ID that is no UUID and odd text", store.Key{
			ClientID: "client/ü-Ω 1", Name: "Ключ 🔑\x00 tab\t", Account: "a_b-c",
			Scopes: []string{"", "x:y.z"}, SecretHash: []byte{0, 255, 0},
			CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, zone),
		}},
	}
	for _, c := range shapes {
		t.Run("create then get returns "+c.name, func(t *testing.T) {
			s := h.open(t)
			must(t, "CreateKey", s.CreateKey(t.Context(), c.key))
			got, err := s.GetKey(t.Context(), c.key.ClientID)
			must(t, "GetKey", err)
			same(t, "GetKey", got, normKey(c.key))
		})
	}

	t.Run("create with a taken Client ID fails and keeps the first key", func(t *testing.T) {
		s := h.open(t)
		first := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), first))
		second := newKey(clientID(1), "beta")
		second.Name = "second"
		if err := s.CreateKey(t.Context(), second); !errors.Is(err, store.ErrAlreadyExists) {
			t.Fatalf("second CreateKey = %v, want ErrAlreadyExists", err)
		}
		got, err := s.GetKey(t.Context(), first.ClientID)
		must(t, "GetKey", err)
		same(t, "GetKey", got, normKey(first))
		keys, _, err := s.ListKeys(t.Context(), store.KeyFilter{Account: "beta"}, store.Page{})
		must(t, "ListKeys", err)
		if len(keys) != 0 {
			t.Errorf("account beta lists %d keys after the refused create, want 0", len(keys))
		}
	})

	t.Run("create without a Client ID is refused", func(t *testing.T) {
		s := h.open(t)
		if err := s.CreateKey(t.Context(), store.Key{Name: "x"}); err == nil {
			t.Fatal("CreateKey without a Client ID succeeded")
		}
	})

	t.Run("get of an unknown Client ID is ErrNotFound", func(t *testing.T) {
		s := h.open(t)
		if _, err := s.GetKey(t.Context(), clientID(9)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetKey = %v, want ErrNotFound", err)
		}
	})

	t.Run("update replaces every field but the last use", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		k.Name, k.Scopes = "renamed", []string{"only"}
		k.SecretHash, k.PrevSecretHash = sum("new"), sum("old")
		k.PrevSecretExpiresAt = now().Add(time.Minute)
		k.TokensNotBefore = now()
		used := k.LastUsedAt
		k.LastUsedAt = time.Time{}
		must(t, "UpdateKey", s.UpdateKey(t.Context(), k))
		got, err := s.GetKey(t.Context(), k.ClientID)
		must(t, "GetKey", err)
		k.LastUsedAt = used // TouchKey owns it
		same(t, "GetKey after UpdateKey", got, normKey(k))
	})

	t.Run("a revocation mark survives a racing update and never moves back", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		k.TokensNotBefore = time.Time{}
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		stale, err := s.GetKey(t.Context(), k.ClientID) // a rotation reads…
		must(t, "GetKey", err)
		mark := now().Add(time.Second)
		must(t, "MarkTokensNotBefore", s.MarkTokensNotBefore(t.Context(), k.ClientID, mark))
		stale.SecretHash = sum("rotated") // …and writes after the revocation
		must(t, "UpdateKey", s.UpdateKey(t.Context(), stale))
		must(t, "MarkTokensNotBefore (earlier)",
			s.MarkTokensNotBefore(t.Context(), k.ClientID, mark.Add(-time.Hour)))
		got, err := s.GetKey(t.Context(), k.ClientID)
		must(t, "GetKey", err)
		if !got.TokensNotBefore.Equal(mark) || string(got.SecretHash) != string(sum("rotated")) {
			t.Fatalf("after mark, stale update and earlier mark: mark %v secret %x; want %v and the "+
				"rotated secret", got.TokensNotBefore, got.SecretHash, mark)
		}
		tok := newToken(k.ClientID, "marked", time.Minute)
		must(t, "SaveToken", s.SaveToken(t.Context(), tok))
		_, key, err := s.LookupToken(t.Context(), k.ClientID, tok.Hash)
		must(t, "LookupToken", err)
		if !key.TokensNotBefore.Equal(mark) {
			t.Fatalf("LookupToken's key has mark %v, want %v", key.TokensNotBefore, mark)
		}
		err = s.MarkTokensNotBefore(t.Context(), clientID(9), mark)
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkTokensNotBefore of a missing key = %v, want ErrNotFound", err)
		}
	})

	t.Run("update of a missing key is ErrNotFound and creates nothing", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		if err := s.UpdateKey(t.Context(), k); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UpdateKey = %v, want ErrNotFound", err)
		}
		if _, err := s.GetKey(t.Context(), k.ClientID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetKey after a failed update = %v, want ErrNotFound", err)
		}
	})

	t.Run("update to another account moves the key between listings", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		k.Account = "beta"
		must(t, "UpdateKey", s.UpdateKey(t.Context(), k))
		wantIDs(t, s, store.KeyFilter{Account: "acme"})
		wantIDs(t, s, store.KeyFilter{Account: "beta"}, k.ClientID)
		wantIDs(t, s, store.KeyFilter{}, k.ClientID)
	})

	t.Run("touch sets LastUsedAt and nothing else", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		k.LastUsedAt = now().Add(3 * time.Second)
		must(t, "TouchKey", s.TouchKey(t.Context(), k.ClientID, k.LastUsedAt))
		got, err := s.GetKey(t.Context(), k.ClientID)
		must(t, "GetKey", err)
		same(t, "GetKey after TouchKey", got, normKey(k))
	})

	t.Run("touch of a missing key is no error and creates nothing", func(t *testing.T) {
		s := h.open(t)
		must(t, "TouchKey", s.TouchKey(t.Context(), clientID(1), now()))
		if _, err := s.GetKey(t.Context(), clientID(1)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetKey after touching a missing key = %v, want ErrNotFound", err)
		}
		wantIDs(t, s, store.KeyFilter{})
	})

	t.Run("delete removes the key from gets and listings", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		must(t, "CreateKey", s.CreateKey(t.Context(), newKey(clientID(2), "acme")))
		must(t, "DeleteKey", s.DeleteKey(t.Context(), k.ClientID))
		if _, err := s.GetKey(t.Context(), k.ClientID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetKey after DeleteKey = %v, want ErrNotFound", err)
		}
		wantIDs(t, s, store.KeyFilter{}, clientID(2))
		wantIDs(t, s, store.KeyFilter{Account: "acme"}, clientID(2))
		if err := s.DeleteKey(t.Context(), k.ClientID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second DeleteKey = %v, want ErrNotFound", err)
		}
	})

	t.Run("a deleted Client ID can be created again", func(t *testing.T) {
		s := h.open(t)
		k := newKey(clientID(1), "acme")
		must(t, "CreateKey", s.CreateKey(t.Context(), k))
		must(t, "DeleteKey", s.DeleteKey(t.Context(), k.ClientID))
		k.Account = "beta"
		must(t, "CreateKey again", s.CreateKey(t.Context(), k))
		wantIDs(t, s, store.KeyFilter{Account: "acme"})
		wantIDs(t, s, store.KeyFilter{Account: "beta"}, k.ClientID)
	})
}

// wantIDs fails the test unless the listing of f holds exactly ids, in
// order, on one page.
func wantIDs(t *testing.T, s store.Store, f store.KeyFilter, ids ...string) {
	t.Helper()
	if ids == nil {
		ids = []string{}
	}
	keys, next, err := s.ListKeys(t.Context(), f, store.Page{})
	must(t, "ListKeys", err)
	same(t, "Client IDs listed for account "+f.Account, clientIDs(keys), ids)
	if next != "" {
		t.Errorf("ListKeys gave cursor %q on the only page", next)
	}
}

func clientIDs(keys []store.Key) []string {
	ids := []string{}
	for _, k := range keys {
		ids = append(ids, k.ClientID)
	}
	return ids
}
