package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/positiveaction/tokens/internal/redistest"
)

// twoInstances starts two token services on one Redis with small failure
// limits, as two replicas behind a load balancer.
func twoInstances(t *testing.T, perClient, perAddress int) (a, b *tokenService) {
	t.Helper()
	r := redistest.Start(t)
	keyFile, _ := writeSigningKey(t)
	env := []string{
		"TOKENSVC_AUTH_FAILURE_LIMIT=" + strconv.Itoa(perClient),
		"TOKENSVC_AUTH_FAILURE_IP_LIMIT=" + strconv.Itoa(perAddress),
		"TOKENSVC_AUTH_FAILURE_WINDOW=1m",
	}
	a = startTokenService(t, r.URL, keyFile, env...)
	b = startTokenService(t, r.URL, keyFile, env...)
	return a, b
}

var clientCredentials = url.Values{"grant_type": {"client_credentials"}}

// wantLimited expects a 429 with a Retry-After of at least a second.
func wantLimited(t *testing.T, r reply, where string) {
	t.Helper()
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusTooManyRequests || err != nil || secs < 1 {
		t.Errorf("%s: status %d, Retry-After %q; want 429 with Retry-After", where, r.status,
			r.header.Get("Retry-After"))
	}
}

// TestFailureLimitsAreSharedByInstances spreads failed authentications over
// two instances on one Redis: once the shared count reaches the limit,
// both instances refuse the Client ID (or the address) with 429, even with
// the right Secret ID, and X-Forwarded-For from an untrusted peer changes
// nothing.
func TestFailureLimitsAreSharedByInstances(t *testing.T) {
	t.Run("per Client ID", func(t *testing.T) {
		t.Parallel()
		a, b := twoInstances(t, 4, 1000)
		k := a.createKey(t, "acme", "Guessed", "api")
		other := a.createKey(t, "acme", "Bystander", "api")
		wrong := keyPair{ClientID: k.ClientID, SecretID: "wrong-secret"}
		for i, svc := range []*tokenService{a, b, a, b} {
			r := must(t, postForm(svc.url+"/oauth2/token", wrong, clientCredentials))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
			}
		}
		for name, svc := range map[string]*tokenService{"instance A": a, "instance B": b} {
			wantLimited(t, must(t, postForm(svc.url+"/oauth2/token", k, clientCredentials)),
				name+", right Secret ID after the limit")
			wantLimited(t, must(t, postForm(svc.url+"/oauth2/token", wrong, clientCredentials)),
				name+", wrong Secret ID after the limit")
		}
		r := must(t, postForm(b.url+"/oauth2/token", other, clientCredentials))
		if r.status != http.StatusOK {
			t.Errorf("another key from the same address: %d, want 200", r.status)
		}
	})

	t.Run("per address, spoofed X-Forwarded-For ignored", func(t *testing.T) {
		t.Parallel()
		a, b := twoInstances(t, 1000, 6)
		k := a.createKey(t, "acme", "Bystander", "api")
		for i := range 6 {
			svc := []*tokenService{a, b}[i%2]
			req, _ := http.NewRequest(http.MethodPost, svc.url+"/oauth2/token", nil)
			form := url.Values{"grant_type": {"client_credentials"},
				"client_id": {fmt.Sprintf("sprayed-%d", i)}, "client_secret": {"guess"}}
			r := must(t, postFormWith(req, form, fmt.Sprintf("198.51.100.%d", i)))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
			}
		}
		for name, svc := range map[string]*tokenService{"instance A": a, "instance B": b} {
			wantLimited(t, must(t, postForm(svc.url+"/oauth2/token", k, clientCredentials)),
				name+", a good key from the sprayed address")
		}
	})
}
