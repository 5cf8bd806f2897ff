package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/positiveaction/tokens/gqlgateway"
)

// secretSet collects every secret a run handed out or was sent: Secret IDs,
// tokens, the admin token, the gateway's secret, wrong guesses.
type secretSet map[string]string // value -> what it is

func (s secretSet) add(what, value string) {
	if len(value) >= 8 {
		s[value] = what
	}
}

// addToken adds a token and its signature, the part that makes it usable.
func (s secretSet) addToken(what, tok string) {
	s.add(what, tok)
	if i := strings.LastIndex(tok, "."); i > 0 {
		s.add(what+" (signature)", tok[i+1:])
	}
}

// addCredentials adds a Secret ID and the Basic header value that carries it.
func (s secretSet) addCredentials(what string, k keyPair) {
	s.add(what, k.SecretID)
	s.add(what+" (Basic)", base64.StdEncoding.EncodeToString(
		[]byte(url.QueryEscape(k.ClientID)+":"+url.QueryEscape(k.SecretID))))
}

// TestLogsNeverHoldSecrets runs every kind of traffic through the token
// service and the gateway (keys created, rotated and deleted, logins good
// and bad, introspection, revocations of every kind, console links, admin
// calls, rate limiting, a store outage), with the token service's logs at
// debug level in text and then in JSON, and the gateway's too (both the
// binary and one built with gqlgateway.New), and finds no secret in any log
// line, nor in either service's metrics.
func TestLogsNeverHoldSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			s := newFaultStack(t, "TOKENSVC_LOG_FORMAT="+format, "TOKENSVC_AUTH_FAILURE_LIMIT=3",
				"GQLGATEWAY_LOG_FORMAT="+format)
			var gwLogs syncBuffer
			opts := &slog.HandlerOptions{Level: slog.LevelDebug}
			h := slog.Handler(slog.NewTextHandler(&gwLogs, opts))
			if format == "json" {
				h = slog.NewJSONHandler(&gwLogs, opts)
			}
			inproc := startInProcessGateway(t, s, slog.New(h))
			secrets := secretSet{}
			secrets.add("admin token", stackAdminToken)
			secrets.addCredentials("gateway secret", s.gwKey)
			exercise(t, s, []string{s.gw.url, inproc}, secrets)

			_, svcMetrics := getJSONAs(t, s.svc.adminURL+"/metrics", stackAdminToken)
			_, gwMetrics := getJSONAs(t, s.gw.metricsURL+"/metrics", "")
			s.gw.signal(syscall.SIGTERM)
			s.svc.signal(syscall.SIGTERM)
			_ = s.gw.wait(10 * time.Second)
			_ = s.svc.wait(10 * time.Second)
			logs := map[string]string{
				"token service log":              s.svc.logs() + s.svc.stdout.String(),
				"gateway log":                    s.gw.logs() + s.gw.stdout.String(),
				"log of the gateway built in Go": gwLogs.String(),
				"token service metrics":          string(svcMetrics),
				"gateway metrics":                string(gwMetrics),
			}
			if !strings.Contains(logs["token service log"], s.gwKey.ClientID) {
				t.Error("the token service log names no Client ID: request lines are missing")
			}
			for who, text := range logs {
				if strings.Count(text, "\n") < 5 {
					t.Errorf("the %s holds only %q: the capture is not working", who, text)
				}
				for value, what := range secrets {
					if strings.Contains(text, value) {
						t.Errorf("the %s holds %s", who, what)
					}
				}
			}
			t.Logf("checked %d secrets against %d log lines and both metrics pages",
				len(secrets), strings.Count(logs["token service log"]+logs["gateway log"]+
					gwLogs.String(), "\n"))
		})
	}
}

// startInProcessGateway serves a gateway built by gqlgateway.New with log
// in front of s's token service, as cmd/gqlgateway builds it.
func startInProcessGateway(t *testing.T, s *faultStack, log *slog.Logger) string {
	t.Helper()
	gw, err := gqlgateway.New(gqlgateway.Config{TokenServiceURL: s.svc.url,
		ClientID: s.gwKey.ClientID, ClientSecret: s.gwKey.SecretID, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw.Start(ctx)
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		gw.Close()
	})
	return srv.URL
}

// keyAnswer decodes a key answer that carries a Secret ID.
func keyAnswer(t *testing.T, r reply) keyPair {
	t.Helper()
	var k keyPair
	if err := json.Unmarshal(r.body, &k); err != nil || k.SecretID == "" {
		t.Fatalf("no Secret ID in %d %s", r.status, clipBody(r.body))
	}
	return k
}

// nested reads data.<field> of a GraphQL answer into v.
func nested(a gqlAnswer, field string, v any) {
	_ = json.Unmarshal(a.Data[field], v)
}
