package gqlgateway

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestForwardedChainAppendsThePeer(t *testing.T) {
	tests := []struct {
		name     string
		incoming []string
		want     string
	}{
		{"direct client", nil, "192.0.2.10"},
		{"behind one proxy", []string{"203.0.113.7"}, "203.0.113.7, 192.0.2.10"},
		{"several header lines", []string{"203.0.113.7", "10.0.0.2"},
			"203.0.113.7, 10.0.0.2, 192.0.2.10"},
		{"oversized chain is dropped", []string{strings.Repeat("1.1.1.1, ", 100)}, "192.0.2.10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = "192.0.2.10:4711"
			for _, v := range tc.incoming {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := forwardedChain(r); got != tc.want {
				t.Errorf("forwardedChain = %q, want %q", got, tc.want)
			}
		})
	}
}
