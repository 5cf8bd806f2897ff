package tokensvc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc"
)

// TestRealClientGetsVerifiableRFC9068Token drives the token endpoint with
// golang.org/x/oauth2's client-credentials client and verifies the JWT
// against the published JWKS with go-jose, for both signing algorithms.
func TestRealClientGetsVerifiableRFC9068Token(t *testing.T) {
	for _, alg := range []string{tokensvc.AlgES256, tokensvc.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			ts := testenv.StartTokenService(t, testenv.Options{Config: tokensvc.Config{SigningAlg: alg}})
			k := ts.CreateKey(t, "acme", "Nightly export", "api", "reports:read")

			for _, style := range []struct {
				name  string
				style oauth2.AuthStyle
			}{{"basic", oauth2.AuthStyleInHeader}, {"post", oauth2.AuthStyleInParams}} {
				conf := clientcredentials.Config{
					ClientID: k.ClientID, ClientSecret: k.SecretID,
					TokenURL: ts.URL + "/oauth2/token", Scopes: []string{"reports:read"},
				}
				conf.AuthStyle = style.style
				tok, err := conf.Token(context.Background())
				if err != nil {
					t.Fatalf("%s: client library failed: %v", style.name, err)
				}
				if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
					t.Fatalf("%s: token type %q expiry %v", style.name, tok.TokenType, tok.Expiry)
				}
				verifyJWT(t, ts, tok.AccessToken, alg, k)
			}
		})
	}
}

func verifyJWT(t *testing.T, ts *testenv.TokenService, token, alg string, k testenv.Key) {
	t.Helper()
	r := testenv.JSONRequest(t, http.MethodGet, ts.URL+"/.well-known/jwks.json", "", nil)
	wantStatus(t, r, http.StatusOK)
	var set jose.JSONWebKeySet
	r.JSON(t, &set)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("parsing JWS: %v", err)
	}
	hdr := jws.Signatures[0].Header
	if hdr.KeyID != set.Keys[0].KeyID || hdr.ExtraHeaders["typ"] != "at+jwt" {
		t.Fatalf("header kid %q typ %v; JWKS kid %q", hdr.KeyID, hdr.ExtraHeaders["typ"], set.Keys[0].KeyID)
	}
	payload, err := jws.Verify(set.Keys[0])
	if err != nil {
		t.Fatalf("signature does not verify against the JWKS: %v", err)
	}
	var c struct {
		Iss      string   `json:"iss"`
		Sub      string   `json:"sub"`
		Aud      []string `json:"aud"`
		Exp, Iat int64
		Jti      string `json:"jti"`
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		Account  string `json:"account"`
		Name     string `json:"name"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	switch {
	case c.Iss != ts.URL, c.Sub != k.ClientID, c.ClientID != k.ClientID,
		!slices.Equal(c.Aud, []string{"positive-action-api"}), c.Jti == "",
		c.Scope != "reports:read", c.Account != k.Account, c.Name != k.Name,
		c.Iat > now+1 || c.Iat < now-60, c.Exp-c.Iat != 3600:
		t.Fatalf("claims %s do not match RFC 9068 and the key", payload)
	}
}

func TestMetadataIssuerIsItsOwnURL(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	r := testenv.JSONRequest(t, http.MethodGet, ts.URL+"/.well-known/oauth-authorization-server", "", nil)
	wantStatus(t, r, http.StatusOK)
	var md map[string]any
	r.JSON(t, &md)
	if md["issuer"] != ts.URL || md["token_endpoint"] != ts.URL+"/oauth2/token" ||
		md["jwks_uri"] != ts.URL+"/.well-known/jwks.json" {
		t.Fatalf("metadata %s: issuer and endpoints must be under %s (RFC 8414 §3.3)", r.Body, ts.URL)
	}
	grants, _ := md["grant_types_supported"].([]any)
	if len(grants) != 1 || grants[0] != "client_credentials" {
		t.Errorf("grant_types_supported %v", md["grant_types_supported"])
	}
}

func TestHealthAndReadiness(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	for _, p := range []string{"/healthz", "/readyz"} {
		wantStatus(t, testenv.JSONRequest(t, http.MethodGet, ts.URL+p, "", nil), http.StatusOK)
	}
}
