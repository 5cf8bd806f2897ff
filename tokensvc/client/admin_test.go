package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// adminClients starts a token service and returns clients of its admin and
// public listeners.
func adminClients(t *testing.T) (admin, public *client.Client, ts *testenv.TokenService) {
	t.Helper()
	ts = testenv.StartTokenService(t, testenv.Options{})
	return client.New(ts.AdminURL, nil), client.New(ts.URL, nil), ts
}

func TestAdminKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	admin, public, _ := adminClients(t)
	const tok = testenv.AdminToken

	k, err := admin.CreateKey(ctx, tok, client.NewKey{Name: "CI deploy", Account: "acme",
		Scopes: []string{"read", "write"}})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if k.SecretID == "" || k.ClientID == "" || k.Account != "acme" ||
		!slices.Equal(k.Scopes, []string{"read", "write"}) || k.LastUsedAt != nil {
		t.Fatalf("created key = %+v, want acme's key with read write, a secret, unused", k)
	}

	got, err := admin.GetKey(ctx, tok, k.ClientID)
	if err != nil || got.SecretID != "" || got.Name != "CI deploy" {
		t.Fatalf("GetKey = %+v, %v; want the key without its secret", got, err)
	}

	first, err := public.Token(ctx, k.ClientID, k.SecretID, nil)
	if err != nil {
		t.Fatalf("token with the created secret: %v", err)
	}
	toks, err := admin.ListTokens(ctx, tok, k.ClientID, 0, "")
	if err != nil || len(toks.Tokens) != 1 || toks.Tokens[0].ID == "" {
		t.Fatalf("ListTokens = %+v, %v; want one token with an ID", toks, err)
	}

	rotated, err := admin.RotateKey(ctx, tok, k.ClientID, 0)
	if err != nil || rotated.SecretID == "" || rotated.SecretID == k.SecretID {
		t.Fatalf("RotateKey = %+v, %v; want a new secret", rotated, err)
	}
	_, err = public.Token(ctx, k.ClientID, k.SecretID, nil)
	if !client.HasCode(err, "invalid_client") {
		t.Errorf("token with the rotated-out secret: %v, want invalid_client", err)
	}
	if _, err := public.Token(ctx, k.ClientID, rotated.SecretID, nil); err != nil {
		t.Errorf("token with the new secret: %v", err)
	}

	n, err := admin.Revoke(ctx, tok, client.RevokeTarget{Token: first.AccessToken})
	if err != nil || n != 1 {
		t.Errorf("Revoke(token) = %d, %v; want 1", n, err)
	}
	n, err = admin.Revoke(ctx, tok, client.RevokeTarget{Token: first.AccessToken})
	if n != 0 || err != nil {
		t.Errorf("Revoke(same token again) = %d, %v; want 0", n, err)
	}
	if n, err = admin.Revoke(ctx, tok, client.RevokeTarget{ClientID: k.ClientID}); n != 1 ||
		err != nil {
		t.Errorf("Revoke(clientId) = %d, %v; want 1", n, err)
	}
	if n, err = admin.Revoke(ctx, tok, client.RevokeTarget{Account: "acme"}); n != 1 || err != nil {
		t.Errorf("Revoke(account) = %d, %v; want 1 key marked", n, err)
	}

	link, err := admin.ConsoleLink(ctx, tok, "acme")
	if err != nil || !strings.Contains(link.URL, "/console/#token=") ||
		!link.ExpiresAt.After(time.Now()) {
		t.Errorf("ConsoleLink = %+v, %v", link, err)
	}

	if err := admin.DeleteKey(ctx, tok, k.ClientID); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if _, err := admin.GetKey(ctx, tok, k.ClientID); !client.HasCode(err, "not_found") {
		t.Errorf("GetKey after delete: %v, want not_found", err)
	}
}

func TestAdminCreateKeyScopes(t *testing.T) {
	ctx := context.Background()
	admin, _, _ := adminClients(t)
	tests := []struct {
		name   string
		scopes []string
		want   []string
	}{
		{"nil scopes get the service default", nil, []string{"api"}},
		{"an empty list asks for no scopes", []string{}, []string{}},
		{"given scopes are kept sorted", []string{"b", "a"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := admin.CreateKey(ctx, testenv.AdminToken,
				client.NewKey{Name: tt.name, Account: "scopes", Scopes: tt.scopes})
			if err != nil {
				t.Fatalf("CreateKey: %v", err)
			}
			if !slices.Equal(k.Scopes, tt.want) {
				t.Errorf("scopes = %q, want %q", k.Scopes, tt.want)
			}
		})
	}
}

