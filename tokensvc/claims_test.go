package tokensvc

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// referenceClaims is how the claims were encoded before appendJSON: through
// golang-jwt's types and encoding/json. appendJSON must match it byte for
// byte.
type referenceClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Account  string `json:"account"`
	Name     string `json:"name"`
}

func reference(c tokenClaims) ([]byte, error) {
	return json.Marshal(referenceClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    c.issuer,
			Subject:   c.subject,
			Audience:  jwt.ClaimStrings{c.audience},
			ExpiresAt: jwt.NewNumericDate(c.expires),
			IssuedAt:  jwt.NewNumericDate(c.issued),
			NotBefore: jwt.NewNumericDate(c.issued),
			ID:        c.id,
		},
		ClientID: c.subject,
		Scope:    c.scope,
		Account:  c.account,
		Name:     c.keyName,
	})
}

func sampleClaims(name string) tokenClaims {
	issued := time.Date(2026, 12, 3, 16, 0, 0, 987654321, time.UTC)
	return tokenClaims{
		issuer:   "http://localhost:8081",
		audience: "positive-action-api",
		subject:  "760e8193-25ad-47b5-96fd-795371234567",
		issued:   issued,
		expires:  issued.Add(time.Hour),
		id:       "0c4f5d1e-8a7b-4c2d-9e3f-123456789abc",
		scope:    "api keys:manage",
		account:  "acme_co-1",
		keyName:  name,
	}
}

func checkClaims(t *testing.T, c tokenClaims) {
	t.Helper()
	want, err := reference(c)
	if err != nil {
		t.Fatalf("reference encoding: %v", err)
	}
	if got := c.appendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
	}
}

func TestClaimsEncodeAsEncodingJSONDoes(t *testing.T) {
	names := map[string]string{
		"plain":            "Billing job",
		"quotes":           `The "main" key`,
		"backslash":        `C:\keys`,
		"html characters":  "<script>&amp;</script>",
		"non-ASCII":        "Clé de facturation 請求",
		"line separators":  "a\u2028b\u2029c",
		"control":          "tab\there\x01",
		"invalid UTF-8":    "bad\xffbyte",
		"empty":            "",
		"DEL and tilde":    "~\x7f",
		"emoji":            "🔑 key",
		"apostrophe, etc.": "O'Brien's #1 key (v2) [prod] {x}",
	}
	for name, keyName := range names {
		t.Run(name, func(t *testing.T) { checkClaims(t, sampleClaims(keyName)) })
	}
	t.Run("empty scope", func(t *testing.T) {
		c := sampleClaims("k")
		c.scope = ""
		checkClaims(t, c)
	})
	t.Run("issuer with a path", func(t *testing.T) {
		c := sampleClaims("k")
		c.issuer = "https://tokens.example.com/tenant&x"
		checkClaims(t, c)
	})
}

func FuzzClaimsEncodeAsEncodingJSONDoes(f *testing.F) {
	f.Add("Billing job", "api", "acme", int64(1_800_000_000))
	f.Add("<é\"\\\u2028>", "a:b c.d", "x-y_z", int64(0))
	f.Fuzz(func(t *testing.T, name, scope, account string, unix int64) {
		if unix < 0 || unix > 1<<40 {
			return // NumericDate of times before 1970 or past year 36812 is out of scope
		}
		c := sampleClaims(name)
		c.scope, c.account = scope, account
		c.issued = time.Unix(unix, 123).UTC()
		c.expires = c.issued.Add(time.Hour)
		checkClaims(t, c)
	})
}

// The prepared header and the appended claims make the token golang-jwt
// made before: EdDSA signatures are deterministic in both, so whole tokens
// match; golang-jwt's ES256 ones are randomised and ours are RFC 6979's, so
// header and claims match and the signature verifies.
func TestSignedTokensMatchGolangJWT(t *testing.T) {
	for _, alg := range []string{AlgEdDSA, AlgES256} {
		t.Run(alg, func(t *testing.T) {
			s := freshSigner(t, alg)
			c := sampleClaims(`Nightly "export" <é>`)
			got, err := s.sign(c)
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := reference(c)
			var claims referenceClaims
			if err := json.Unmarshal(ref, &claims); err != nil {
				t.Fatal(err)
			}
			old := jwt.NewWithClaims(s.method, claims)
			old.Header["typ"], old.Header["kid"] = "at+jwt", s.kid
			want, err := old.SignedString(s.private)
			if err != nil {
				t.Fatal(err)
			}
			if alg == AlgEdDSA && got != want {
				t.Fatalf("token\n got %s\nwant %s", got, want)
			}
			if g, w := got[:bytes.LastIndexByte([]byte(got), '.')],
				want[:bytes.LastIndexByte([]byte(want), '.')]; g != w {
				t.Fatalf("signed part\n got %s\nwant %s", g, w)
			}
			parsed, err := jwt.Parse(got, func(*jwt.Token) (any, error) {
				return s.private.Public(), nil
			}, jwt.WithValidMethods([]string{alg}),
				jwt.WithTimeFunc(func() time.Time { return c.issued.Add(time.Minute) }))
			if err != nil || !parsed.Valid {
				t.Fatalf("the token does not verify: %v", err)
			}
		})
	}
}

// The introspection answer is written by hand; it must be byte for byte
// what encoding/json's Encoder made of the same struct.
func TestIntrospectionJSONMatchesEncodingJSON(t *testing.T) {
	full := introspection{Active: true, TokenType: "Bearer", ClientID: "pa_abc", Subject: "pa_abc",
		Scope: "api read", Audience: "https://api.example", Issuer: "https://tokens.example",
		ExpiresAt: 1790000000, IssuedAt: 1789996400, NotBefore: 1789996400,
		TokenID: "0198f0c3-5e5a-7c3e-9d7a-123456789abc", Account: "acme", Name: "Nightly export"}
	odd := full
	odd.Name, odd.Account, odd.Scope = "<script>\"é\"\u2028\x01", "", ""
	empty := introspection{Active: true}
	for name, in := range map[string]introspection{"full": full, "odd": odd, "empty": empty} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(in); err != nil {
				t.Fatal(err)
			}
			if got := in.appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("\n got %s\nwant %s", got, want.Bytes())
			}
		})
	}
}
