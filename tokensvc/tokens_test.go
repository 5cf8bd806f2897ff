package tokensvc

import (
	"encoding/base64"
	"testing"
)

func TestUnverifiedClientIDReadsPlainAndEscapedClaims(t *testing.T) {
	jwtWith := func(payload string) string {
		return "h." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".s"
	}
	cases := []struct {
		name, token, want string
		ok                bool
	}{
		{"as this service writes it", jwtWith(`{"sub":"a","client_id":"760e8193-25ad"}`),
			"760e8193-25ad", true},
		{"escaped, decoded as JSON", jwtWith(`{"client_id":"a\"b"}`), `a"b`, true},
		{"key escaped, decoded as JSON", jwtWith(`{"client\u005fid":"k"}`), "k", true},
		{"spaced, decoded as JSON", jwtWith(`{"client_id" : "k"}`), "k", true},
		{"not a string", jwtWith(`{"client_id":1}`), "", false},
		{"empty", jwtWith(`{"client_id":""}`), "", false},
		{"missing", jwtWith(`{"sub":"k"}`), "", false},
		{"two parts", "h." + base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":"k"}`)),
			"", false},
		{"four parts", jwtWith(`{"client_id":"k"}`) + ".x", "", false},
		{"not base64url", "h.!!!.s", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := unverifiedClientID(tc.token)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("unverifiedClientID = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
