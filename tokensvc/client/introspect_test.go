package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestIntrospect(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantActive bool
		wantAud    Audience
		wantScopes []string
	}{
		{name: "active with audience string",
			body: `{"active":true,"token_type":"Bearer","client_id":"c1","sub":"c1",` +
				`"scope":"read keys:manage","aud":"api","iss":"http://x","exp":2000,` +
				`"iat":1000,"nbf":1000,"jti":"j","account":"acme","name":"ci"}`,
			wantActive: true, wantAud: Audience{"api"},
			wantScopes: []string{"read", "keys:manage"}},
		{name: "active with audience list",
			body:       `{"active":true,"client_id":"c1","aud":["a","b"],"scope":""}`,
			wantActive: true, wantAud: Audience{"a", "b"}, wantScopes: []string{}},
		{name: "inactive", body: `{"active":false}`, wantScopes: []string{}},
		{name: "inactive with stray members is cleared",
			body: `{"active":false,"client_id":"c1","scope":"read"}`, wantScopes: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w rw, r *http.Request) {
				if r.URL.Path != "/oauth2/introspect" {
					t.Errorf("path = %q", r.URL.Path)
				}
				id, secret := decodeBasic(t, r.Header.Get("Authorization"))
				if id != "gw" || secret != "gw-secret" {
					t.Errorf("caller = %q/%q", id, secret)
				}
				if err := r.ParseForm(); err != nil {
					t.Fatal(err)
				}
				if r.PostForm.Get("token") != "the.token.here" {
					t.Errorf("token = %q", r.PostForm.Get("token"))
				}
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			got, err := New(srv.URL, nil).Introspect(context.Background(), "gw", "gw-secret",
				"the.token.here")
			if err != nil {
				t.Fatalf("Introspect: %v", err)
			}
			if got.Active != tc.wantActive {
				t.Errorf("Active = %v, want %v", got.Active, tc.wantActive)
			}
			if !reflect.DeepEqual(got.Audience, tc.wantAud) {
				t.Errorf("Audience = %v, want %v", got.Audience, tc.wantAud)
			}
			if scopes := got.Scopes(); len(scopes) != len(tc.wantScopes) ||
				(len(scopes) > 0 && !reflect.DeepEqual(scopes, tc.wantScopes)) {
				t.Errorf("Scopes = %v, want %v", scopes, tc.wantScopes)
			}
		})
	}
}

func TestIntrospectCallerRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w rw, r *http.Request) {
				w.WriteHeader(status)
				w.Write([]byte(`{"error":"refused"}`))
			}))
			defer srv.Close()
			_, err := New(srv.URL, nil).Introspect(context.Background(), "gw", "bad", "t")
			e, ok := err.(*Error)
			if !ok || e.Status != status {
				t.Fatalf("err = %#v, want *Error with status %d", err, status)
			}
		})
	}
}

func TestTokenHashIsBase64URLSHA256(t *testing.T) {
	// SHA-256("abc") is ba7816bf…; its base64url form is fixed.
	const want = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
	if got := TokenHash("abc"); got != want {
		t.Errorf("TokenHash(abc) = %q, want %q", got, want)
	}
}
