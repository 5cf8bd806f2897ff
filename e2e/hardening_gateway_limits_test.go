package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
)

// clientFrom returns an HTTP client whose connections start from the
// loopback address ip (any of 127.0.0.0/8), so one test can play several
// end clients with addresses of their own.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: time.Second}
	return &http.Client{Timeout: requestBudget, Transport: &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// loginFrom sends the login mutation to the gateway from client.
func loginFrom(t *testing.T, client *http.Client, gatewayURL string, k keyPair) (reply, gqlAnswer) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": loginVars(k)})
	req, _ := http.NewRequest(http.MethodPost, gatewayURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	r := must(t, sendWith(client, req))
	return r, decodeGQL(r)
}

// TestGatewayLoginFailuresAreLimitedPerEndClient sends failed GraphQL logins
// from one end client until its address is limited. The token service must
// count them against that client's address (the gateway forwards it, and
// the token service trusts the gateway as a proxy), not against the
// gateway's own address: other clients of the same gateway still log in.
func TestGatewayLoginFailuresAreLimitedPerEndClient(t *testing.T) {
	r := redistest.Start(t)
	keyFile, _ := writeSigningKey(t)
	svc := startTokenService(t, r.URL, keyFile, "TOKENSVC_AUTH_FAILURE_IP_LIMIT=5",
		"TOKENSVC_TRUSTED_PROXIES=127.0.0.1/32")
	gwKey := svc.createKey(t, "platform", "Gateway", "tokens:introspect")
	gw := startGatewayProcess(t, svc.url, gwKey)
	user := svc.createKey(t, "acme", "User", "api")

	attacker := clientFrom("127.0.0.2")
	for i := range 5 {
		guess := keyPair{ClientID: fmt.Sprintf("guess-%d", i), SecretID: "nope"}
		if _, a := loginFrom(t, attacker, gw.url, guess); a.code() != "INVALID_CLIENT" {
			t.Fatalf("failed login %d: code %q, want INVALID_CLIENT", i+1, a.code())
		}
	}
	if resp, a := loginFrom(t, attacker, gw.url, user); resp.status != http.StatusTooManyRequests ||
		a.code() != "RATE_LIMITED" {
		t.Errorf("the limited client's next login: %d %q, want 429 RATE_LIMITED", resp.status,
			a.code())
	}
	resp, a := loginFrom(t, clientFrom("127.0.0.3"), gw.url, user)
	if resp.status != http.StatusOK || a.loginToken() == "" {
		t.Fatalf("another client of the same gateway cannot log in: %d %s", resp.status,
			clipBody(resp.body))
	}
}
