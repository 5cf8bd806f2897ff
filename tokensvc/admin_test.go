package tokensvc_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
)

func TestAdminKeyLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		gw := ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")
		k := ts.CreateKey(t, "acme", "Billing", "api")
		if len(k.SecretID) != 36 || len(k.ClientID) != 36 || k.SecretID[14] != '4' {
			t.Fatalf("Client ID %q / Secret ID are not version 4 UUIDs", k.ClientID)
		}

		// Show: no secret, lastUsedAt null until first use.
		r := ts.Admin(t, http.MethodGet, "/admin/keys/"+k.ClientID, nil)
		wantStatus(t, r, http.StatusOK)
		var shown map[string]any
		r.JSON(t, &shown)
		if _, ok := shown["secretId"]; ok || strings.Contains(string(r.Body), k.SecretID) {
			t.Fatalf("show returned the secret: %s", r.Body)
		}
		if v, ok := shown["lastUsedAt"]; !ok || v != nil {
			t.Fatalf("lastUsedAt = %v (present %v), want null", v, ok)
		}
		tok := ts.Token(t, k, "")
		r = ts.Admin(t, http.MethodGet, "/admin/keys/"+k.ClientID, nil)
		r.JSON(t, &shown)
		if shown["lastUsedAt"] == nil {
			t.Fatalf("lastUsedAt still null after use: %s", r.Body)
		}

		// Tokens list shows IDs, never token strings.
		r = ts.Admin(t, http.MethodGet, "/admin/keys/"+k.ClientID+"/tokens", nil)
		wantStatus(t, r, http.StatusOK)
		var toks struct {
			Tokens []map[string]any `json:"tokens"`
		}
		r.JSON(t, &toks)
		if len(toks.Tokens) != 1 || strings.Contains(string(r.Body), tok) {
			t.Fatalf("token list %s: want one entry without the token", r.Body)
		}

		// Rotation with grace: both secrets work; without: only the new one.
		r = ts.Admin(t, http.MethodPost, "/admin/keys/"+k.ClientID+"/rotate", map[string]any{"graceSeconds": 60})
		wantStatus(t, r, http.StatusOK)
		var rotated testenv.Key
		r.JSON(t, &rotated)
		if rotated.SecretID == "" || rotated.SecretID == k.SecretID {
			t.Fatalf("rotation gave no new secret: %s", r.Body)
		}
		ts.Token(t, k, "")
		newer := testenv.Key{ClientID: k.ClientID, SecretID: rotated.SecretID}
		ts.Token(t, newer, "")
		r = ts.Admin(t, http.MethodPost, "/admin/keys/"+k.ClientID+"/rotate", map[string]any{})
		wantStatus(t, r, http.StatusOK)
		var again testenv.Key
		r.JSON(t, &again)
		for _, old := range []string{k.SecretID, rotated.SecretID} {
			wantStatus(t, testenv.Do(t, formReq(ts.URL, ccForm(), k.ClientID, old)), http.StatusUnauthorized)
		}
		ts.Token(t, testenv.Key{ClientID: k.ClientID, SecretID: again.SecretID}, "")

		// Deleting the key revokes its tokens.
		if introspect(t, ts, gw, tok)["active"] != true {
			t.Fatal("token inactive before deletion")
		}
		wantStatus(t, ts.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil), http.StatusNoContent)
		if introspect(t, ts, gw, tok)["active"] != false {
			t.Fatal("deleting the key left its token active")
		}
		wantStatus(t, ts.Admin(t, http.MethodGet, "/admin/keys/"+k.ClientID, nil), http.StatusNotFound)
		wantStatus(t, ts.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil), http.StatusNotFound)
	})
}

func ccForm() map[string][]string { return map[string][]string{"grant_type": {"client_credentials"}} }

func TestAdminListPaging(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	want := map[string]bool{}
	for range 5 {
		want[ts.CreateKey(t, "acme", "K", "api").ClientID] = true
	}
	ts.CreateKey(t, "other", "K", "api")
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := ts.Admin(t, http.MethodGet, "/admin/keys?account=acme&limit=2&cursor="+cursor, nil)
		wantStatus(t, r, http.StatusOK)
		var page struct {
			Keys       []map[string]any `json:"keys"`
			NextCursor *string          `json:"nextCursor"`
		}
		r.JSON(t, &page)
		for _, k := range page.Keys {
			id := k["clientId"].(string)
			if !want[id] || seen[id] {
				t.Fatalf("unexpected or repeated key %s", id)
			}
			seen[id] = true
			if _, ok := k["secretId"]; ok {
				t.Fatal("listing shows a secret")
			}
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d keys, want 5", len(seen))
	}
}

