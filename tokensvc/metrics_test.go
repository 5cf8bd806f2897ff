package tokensvc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/positiveaction/tokens/internal/testenv"
)

// scrape reads the service's /metrics with the admin token and parses the
// Prometheus text format.
func scrape(t *testing.T, ts *testenv.TokenService) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.AdminURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testenv.AdminToken)
	resp := testenv.Do(t, req)
	wantStatus(t, resp, http.StatusOK)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(resp.Body)))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, resp.Body)
	}
	return fams
}

// sample sums the counters, or the histogram sample counts, of family name
// whose labels include every pair of want.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	fam, ok := fams[name]
	if !ok {
		return 0
	}
	for _, m := range fam.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	matched := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok && v == lp.GetValue() {
			matched++
		}
	}
	return matched == len(want)
}

// metricDelta is how far one series moved between two scrapes.
type metricDelta struct {
	name   string
	family string
	labels map[string]string
	want   float64
}

func checkDeltas(t *testing.T, before, after map[string]*dto.MetricFamily, deltas []metricDelta) {
	t.Helper()
	for _, d := range deltas {
		got := sample(after, d.family, d.labels) - sample(before, d.family, d.labels)
		if got != d.want {
			t.Errorf("%s: %s%v moved by %v, want %v", d.name, d.family, d.labels, got, d.want)
		}
	}
}

func TestMetricsMoveWithTokenRequests(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	k := ts.CreateKey(t, "metrics", "Job", "api")
	gw := ts.CreateKey(t, "metrics", "Gateway", "tokens:introspect")
	tokenURL := ts.URL + "/oauth2/token"
	cc := url.Values{"grant_type": {"client_credentials"}}

	introspectAs := func(token string) {
		t.Helper()
		body := url.Values{"token": {token}}
		r := form(t, ts.URL+"/oauth2/introspect", body, gw.ClientID, gw.SecretID)
		wantStatus(t, r, http.StatusOK)
	}
	revoke := func(body map[string]string) {
		t.Helper()
		wantStatus(t, ts.Admin(t, http.MethodPost, "/admin/revocations", body), http.StatusOK)
	}

	before := scrape(t, ts)
	token := ts.Token(t, k, "")
	wantStatus(t, form(t, tokenURL, cc, k.ClientID, "wrong-secret"), http.StatusUnauthorized)
	wantStatus(t, form(t, tokenURL, cc, "", ""), http.StatusUnauthorized)
	introspectAs(token)
	revoke(map[string]string{"token": token})
	introspectAs(token)
	revoke(map[string]string{"clientId": k.ClientID})
	revoke(map[string]string{"account": "metrics"})
	deleted := ts.Admin(t, http.MethodDelete, "/admin/keys/"+k.ClientID, nil)
	wantStatus(t, deleted, http.StatusNoContent)
	after := scrape(t, ts)

	tokenRoute := map[string]string{"listener": "public", "route": "/oauth2/token", "method": "POST"}
	const failures, revocations = "tokensvc_auth_failures_total", "tokensvc_revocations_total"
	checkDeltas(t, before, after, []metricDelta{
		{"one token issued", "tokensvc_tokens_issued_total", nil, 1},
		{"wrong secret", failures, map[string]string{"reason": "bad_credentials"}, 1},
		{"no credentials", failures, map[string]string{"reason": "malformed"}, 1},
		{"nothing rate limited", failures, map[string]string{"reason": "rate_limited"}, 0},
		{"active answer", "tokensvc_introspections_total", map[string]string{"result": "active"}, 1},
		{"inactive answer", "tokensvc_introspections_total",
			map[string]string{"result": "inactive"}, 1},
		{"token revoked", revocations, map[string]string{"kind": "token"}, 1},
		{"key revoked", revocations, map[string]string{"kind": "key"}, 1},
		{"account revoked", revocations, map[string]string{"kind": "account"}, 1},
		{"key deleted", revocations, map[string]string{"kind": "key_delete"}, 1},
		{"token requests timed", "tokensvc_http_request_duration_seconds", tokenRoute, 3},
		{"successful token request", "tokensvc_http_request_duration_seconds",
			map[string]string{"route": "/oauth2/token", "code": "200"}, 1},
		{"admin requests timed by pattern", "tokensvc_http_request_duration_seconds",
			map[string]string{"listener": "admin", "route": "/admin/keys/{clientId}", "code": "204"}, 1},
		{"token record written", "tokensvc_store_operation_duration_seconds",
			map[string]string{"operation": "save_token"}, 1},
		{"no store faults", "tokensvc_store_errors_total", nil, 0},
	})
	for _, secret := range []string{k.ClientID, gw.ClientID, k.SecretID, gw.SecretID, token} {
		checkNoLabelHolds(t, after, secret)
	}
}

// checkNoLabelHolds fails when any label value of any series contains s.
func checkNoLabelHolds(t *testing.T, fams map[string]*dto.MetricFamily, s string) {
	t.Helper()
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			for _, lp := range m.GetLabel() {
				if strings.Contains(lp.GetValue(), s) {
					t.Errorf("%s has label %s=%q, which holds a Client ID, secret or token",
						name, lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

func TestMetricsCountRateLimitedAuthentication(t *testing.T) {
	cfg := testenv.Options{}
	cfg.Config.AuthFailureLimit = 2
	ts := testenv.StartTokenService(t, cfg)
	k := ts.CreateKey(t, "limited", "Job", "api")
	cc := url.Values{"grant_type": {"client_credentials"}}
	before := scrape(t, ts)
	for range 2 {
		wantStatus(t, form(t, ts.URL+"/oauth2/token", cc, k.ClientID, "wrong"), http.StatusUnauthorized)
	}
	refused := form(t, ts.URL+"/oauth2/token", cc, k.ClientID, k.SecretID)
	wantStatus(t, refused, http.StatusTooManyRequests)
	const failures = "tokensvc_auth_failures_total"
	checkDeltas(t, before, scrape(t, ts), []metricDelta{
		{"two wrong secrets", failures, map[string]string{"reason": "bad_credentials"}, 2},
		{"then refused", failures, map[string]string{"reason": "rate_limited"}, 1},
		{"nothing issued", "tokensvc_tokens_issued_total", nil, 0},
	})
}

func TestMetricsNeedTheAdminToken(t *testing.T) {
	ts := testenv.StartTokenService(t, testenv.Options{})
	// A second service in the same process must not collide with the first
	// in a shared registry.
	other := testenv.StartTokenService(t, testenv.Options{})
	tests := []struct {
		name   string
		bearer string
		want   int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "not-the-admin-token-not-the-admin-token", http.StatusUnauthorized},
		{"admin token", testenv.AdminToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, svc := range []*testenv.TokenService{ts, other} {
				r := testenv.JSONRequest(t, http.MethodGet, svc.AdminURL+"/metrics", tt.bearer, nil)
				wantStatus(t, r, tt.want)
			}
		})
	}
	public := testenv.JSONRequest(t, http.MethodGet, ts.URL+"/metrics", testenv.AdminToken, nil)
	if public.Status != http.StatusNotFound {
		t.Errorf("public listener /metrics: status %d, want 404", public.Status)
	}
}
