package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc/client"
)

func testenvKey(k client.Key) testenv.Key {
	return testenv.Key{ClientID: k.ClientID, SecretID: k.SecretID, Name: k.Name,
		Account: k.Account, Scopes: k.Scopes}
}

// active asks the session's token service whether token is active.
func active(t *testing.T, s *session, token string) bool {
	t.Helper()
	caller := s.ts.CreateKey(t, "ops", "Introspector", "tokens:introspect")
	in, err := client.New(s.ts.URL, nil).Introspect(context.Background(),
		caller.ClientID, caller.SecretID, token)
	if err != nil {
		t.Fatalf("introspection: %v", err)
	}
	return in.Active
}

// createKey makes a key through tokenctl and returns it with its secret.
func (s *session) createKey(account, name string) client.Key {
	s.t.Helper()
	var k client.Key
	s.okJSON(&k, "keys", "create", "--name", name, "--account", account)
	return k
}

func TestTokensList(t *testing.T) {
	s := newSession(t)
	k := s.createKey("acme", "Job")
	if out := s.ok("tokens", "list", "--client-id", k.ClientID); !strings.Contains(out, "no live") {
		t.Errorf("tokens list of an unused key printed %q", out)
	}
	tok1 := s.ts.Token(t, testenvKey(k), "")
	s.ts.Token(t, testenvKey(k), "")

	out := s.ok("tokens", "list", "--client-id", k.ClientID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TOKEN ID") || strings.Contains(out, tok1) {
		t.Errorf("tokens list printed:\n%s", out)
	}
	var page client.TokenList
	s.okJSON(&page, "tokens", "list", "--client-id", k.ClientID)
	if len(page.Tokens) != 2 || page.Tokens[0].ID == "" ||
		!page.Tokens[0].ExpiresAt.After(time.Now()) {
		t.Errorf("tokens list --json = %+v, want 2 live tokens", page)
	}
	if !strings.Contains(out, page.Tokens[0].ID) {
		t.Errorf("the table lacks token ID %s:\n%s", page.Tokens[0].ID, out)
	}
}

func TestTokensRevoke(t *testing.T) {
	s := newSession(t)
	k := s.createKey("acme", "Job")
	other := s.createKey("acme", "Other job")
	tok := s.ts.Token(t, testenvKey(k), "")

	if out := s.ok("tokens", "revoke", "--token", tok); out != "Revoked 1 token.\n" {
		t.Errorf("revoke --token printed %q", out)
	}
	if active(t, s, tok) {
		t.Errorf("the revoked token is still active")
	}
	if out := s.ok("tokens", "revoke", "--token", tok); !strings.HasPrefix(out, "Revoked 0 tokens") {
		t.Errorf("revoking it again printed %q", out)
	}

	fromStdin := s.ts.Token(t, testenvKey(k), "")
	r := runBinary(t, s.env, fromStdin+"\n", "tokens", "revoke", "--token", "-")
	if r.code != 0 || r.stdout != "Revoked 1 token.\n" || active(t, s, fromStdin) {
		t.Errorf("revoke --token - (stdin): exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	byKey := s.ts.Token(t, testenvKey(k), "")
	out := s.ok("tokens", "revoke", "--client-id", k.ClientID)
	if out != "Revoked every token of key "+k.ClientID+".\n" || active(t, s, byKey) {
		t.Errorf("revoke --client-id printed %q (token active: %v)", out, active(t, s, byKey))
	}
	if out := s.ok("tokens", "list", "--client-id", k.ClientID); !strings.Contains(out, "no live") {
		t.Errorf("after revoking the key's tokens, tokens list printed:\n%s", out)
	}

	byAccount := s.ts.Token(t, testenvKey(other), "")
	var n struct {
		Revoked int `json:"revoked"`
	}
	s.okJSON(&n, "tokens", "revoke", "--account", "acme")
	if n.Revoked != 2 || active(t, s, byAccount) {
		t.Errorf("revoke --account --json = %+v, want 2 keys and the token inactive", n)
	}
	if out := s.ok("tokens", "revoke", "--account", "acme"); !strings.Contains(out, "(2 keys)") {
		t.Errorf("revoke --account printed %q", out)
	}
}

func TestConsoleLink(t *testing.T) {
	s := newSession(t)
	out := s.ok("console-link", "--account", "acme")
	if !strings.Contains(out, s.ts.URL+"/console/#token=") || !strings.Contains(out, "account acme") {
		t.Errorf("console-link printed:\n%s", out)
	}
	var link client.ConsoleLink
	s.okJSON(&link, "console-link", "--account", "acme")
	_, token, ok := strings.Cut(link.URL, "#token=")
	if !ok || !link.ExpiresAt.After(time.Now()) || !active(t, s, token) {
		t.Errorf("console-link --json = %+v, want a live link", link)
	}
	s.fails(1, `^tokenctl: account must be`, "console-link", "--account", "Not An Account")
}

func TestAudit(t *testing.T) {
	s := newSession(t)
	k := s.createKey("acme", "Audited")
	s.createKey("globex", "Elsewhere")
	s.ok("tokens", "revoke", "--client-id", k.ClientID)
	s.ok("keys", "delete", k.ClientID)

	out := s.ok("audit", "--account", "acme")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "AT") {
		t.Fatalf("audit --account acme printed:\n%s", out)
	}
	for i, action := range []string{"key.create", "tokens.revoke", "key.delete"} {
		if f := strings.Fields(lines[i+1]); len(f) < 5 || f[1] != "admin" || f[2] != action ||
			f[3] != "acme" || f[4] != k.ClientID {
			t.Errorf("audit line %d = %q, want admin %s acme %s", i+1, lines[i+1], action, k.ClientID)
		}
	}
	var page client.AuditPage
	s.okJSON(&page, "audit", "--client-id", k.ClientID)
	if len(page.Entries) != 3 || page.Entries[0].Remote == "" {
		t.Errorf("audit --client-id --json = %+v, want 3 entries with remotes", page)
	}
	s.okJSON(&page, "audit", "--since", "1h")
	if len(page.Entries) != 4 {
		t.Errorf("audit --since 1h: %d entries, want 4", len(page.Entries))
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if out := s.ok("audit", "--since", future); out != "No audit entries.\n" {
		t.Errorf("audit --since the future printed %q", out)
	}
	s.okJSON(&page, "audit", "--until", "2000-01-01T00:00:00Z")
	if len(page.Entries) != 0 {
		t.Errorf("audit --until 2000: %d entries, want none", len(page.Entries))
	}
	s.fails(2, `--since: "yesterday" is neither`, "audit", "--since", "yesterday")
}
