package codec

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/positiveaction/tokens/store"
)

var zone = time.FixedZone("UTC-03:30", -(3*3600 + 1800))

func sampleKey() store.Key {
	t := time.Date(2026, 12, 3, 16, 0, 0, 123456789, zone)
	return store.Key{
		ClientID: "760e8193-25ad-47b5-96fd-795371234567", Name: "Console key ✓",
		Account: "acme", Scopes: []string{"keys:manage", "tokens:introspect"},
		SecretHash: bytes.Repeat([]byte{7}, 32), PrevSecretHash: []byte{1},
		PrevSecretExpiresAt: t.Add(time.Hour), CreatedAt: t, LastUsedAt: t.Add(time.Minute),
		TokensNotBefore: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
}

func sampleToken() store.Token {
	t := time.Date(2026, 12, 3, 16, 0, 0, 987654321, zone)
	return store.Token{
		Hash: bytes.Repeat([]byte{9}, 32), ID: "0b7e4c3a-9d1f-4e2b-8a6c-5f3e2d1c0b9a",
		ClientID: "760e8193-25ad-47b5-96fd-795371234567", Account: "acme",
		Scopes: []string{"keys:manage"}, IssuedAt: t, ExpiresAt: t.Add(time.Hour),
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func TestKeyRoundTrip(t *testing.T) {
	full := sampleKey()
	want := full
	want.PrevSecretExpiresAt, want.CreatedAt = utc(want.PrevSecretExpiresAt), utc(want.CreatedAt)
	want.LastUsedAt = utc(want.LastUsedAt)
	for _, c := range []struct {
		name     string
		in, want store.Key
	}{
		{"every field", full, want},
		{"nothing but the Client ID", store.Key{ClientID: "x"}, store.Key{ClientID: "x"}},
		{"empty slices and a time before 1970",
			store.Key{ClientID: "x", Scopes: []string{}, SecretHash: []byte{},
				CreatedAt: time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC)},
			store.Key{ClientID: "x", CreatedAt: time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeKey(c.in.ClientID, EncodeKey(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("round trip:\n got  %+v\n want %+v", got, c.want)
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*store.Token)
	}{
		{"compact: a UUID and an issue time before the expiry", func(*store.Token) {}},
		{"full: a zero issue time", func(tk *store.Token) { tk.IssuedAt = time.Time{} }},
		{"full: an issue time after the expiry", func(tk *store.Token) {
			tk.IssuedAt = tk.ExpiresAt.Add(time.Second)
		}},
		{"an ID that is no canonical UUID", func(tk *store.Token) {
			tk.ID = "0B7E4C3A-9D1F-4E2B-8A6C-5F3E2D1C0B9A"
		}},
		{"an empty ID and no scopes", func(tk *store.Token) { tk.ID, tk.Scopes = "", nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := sampleToken()
			c.change(&in)
			b, err := EncodeToken(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeToken(in.ClientID, in.Hash, b)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.IssuedAt, want.ExpiresAt = utc(in.IssuedAt), utc(in.ExpiresAt)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got  %+v\n want %+v", got, want)
			}
			exp, err := TokenExpiry(b)
			if err != nil || exp != in.ExpiresAt.UnixNano() {
				t.Errorf("TokenExpiry = %d, %v; want %d", exp, err, in.ExpiresAt.UnixNano())
			}
		})
	}
}

func TestTokenRecordIsCompact(t *testing.T) {
	b, err := EncodeToken(sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	// A Redis value up to 60 bytes fits jemalloc's 64-byte class.
	if len(b) > 60 {
		t.Errorf("a usual token record takes %d bytes, want at most 60", len(b))
	}
}

func TestTokenExpiryOutOfRange(t *testing.T) {
	tk := sampleToken()
	tk.ExpiresAt = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := EncodeToken(tk); err == nil {
		t.Error("EncodeToken of an expiry in 2300 succeeded")
	}
}

func TestAuditRoundTrip(t *testing.T) {
	in := store.AuditEntry{ID: AuditID(1, 2), At: time.Date(2026, 1, 2, 3, 4, 5, 6, zone),
		Actor: "admin", Action: "key.create", Account: "acme", ClientID: "c", Remote: "::1",
		Detail: "name=x"}
	got, err := DecodeAudit(in.ID, EncodeAudit(in))
	if err != nil {
		t.Fatal(err)
	}
	in.At = in.At.UTC()
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got  %+v\n want %+v", got, in)
	}
}

func TestEveryTruncationAndTrailingByteIsCorrupt(t *testing.T) {
	tok, _ := EncodeToken(sampleToken())
	records := map[string][]byte{
		"key": EncodeKey(sampleKey()), "token": tok,
		"audit": EncodeAudit(store.AuditEntry{Actor: "admin", Detail: "x"}),
	}
	decode := map[string]func([]byte) error{
		"key":   func(b []byte) error { _, err := DecodeKey("c", b); return err },
		"token": func(b []byte) error { _, err := DecodeToken("c", []byte("h"), b); return err },
		"audit": func(b []byte) error { _, err := DecodeAudit("i", b); return err },
	}
	for name, rec := range records {
		for n := range len(rec) {
			if err := decode[name](rec[:n]); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s record cut to %d of %d bytes: %v, want ErrCorrupt", name, n,
					len(rec), err)
			}
		}
		if err := decode[name](append(bytes.Clone(rec), 0)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s record with a trailing byte: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestAuditIDsSortInAppendOrder(t *testing.T) {
	ids := []string{AuditID(1, 0), AuditID(1, 9), AuditID(1, 10), AuditID(2, 0),
		AuditID(1<<40, 0)}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Errorf("%s does not sort before %s", ids[i-1], ids[i])
		}
	}
	ms, seq, err := ParseAuditID(AuditID(1733241600000, 7))
	if err != nil || ms != 1733241600000 || seq != 7 {
		t.Errorf("ParseAuditID = %d, %d, %v", ms, seq, err)
	}
	for _, bad := range []string{"", "xyz", AuditID(1, 1) + "0", "0000000000000001000000000000000G",
		"0000000000000001000000000000000A"} {
		if _, _, err := ParseAuditID(bad); err == nil {
			t.Errorf("ParseAuditID(%q) succeeded", bad)
		}
	}
}

func TestTokenCursor(t *testing.T) {
	tk := sampleToken()
	exp, hash, err := ParseTokenCursor(TokenCursor(tk))
	if err != nil || exp != tk.ExpiresAt.UnixNano() || !bytes.Equal(hash, tk.Hash) {
		t.Errorf("ParseTokenCursor = %d, %x, %v", exp, hash, err)
	}
	for _, bad := range []string{"", "!!", "AAAA"} {
		if _, _, err := ParseTokenCursor(bad); err == nil {
			t.Errorf("ParseTokenCursor(%q) succeeded", bad)
		}
	}
}

func TestOrderedKeepsNumericOrder(t *testing.T) {
	nums := []int64{-1 << 62, -1, 0, 1, 1 << 62}
	for i := 1; i < len(nums); i++ {
		a, b := AppendOrdered(nil, nums[i-1]), AppendOrdered(nil, nums[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("%d does not sort before %d", nums[i-1], nums[i])
		}
		if n, err := Ordered(b); err != nil || n != nums[i] {
			t.Errorf("Ordered = %d, %v; want %d", n, err, nums[i])
		}
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic, and
// whatever decodes must encode to a record that decodes the same.
func FuzzDecode(f *testing.F) {
	tok, _ := EncodeToken(sampleToken())
	f.Add(EncodeKey(sampleKey()))
	f.Add(tok)
	f.Add(EncodeAudit(store.AuditEntry{Actor: "a"}))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := DecodeKey("c", b); err == nil {
			again, err := DecodeKey("c", EncodeKey(k))
			if err != nil || !reflect.DeepEqual(again, k) {
				t.Errorf("key %+v does not survive a round trip: %+v, %v", k, again, err)
			}
		}
		if tk, err := DecodeToken("c", []byte("h"), b); err == nil {
			enc, err := EncodeToken(tk)
			if err != nil {
				return // a decodable expiry outside the encodable range
			}
			again, err := DecodeToken("c", []byte("h"), enc)
			if err != nil || !reflect.DeepEqual(again, tk) {
				t.Errorf("token %+v does not survive a round trip: %+v, %v", tk, again, err)
			}
		}
		if e, err := DecodeAudit("i", b); err == nil {
			again, err := DecodeAudit("i", EncodeAudit(e))
			if err != nil || !reflect.DeepEqual(again, e) {
				t.Errorf("entry %+v does not survive a round trip: %+v, %v", e, again, err)
			}
		}
		_, _ = TokenExpiry(b)
		_, _ = DecodeTime(b)
		_, _, _ = ParseTokenCursor(string(b))
		_, _, _ = ParseAuditID(string(b))
	})
}

// formatUUID writes the canonical form (as google/uuid does) and parseUUID
// reads back only that form.
func TestUUIDForms(t *testing.T) {
	for range 1000 {
		u := uuid.New()
		s := formatUUID(u[:])
		if s != u.String() {
			t.Fatalf("formatUUID %q, want %q", s, u.String())
		}
		back, ok := parseUUID(s)
		if !ok || back != u {
			t.Fatalf("parseUUID(%q) = %x, %v", s, back, ok)
		}
	}
	for _, bad := range []string{
		"", "0198f0c3-5e5a-7c3e-9d7a-123456789ab", "0198F0C3-5E5A-7C3E-9D7A-123456789ABC",
		"0198f0c3x5e5a-7c3e-9d7a-123456789abc", "0198f0c35e5a-7c3e-9d7a-123456789abc-",
		"0198f0c3-5e5a-7c3e-9d7a-123456789abg", "0198f0c3-5e5a-7c3e-9d7a--23456789abc",
	} {
		if _, ok := parseUUID(bad); ok {
			t.Errorf("parseUUID(%q) accepted", bad)
		}
	}
	if formatUUID([]byte{1, 2, 3}) != "" {
		t.Error("formatUUID of 3 bytes is not empty")
	}
}
