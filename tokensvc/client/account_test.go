package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// accountCall records what the account REST stand-in received.
type accountCall struct {
	method, path, query, bearer string
	body                        map[string]any
}

func accountServer(t *testing.T, status int, answer string, got *accountCall) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.query = r.Method, r.URL.EscapedPath(), r.URL.RawQuery
		got.bearer = r.Header.Get("Authorization")
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &got.body); err != nil {
				t.Errorf("request body %q is not JSON: %v", b, err)
			}
		}
		w.WriteHeader(status)
		w.Write([]byte(answer))
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, nil)
}

const keyJSON = `{"clientId":"c1","name":"ci","account":"acme","scopes":["read"],` +
	`"createdAt":"2026-01-02T03:04:05Z","lastUsedAt":null`

func TestListAccountKeys(t *testing.T) {
	var got accountCall
	c := accountServer(t, 200, `{"keys":[`+keyJSON+`}],"nextCursor":"n2"}`, &got)
	page, err := c.ListAccountKeys(context.Background(), "tok", 1000, "n1")
	if err != nil {
		t.Fatalf("ListAccountKeys: %v", err)
	}
	if got.method != "GET" || got.path != "/account/keys" || got.query != "cursor=n1&limit=1000" {
		t.Errorf("request = %s %s?%s", got.method, got.path, got.query)
	}
	if got.bearer != "Bearer tok" {
		t.Errorf("Authorization = %q", got.bearer)
	}
	if len(page.Keys) != 1 || page.Keys[0].ClientID != "c1" || page.Keys[0].LastUsedAt != nil ||
		page.NextCursor != "n2" {
		t.Errorf("page = %+v", page)
	}
}

func TestCreateRotateDeleteAccountKey(t *testing.T) {
	ctx := context.Background()
	t.Run("create sends name and scopes", func(t *testing.T) {
		var got accountCall
		c := accountServer(t, 201, keyJSON+`,"secretId":"s1"}`, &got)
		k, err := c.CreateAccountKey(ctx, "tok", "ci", []string{"read"})
		if err != nil || k.SecretID != "s1" {
			t.Fatalf("CreateAccountKey = %+v, %v", k, err)
		}
		if got.method != "POST" || got.path != "/account/keys" || got.body["name"] != "ci" {
			t.Errorf("request = %s %s %v", got.method, got.path, got.body)
		}
	})
	t.Run("rotate escapes the client id and sends the grace", func(t *testing.T) {
		var got accountCall
		c := accountServer(t, 200, keyJSON+`,"secretId":"s2"}`, &got)
		if _, err := c.RotateAccountKey(ctx, "tok", "a/b", 30); err != nil {
			t.Fatalf("RotateAccountKey: %v", err)
		}
		if got.path != "/account/keys/a%2Fb/rotate" || got.body["graceSeconds"] != float64(30) {
			t.Errorf("request = %s %v", got.path, got.body)
		}
	})
	t.Run("delete of another account's key is not_found", func(t *testing.T) {
		var got accountCall
		c := accountServer(t, 404, `{"error":"not_found","message":"no such key"}`, &got)
		err := c.DeleteAccountKey(ctx, "tok", "c9")
		if !HasCode(err, "not_found") || got.method != "DELETE" {
			t.Fatalf("DeleteAccountKey = %v (method %s), want not_found", err, got.method)
		}
	})
	t.Run("revoke self uses the token as credential", func(t *testing.T) {
		var got accountCall
		c := accountServer(t, 204, "", &got)
		if err := c.RevokeSelf(ctx, "tok"); err != nil {
			t.Fatalf("RevokeSelf: %v", err)
		}
		if got.method != "DELETE" || got.path != "/account/token" || got.bearer != "Bearer tok" {
			t.Errorf("request = %s %s %q", got.method, got.path, got.bearer)
		}
	})
}