func TestAdminRejectsBadInput(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		token  string
		want   int
	}{
		{"no admin token", "GET", "/admin/keys", nil, "-", 401},
		{"wrong admin token", "GET", "/admin/keys", nil, strings.Repeat("x", 40), 401},
		{"empty name", "POST", "/admin/keys", map[string]any{"name": "", "account": "a"}, "", 400},
		{"long name", "POST", "/admin/keys", map[string]any{"name": strings.Repeat("n", 101), "account": "a"}, "", 400},
		{"control character in name", "POST", "/admin/keys", map[string]any{"name": "a\u0007", "account": "a"}, "", 400},
		{"bad account", "POST", "/admin/keys", map[string]any{"name": "n", "account": "Acme!"}, "", 400},
		{"bad scope", "POST", "/admin/keys", map[string]any{"name": "n", "account": "a", "scopes": []string{"Read"}}, "", 400},
		{"unknown field", "POST", "/admin/keys", map[string]any{"name": "n", "account": "a", "secretId": "x"}, "", 400},
		{"wrong type", "POST", "/admin/keys", map[string]any{"name": 5, "account": "a"}, "", 400},
		{"negative grace", "POST", "/admin/keys/x/rotate", map[string]any{"graceSeconds": -1}, "", 400},
		{"two revocation targets", "POST", "/admin/revocations", map[string]any{"clientId": "a", "account": "b"}, "", 400},
		{"bad limit", "GET", "/admin/keys?limit=0", nil, "", 400},
		{"unknown key", "GET", "/admin/keys/760e8193-25ad-47b5-96fd-795371234567", nil, "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := testenv.AdminToken
			switch tc.token {
			case "-":
				token = ""
			case "":
			default:
				token = tc.token
			}
			r := testenv.JSONRequest(t, tc.method, ts.AdminURL+tc.path, token, tc.body)
			wantStatus(t, r, tc.want)
			var e map[string]string
			r.JSON(t, &e)
			if e["error"] == "" || e["message"] == "" {
				t.Errorf("error body %s lacks error and message", r.Body)
			}
		})
	}
	// Nothing was stored by any of them.
	var list struct {
		Keys []any `json:"keys"`
	}
	ts.Admin(t, http.MethodGet, "/admin/keys", nil).JSON(t, &list)
	if len(list.Keys) != 0 {
		t.Fatalf("bad requests left %d keys behind", len(list.Keys))
	}
}

func TestAdminRevocations(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		gw := ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")
		a1 := ts.CreateKey(t, "acme", "A1", "api")
		a2 := ts.CreateKey(t, "acme", "A2", "api")
		b := ts.CreateKey(t, "beta", "B", "api")
		t1, t1b, t2, tb := ts.Token(t, a1, ""), ts.Token(t, a1, ""), ts.Token(t, a2, ""), ts.Token(t, b, "")

		revoke := func(body map[string]any, want int) {
			t.Helper()
			r := ts.Admin(t, http.MethodPost, "/admin/revocations", body)
			wantStatus(t, r, http.StatusOK)
			var out map[string]int
			r.JSON(t, &out)
			if out["revoked"] != want {
				t.Fatalf("revoked %d, want %d (%v)", out["revoked"], want, body)
			}
		}
		active := func(tok string) bool { return introspect(t, ts, gw, tok)["active"] == true }

		revoke(map[string]any{"token": t1}, 1)
		if active(t1) || !active(t1b) {
			t.Fatal("token revocation hit the wrong tokens")
		}
		revoke(map[string]any{"token": t1}, 0)
		revoke(map[string]any{"clientId": a1.ClientID}, 1)
		if active(t1b) || !active(t2) {
			t.Fatal("key revocation hit the wrong tokens")
		}
		// A token issued after the revocation is active.
		time.Sleep(2 * time.Millisecond)
		if fresh := ts.Token(t, a1, ""); !active(fresh) {
			t.Fatal("a token issued after the key revocation is inactive")
		}
		revoke(map[string]any{"account": "acme"}, 2)
		if active(t2) || !active(tb) {
			t.Fatal("account revocation hit the wrong tokens")
		}
		wantStatus(t, ts.Admin(t, http.MethodPost, "/admin/revocations",
			map[string]any{"clientId": "760e8193-25ad-47b5-96fd-795371234567"}), http.StatusNotFound)
	})
}

// TestListingPagesAreFullDespiteConsoleKeys: an account's console-session
// key is never listed, and leaving it out does not make a page short; only
// the last page holds fewer than the limit.
func TestListingPagesAreFullDespiteConsoleKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, storeURL string) {
		ts := testenv.StartTokenService(t, testenv.Options{StoreURL: storeURL})
		// Client IDs are random, so keys are made until two sort after the
		// console key: then the page holding it is not the last one.
		want, after := map[string]bool{}, 0
		for after < 2 {
			if len(want) == 500 {
				t.Fatal("500 random Client IDs and fewer than two after console-acme")
			}
			id := ts.CreateKey(t, "acme", "K", "api").ClientID
			want[id] = true
			if id > "console-acme" {
				after++
			}
		}
		wantStatus(t, ts.Admin(t, http.MethodPost, "/admin/console-links",
			map[string]any{"account": "acme"}), http.StatusCreated)

		var sizes []int
		seen := map[string]bool{}
		cursor := ""
		for {
			if len(sizes) > len(want) {
				t.Fatalf("paging does not end: page sizes %v", sizes)
			}
			r := ts.Admin(t, http.MethodGet, "/admin/keys?account=acme&limit=2&cursor="+cursor, nil)
			wantStatus(t, r, http.StatusOK)
			var page struct {
				Keys []struct {
					ClientID string `json:"clientId"`
				} `json:"keys"`
				NextCursor *string `json:"nextCursor"`
			}
			r.JSON(t, &page)
			sizes = append(sizes, len(page.Keys))
			for _, k := range page.Keys {
				if !want[k.ClientID] || seen[k.ClientID] {
					t.Fatalf("unexpected or repeated key %s", k.ClientID)
				}
				seen[k.ClientID] = true
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(seen) != len(want) {
			t.Fatalf("saw %d keys, want %d (page sizes %v)", len(seen), len(want), sizes)
		}
		for i, n := range sizes[:len(sizes)-1] {
			if n != 2 {
				t.Errorf("page %d holds %d keys of a limit of 2; only the last may be short "+
					"(page sizes %v)", i+1, n, sizes)
			}
		}
	})
}
