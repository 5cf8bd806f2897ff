package client_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// TestVerifierAcceptsTheServiceTokens verifies real tokens of a running
// token service, for both signing algorithms, with the JWKS it publishes.
func TestVerifierAcceptsTheServiceTokens(t *testing.T) {
	for _, alg := range []string{tokensvc.AlgES256, tokensvc.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			ts := testenv.StartTokenService(t, testenv.Options{
				Config: tokensvc.Config{SigningAlg: alg}})
			k := ts.CreateKey(t, "acme", "Reports", "api", "reports:read")
			tok := ts.Token(t, k, "reports:read")

			v, err := client.NewVerifier(client.VerifierConfig{Issuer: ts.URL,
				Audience: "positive-action-api"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.ClientID != k.ClientID || c.Account != "acme" || c.Name != "Reports" ||
				c.Scope != "reports:read" {
				t.Fatalf("claims %+v do not describe the key", c)
			}

			other, err := client.NewVerifier(client.VerifierConfig{Issuer: ts.URL,
				Audience: "another-api"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.Verify(t.Context(), tok); !errors.Is(err, client.ErrInvalidToken) {
				t.Fatalf("a verifier for another audience: %v, want ErrInvalidToken", err)
			}

			// Offline verification learns of revocation only at expiry, as
			// SPEC says; introspection is the way to see it at once.
			r := ts.Admin(t, http.MethodPost, "/admin/revocations", map[string]string{"token": tok})
			if r.Status != http.StatusOK {
				t.Fatalf("revoking: %d %s", r.Status, r.Body)
			}
			if _, err := v.Verify(t.Context(), tok); err != nil {
				t.Fatalf("a revoked token no longer verifies offline (%v), unlike SPEC says",
					err)
			}
		})
	}
}
