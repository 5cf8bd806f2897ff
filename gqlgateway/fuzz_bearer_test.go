package gqlgateway

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzBearerToken feeds arbitrary Authorization headers through the
// gateway's bearer parsing and token-shape check, the steps before a token
// costs an introspection: no panic; a token taken is non-empty; a token
// that passes the shape check is three base64url segments whose header
// says typ at+jwt and an algorithm other than none.
func FuzzBearerToken(f *testing.F) {
	header := func(h map[string]string) string {
		b, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	good := header(map[string]string{"alg": "ES256", "typ": "at+jwt", "kid": "k"}) +
		".eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJlLWJ5dGVzLXNpZ25hdHVyZQ"
	for _, seed := range []string{
		"Bearer " + good, "bearer  " + good + " ", good, "Bearer", "Basic dXNlcjpwYXNz",
		"Bearer " + header(map[string]string{"alg": "none", "typ": "at+jwt"}) + ".e30.",
		"Bearer " + header(map[string]string{"alg": "HS256", "typ": "JWT"}) + ".e30.c2ln",
		"Bearer a.b.c.d", "Bearer " + strings.Repeat("A", 9000), "", "0\t0",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h := http.Header{}
		if value != "" {
			h.Set("Authorization", value)
		}
		tok, sent, ok := bearerToken(h)
		if ok && (!sent || tok == "") {
			t.Fatalf("%q gave token %q (sent %v)", value, tok, sent)
		}
		if !ok || !looksLikeAccessToken(tok) {
			return
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 || strings.ContainsAny(tok, " \t\r\n") {
			t.Fatalf("%q passed the shape check with %d segments", tok, len(parts))
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[0])
		var hdr struct{ Alg, Typ string }
		if err == nil {
			err = json.Unmarshal(raw, &hdr)
		}
		typ := strings.TrimPrefix(strings.ToLower(hdr.Typ), "application/")
		if err != nil || strings.EqualFold(hdr.Alg, "none") || hdr.Alg == "" || typ != "at+jwt" {
			t.Fatalf("%q passed the shape check with header %s", tok, raw)
		}
	})
}
