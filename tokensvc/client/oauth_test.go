package client

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenSendsFormEncodedBasicCredentials(t *testing.T) {
	tests := []struct {
		name      string
		clientID  string
		secret    string
		scopes    []string
		wantScope string
	}{
		{name: "plain uuid credentials", clientID: "760e8193-25ad-47b5-96fd-795371234567",
			secret: "s3cret", wantScope: ""},
		{name: "colon percent and space are escaped", clientID: "a:b", secret: "p%s w+",
			scopes: []string{"keys:manage", "read"}, wantScope: "keys:manage read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w rw, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" {
					t.Errorf("got %s %s, want POST /oauth2/token", r.Method, r.URL.Path)
				}
				id, secret := decodeBasic(t, r.Header.Get("Authorization"))
				if id != tc.clientID || secret != tc.secret {
					t.Errorf("basic credentials = %q/%q, want %q/%q", id, secret,
						tc.clientID, tc.secret)
				}
				if err := r.ParseForm(); err != nil {
					t.Fatal(err)
				}
				if got := r.PostForm.Get("grant_type"); got != "client_credentials" {
					t.Errorf("grant_type = %q", got)
				}
				if got := r.PostForm.Get("scope"); got != tc.wantScope {
					t.Errorf("scope = %q, want %q", got, tc.wantScope)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"access_token":"a.b.c","token_type":"Bearer",` +
					`"expires_in":3600,"scope":"read"}`))
			}))
			defer srv.Close()
			got, err := New(srv.URL, nil).Token(context.Background(), tc.clientID, tc.secret,
				tc.scopes)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			want := TokenResponse{AccessToken: "a.b.c", TokenType: "Bearer", ExpiresIn: 3600,
				Scope: "read"}
			if *got != want {
				t.Errorf("Token = %+v, want %+v", *got, want)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name            string
		status          int
		body            string
		retryAfter      string
		wantCode        string
		wantUnavailable bool
	}{
		{name: "bad credentials", status: 401, body: `{"error":"invalid_client"}`,
			wantCode: "invalid_client"},
		{name: "store down", status: 503, body: `{"error":"temporarily_unavailable"}`,
			retryAfter: "2", wantCode: "temporarily_unavailable", wantUnavailable: true},
		{name: "too many failures", status: 429, body: `{"error":"slow_down"}`,
			retryAfter: "30", wantCode: "slow_down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w rw, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := New(srv.URL, nil).Token(context.Background(), "id", "secret", nil)
			if !HasCode(err, tc.wantCode) {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if got := errors.Is(err, ErrUnavailable); got != tc.wantUnavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v", got, tc.wantUnavailable)
			}
		})
	}
}

func TestTokenUnreachableIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := New(url, nil).Token(ctx, "id", "secret", nil)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error text %q mentions the secret", err)
	}
}

func TestReady(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w rw, r *http.Request) {
		if r.URL.Path != "/readyz" {
			t.Errorf("path = %q, want /readyz", r.URL.Path)
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	c := New(srv.URL, nil)
	if err := c.Ready(context.Background()); err != nil {
		t.Fatalf("Ready with 200: %v", err)
	}
	status = http.StatusInternalServerError
	if err := c.Ready(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Ready with 500 = %v, want ErrUnavailable", err)
	}
}

// rw shortens the stand-in handlers' signatures.
type rw = http.ResponseWriter

// decodeBasic undoes client_secret_basic, including the form-decoding of
// RFC 6749 §2.3.1.
func decodeBasic(t *testing.T, header string) (string, string) {
	t.Helper()
	raw, ok := strings.CutPrefix(header, "Basic ")
	if !ok {
		t.Fatalf("Authorization %q is not Basic", header)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("decoding Basic: %v", err)
	}
	id, secret, _ := strings.Cut(string(b), ":")
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	if err1 != nil || err2 != nil {
		t.Fatalf("unescaping Basic credentials: %v %v", err1, err2)
	}
	return id, secret
}
