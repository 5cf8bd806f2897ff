package tokensvc_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
)

// auditEntry is one entry of GET /admin/audit as the wire shows it.
type auditEntry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Account  string    `json:"account"`
	ClientID string    `json:"clientId"`
	Remote   string    `json:"remote"`
	Detail   string    `json:"detail"`
}

// readAudit returns the raw answer of GET /admin/audit?query and its
// entries.
func readAudit(t *testing.T, ts *testenv.TokenService, query url.Values) (string, []auditEntry) {
	t.Helper()
	r := ts.Admin(t, http.MethodGet, "/admin/audit?"+query.Encode(), nil)
	wantStatus(t, r, http.StatusOK)
	var page struct {
		Entries    []auditEntry `json:"entries"`
		NextCursor string       `json:"nextCursor"`
	}
	r.JSON(t, &page)
	if page.NextCursor != "" {
		t.Fatalf("audit answer has a next page; the test expects one page")
	}
	return string(r.Body), page.Entries
}

// tokenID reads the jti claim of an access token.
func tokenID(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decoding token payload: %v", err)
	}
	var claims struct {
		ID string `json:"jti"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.ID == "" {
		t.Fatalf("token payload %s has no jti: %v", raw, err)
	}
	return claims.ID
}

func TestAuditTrailOfAKeyLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		start := time.Now().Add(-time.Second)
		k := ts.CreateKey(t, "audited", "Deploy job", "api")
		first := ts.Token(t, k, "")

		rot := ts.Admin(t, http.MethodPost, "/admin/keys/"+k.ClientID+"/rotate",
			map[string]int{"graceSeconds": 60})
		wantStatus(t, rot, http.StatusOK)
		var rotated testenv.Key
		rot.JSON(t, &rotated)
		second := ts.Token(t, rotated, "")

		revoke := func(body map[string]string) {
			t.Helper()
			wantStatus(t, ts.Admin(t, http.MethodPost, "/admin/revocations", body), http.StatusOK)
		}
		revoke(map[string]string{"token": first})
		revoke(map[string]string{"clientId": k.ClientID})
		revoke(map[string]string{"account": "audited"})
		link := ts.Admin(t, http.MethodPost, "/admin/console-links",
			map[string]string{"account": "audited"})
		wantStatus(t, link, http.StatusCreated)
		deleted := ts.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil)
		wantStatus(t, deleted, http.StatusNoContent)

		raw, entries := readAudit(t, ts, url.Values{"account": {"audited"}})
		want := []struct{ action, clientID, detail string }{
			{"key.create", k.ClientID, "name=Deploy job"},
			{"key.rotate", k.ClientID, "graceSeconds=60"},
			{"tokens.revoke", k.ClientID, "one token, id " + tokenID(t, first)},
			{"tokens.revoke", k.ClientID, "every token of the key"},
			{"tokens.revoke", "", "every token of the account (1 key)"},
			{"console_link.mint", "", "expires "},
			{"key.delete", k.ClientID, ""},
		}
		if len(entries) != len(want) {
			t.Fatalf("got %d audit entries, want %d:\n%s", len(entries), len(want), raw)
		}
		for i, w := range want {
			e := entries[i]
			if e.Action != w.action || e.ClientID != w.clientID || !strings.HasPrefix(e.Detail, w.detail) {
				t.Errorf("entry %d = %s %q %q, want %s %q %q…", i, e.Action, e.ClientID, e.Detail,
					w.action, w.clientID, w.detail)
			}
			if e.Actor != "admin" || e.Account != "audited" || e.Remote != "127.0.0.1" || e.ID == "" {
				t.Errorf("entry %d = %+v, want actor admin, account audited, remote 127.0.0.1, an ID", i, e)
			}
			if e.At.Before(start) || e.At.After(time.Now().Add(time.Second)) {
				t.Errorf("entry %d at %v, not during the test", i, e.At)
			}
			if i > 0 && e.At.Before(entries[i-1].At) {
				t.Errorf("entry %d at %v is before entry %d at %v", i, e.At, i-1, entries[i-1].At)
			}
		}
		var linkBody struct {
			URL string `json:"url"`
		}
		link.JSON(t, &linkBody)
		_, linkToken, _ := strings.Cut(linkBody.URL, "#token=")
		secrets := map[string]string{
			"first Secret ID": k.SecretID, "rotated Secret ID": rotated.SecretID,
			"first token": first, "second token": second, "console link token": linkToken,
			"admin token": testenv.AdminToken,
		}
		for name, s := range secrets {
			if s == "" || strings.Contains(raw, s) {
				t.Errorf("the audit trail holds the %s (or the test lost it)", name)
			}
		}

		_, byKey := readAudit(t, ts, url.Values{"clientId": {k.ClientID}})
		if len(byKey) != 5 {
			t.Errorf("filtering by Client ID: %d entries, want the 5 naming the key", len(byKey))
		}
		later := url.Values{"since": {time.Now().Add(time.Hour).Format(time.RFC3339)}}
		if _, none := readAudit(t, ts, later); len(none) != 0 {
			t.Errorf("filtering since an hour ahead: %d entries, want none", len(none))
		}
	})
}

func TestAuditTrailOfAccountActions(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	k := ts.CreateKey(t, "selfserve", "Manager", "keys:manage", "api")
	tok := ts.Token(t, k, "")
	created := testenv.JSONRequest(t, http.MethodPost, ts.URL+"/account/keys", tok,
		map[string]any{"name": "Worker", "scopes": []string{"api"}})
	wantStatus(t, created, http.StatusCreated)
	var worker testenv.Key
	created.JSON(t, &worker)
	workerTok := ts.Token(t, worker, "")
	r := form(t, ts.URL+"/oauth2/revoke", url.Values{"token": {workerTok}},
		worker.ClientID, worker.SecretID)
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, testenv.JSONRequest(t, http.MethodDelete, ts.URL+"/account/token", tok, nil),
		http.StatusNoContent)

	raw, entries := readAudit(t, ts, url.Values{"account": {"selfserve"}})
	want := []struct{ actor, action, clientID, detail string }{
		{"admin", "key.create", k.ClientID, "name=Manager"},
		{"key:" + k.ClientID, "key.create", worker.ClientID, "name=Worker"},
		{"key:" + worker.ClientID, "token.revoke", worker.ClientID, "RFC 7009 revocation"},
		{"key:" + k.ClientID, "token.revoke", k.ClientID, "logout"},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %d audit entries, want %d:\n%s", len(entries), len(want), raw)
	}
	for i, w := range want {
		e := entries[i]
		if e.Actor != w.actor || e.Action != w.action || e.ClientID != w.clientID ||
			e.Detail != w.detail {
			t.Errorf("entry %d = %s %s %q %q, want %s %s %q %q", i, e.Actor, e.Action, e.ClientID,
				e.Detail, w.actor, w.action, w.clientID, w.detail)
		}
	}
	for _, s := range []string{k.SecretID, worker.SecretID, tok, workerTok} {
		if strings.Contains(raw, s) {
			t.Errorf("the audit trail holds a secret or token")
		}
	}
}
