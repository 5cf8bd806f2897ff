package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestForwardedForReachesTheTokenService(t *testing.T) {
	tests := []struct {
		name  string
		chain string
		want  string
	}{
		{"no chain sends no header", "", ""},
		{"one address", "203.0.113.7", "203.0.113.7"},
		{"a chain through a load balancer", "203.0.113.7, 10.0.0.2", "203.0.113.7, 10.0.0.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 1)
			answer := func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Get("X-Forwarded-For")
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer"}`))
			}
			srv := httptest.NewServer(http.HandlerFunc(answer))
			defer srv.Close()
			ctx := WithForwardedFor(context.Background(), tc.chain)
			if _, err := New(srv.URL, nil).Token(ctx, "id", "secret", nil); err != nil {
				t.Fatal(err)
			}
			if h := <-got; h != tc.want {
				t.Errorf("X-Forwarded-For %q, want %q", h, tc.want)
			}
		})
	}
}