func TestAdminListKeysPages(t *testing.T) {
	ctx := context.Background()
	admin, _, _ := adminClients(t)
	want := map[string]bool{}
	for _, name := range []string{"one", "two", "three"} {
		k, err := admin.CreateKey(ctx, testenv.AdminToken, client.NewKey{Name: name, Account: "paged"})
		if err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		want[k.ClientID] = true
	}
	if _, err := admin.CreateKey(ctx, testenv.AdminToken,
		client.NewKey{Name: "elsewhere", Account: "other"}); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	seen, cursor, pages := map[string]bool{}, "", 0
	for {
		page, err := admin.ListKeys(ctx, testenv.AdminToken, "paged", 2, cursor)
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		pages++
		for _, k := range page.Keys {
			if k.SecretID != "" || k.Account != "paged" {
				t.Errorf("listed key %+v: want paged's keys without secrets", k)
			}
			seen[k.ClientID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if pages != 2 || len(seen) != len(want) {
		t.Errorf("listed %d keys in %d pages, want %d in 2", len(seen), pages, len(want))
	}
}

func TestAdminAuditFilters(t *testing.T) {
	ctx := context.Background()
	admin, _, _ := adminClients(t)
	before := time.Now().Add(-time.Second)
	a, err := admin.CreateKey(ctx, testenv.AdminToken, client.NewKey{Name: "a", Account: "audited"})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	_, err = admin.CreateKey(ctx, testenv.AdminToken, client.NewKey{Name: "b", Account: "quiet"})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	tests := []struct {
		name  string
		query client.AuditQuery
		want  int
	}{
		{"by account", client.AuditQuery{Account: "audited"}, 1},
		{"by client id", client.AuditQuery{ClientID: a.ClientID}, 1},
		{"since before the changes", client.AuditQuery{Since: before}, 2},
		{"until before the changes", client.AuditQuery{Until: before}, 0},
		{"one per page", client.AuditQuery{Limit: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := admin.Audit(ctx, testenv.AdminToken, tt.query)
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if len(page.Entries) != tt.want {
				t.Errorf("got %d entries %+v, want %d", len(page.Entries), page.Entries, tt.want)
			}
		})
	}
}

func TestAdminErrorsCarryNoSecret(t *testing.T) {
	ctx := context.Background()
	admin, _, _ := adminClients(t)
	const wrongToken = "wrong-admin-token-wrong-admin-token-0000"
	const token = "eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJl"

	_, err := admin.ListKeys(ctx, wrongToken, "", 0, "")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Code != "unauthorized" {
		t.Errorf("wrong admin token: %v, want a 401 unauthorized *Error", err)
	}
	if err != nil && strings.Contains(err.Error(), wrongToken) {
		t.Errorf("error %q shows the admin token", err)
	}

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	downClient := client.New(down.URL, nil)
	_, err = downClient.Revoke(ctx, testenv.AdminToken, client.RevokeTarget{Token: token})
	if !errors.Is(err, client.ErrUnavailable) {
		t.Errorf("service down: %v, want ErrUnavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), token) ||
		err != nil && strings.Contains(err.Error(), testenv.AdminToken) {
		t.Errorf("error %q shows a secret", err)
	}

	_, err = admin.GetKey(ctx, testenv.AdminToken, "no-such-key")
	if !client.HasCode(err, "not_found") {
		t.Errorf("unknown key: %v, want not_found", err)
	}
}

func TestAdminRevokeNeedsExactlyOneTarget(t *testing.T) {
	c := client.New("http://127.0.0.1:1", nil) // never reached
	tests := []struct {
		name   string
		target client.RevokeTarget
	}{
		{"none", client.RevokeTarget{}},
		{"token and key", client.RevokeTarget{Token: "t", ClientID: "c"}},
		{"key and account", client.RevokeTarget{ClientID: "c", Account: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Revoke(context.Background(), "admin", tt.target)
			if err == nil || errors.Is(err, client.ErrUnavailable) {
				t.Errorf("Revoke(%+v) = %v, want a refusal before sending", tt.target, err)
			}
		})
	}
}
