package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/tokensvc/client"
)

func TestKeysCreateShowsTheSecretOnce(t *testing.T) {
	s := newSession(t)
	out := s.ok("keys", "create", "--name", "CI deploy", "--account", "acme",
		"--scopes", "read,write")
	id, secret := field(t, out, "Client ID"), field(t, out, "Secret ID")
	if field(t, out, "Name") != "CI deploy" || field(t, out, "Account") != "acme" ||
		field(t, out, "Scopes") != "read write" || field(t, out, "Last used") != "never" {
		t.Errorf("create printed:\n%s", out)
	}
	if !strings.Contains(out, "will not be shown again") {
		t.Errorf("create printed no warning about the Secret ID:\n%s", out)
	}
	pub := client.New(s.ts.URL, nil)
	if _, err := pub.Token(context.Background(), id, secret, nil); err != nil {
		t.Errorf("the printed Client ID and Secret ID get no token: %v", err)
	}
	show := s.ok("keys", "show", id)
	if strings.Contains(show, secret) || strings.Contains(show, "Secret ID") {
		t.Errorf("keys show printed a secret:\n%s", show)
	}
	if field(t, show, "Client ID") != id {
		t.Errorf("keys show printed:\n%s", show)
	}
}

func TestKeysCreateJSON(t *testing.T) {
	s := newSession(t)
	r := s.run("keys", "create", "--name", "Job", "--account", "acme", "--json")
	if r.code != 0 || !strings.Contains(r.stderr, "will not be shown again") {
		t.Fatalf("exit %d, stderr %q; want 0 and the warning on stderr", r.code, r.stderr)
	}
	var k client.Key
	s.okJSON(&k, "keys", "create", "--name", "Job", "--account", "acme", "--scopes", "")
	if k.SecretID == "" || k.ClientID == "" || k.Account != "acme" || len(k.Scopes) != 0 {
		t.Errorf("create --json = %+v, want a key with a secret and no scopes", k)
	}
	var shown client.Key
	s.okJSON(&shown, "keys", "show", k.ClientID)
	if shown.SecretID != "" || shown.ClientID != k.ClientID || shown.LastUsedAt != nil {
		t.Errorf("show --json = %+v, want the key, unused, without a secret", shown)
	}
	var defaults client.Key
	s.okJSON(&defaults, "keys", "create", "--name", "Defaults", "--account", "acme")
	if !slices.Equal(defaults.Scopes, []string{"api"}) {
		t.Errorf("create without --scopes gave scopes %q, want the default [api]", defaults.Scopes)
	}
}

func TestKeysList(t *testing.T) {
	s := newSession(t)
	ids := map[string]bool{}
	for _, acct := range []string{"acme", "acme", "globex"} {
		var k client.Key
		s.okJSON(&k, "keys", "create", "--name", "Key of "+acct, "--account", acct)
		ids[k.ClientID] = true
	}
	out := s.ok("keys", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "CLIENT ID") ||
		!strings.Contains(lines[0], "LAST USED") {
		t.Fatalf("keys list printed:\n%s", out)
	}
	for id := range ids {
		if !strings.Contains(out, id) {
			t.Errorf("keys list lacks %s:\n%s", id, out)
		}
	}
	var page client.KeyList
	s.okJSON(&page, "keys", "list", "--account", "acme")
	if len(page.Keys) != 2 || page.NextCursor != "" {
		t.Errorf("keys list --account acme --json = %+v, want 2 keys, one page", page)
	}
	s.okJSON(&page, "keys", "list", "--limit", "2")
	if len(page.Keys) != 2 || page.NextCursor == "" {
		t.Fatalf("keys list --limit 2 --json = %+v, want 2 keys and a cursor", page)
	}
	more := s.ok("keys", "list", "--limit", "2")
	if !strings.Contains(more, "--cursor "+page.NextCursor) {
		t.Errorf("keys list --limit 2 does not say how to get the next page:\n%s", more)
	}
	var rest client.KeyList
	s.okJSON(&rest, "keys", "list", "--limit", "2", "--cursor", page.NextCursor)
	if len(rest.Keys) != 1 || rest.NextCursor != "" {
		t.Errorf("second page = %+v, want the last key", rest)
	}
	if out := s.ok("keys", "list", "--account", "nobody"); out != "No keys.\n" {
		t.Errorf("empty list printed %q", out)
	}
}

func TestKeysRotate(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	pub := client.New(s.ts.URL, nil)
	var k client.Key
	s.okJSON(&k, "keys", "create", "--name", "Rotating", "--account", "acme")

	out := s.ok("keys", "rotate", k.ClientID)
	second := field(t, out, "Secret ID")
	if second == k.SecretID || !strings.Contains(out, "will not be shown again") ||
		!strings.Contains(out, "previous Secret ID no longer works") {
		t.Errorf("rotate printed:\n%s", out)
	}
	if _, err := pub.Token(ctx, k.ClientID, k.SecretID, nil); !client.HasCode(err, "invalid_client") {
		t.Errorf("old secret after rotation: %v, want invalid_client", err)
	}

	var third client.Key
	s.okJSON(&third, "keys", "rotate", k.ClientID, "--grace", "10m")
	if third.SecretID == "" || third.SecretID == second {
		t.Fatalf("rotate --json = %+v, want a new secret", third)
	}
	for name, secret := range map[string]string{"in grace": second, "new": third.SecretID} {
		if _, err := pub.Token(ctx, k.ClientID, secret, nil); err != nil {
			t.Errorf("%s secret after rotate --grace 10m: %v", name, err)
		}
	}
	s.fails(2, `--grace must be a whole number of seconds`,
		"keys", "rotate", k.ClientID, "--grace", "1.5s")
}

func TestKeysDelete(t *testing.T) {
	s := newSession(t)
	var k client.Key
	s.okJSON(&k, "keys", "create", "--name", "Doomed", "--account", "acme")
	token := s.ts.Token(t, testenvKey(k), "")

	out := s.ok("keys", "delete", k.ClientID)
	if !strings.Contains(out, "Deleted key "+k.ClientID) {
		t.Errorf("delete printed %q", out)
	}
	s.fails(1, "^tokenctl: no key with Client ID "+k.ClientID+"\n$", "keys", "show", k.ClientID)
	if active(t, s, token) {
		t.Errorf("a token of the deleted key is still active")
	}

	var k2 client.Key
	s.okJSON(&k2, "keys", "create", "--name", "Doomed too", "--account", "acme")
	var deleted struct {
		ClientID string `json:"clientId"`
		Deleted  bool   `json:"deleted"`
	}
	s.okJSON(&deleted, "keys", "delete", k2.ClientID)
	if !deleted.Deleted || deleted.ClientID != k2.ClientID {
		t.Errorf("delete --json = %+v", deleted)
	}
}
