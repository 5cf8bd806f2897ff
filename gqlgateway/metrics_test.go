package gqlgateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrapeMetrics reads the gateway's MetricsHandler and parses the
// Prometheus text format.
func scrapeMetrics(t *testing.T, gw *Gateway) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	gw.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("metrics answered %d: %s", w.Code, w.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parsing the metrics: %v\n%s", err, w.Body)
	}
	return fams
}

// seriesValue adds up the series of a family whose labels include labels:
// counter and gauge values, histogram sample counts.
func seriesValue(fams map[string]*dto.MetricFamily, family string,
	labels map[string]string) float64 {
	total := 0.0
	for _, m := range fams[family].GetMetric() {
		matched := 0
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; ok && v == lp.GetValue() {
				matched++
			}
		}
		if matched != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

func TestMetricsMoveWithTraffic(t *testing.T) {
	const clientID = "4b0d8a4e-27a5-4b7e-9a53-0c8f6b1d2e3f"
	const secret = "metrics-test-secret-id"
	fake := newFakeTokenService(t)
	fake.addKey(clientID, secret, "Reader", "acme", "read")
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	before := scrapeMetrics(t, tg.gw)

	login := `mutation($id:String!,$s:String!){login(loginInput:{clientId:$id,secretId:$s})` +
		`{accessToken}}`
	a := tg.post(t, "", login, map[string]any{"id": clientID, "s": secret})
	data, _ := a.body["data"].(map[string]any)
	payload, _ := data["login"].(map[string]any)
	tok, _ := payload["accessToken"].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login: %d %s", a.status, a.raw)
	}
	tg.post(t, "", login, map[string]any{"id": clientID, "s": "wrong"})
	for i := 0; i < 2; i++ { // a miss and an introspection, then a cache hit (apiKeys too)
		if a := tg.post(t, tok, "query Me { viewer { name } }", nil); a.status != 200 {
			t.Fatalf("viewer: %d %s", a.status, a.raw)
		}
	}
	tg.post(t, "", "{ viewer { name } }", nil)
	tg.post(t, tok, "{ apiKeys { name } }", nil)
	forged := fake.issue(clientID) + "x"
	tg.post(t, forged, "{ viewer { name } }", nil)
	tg.post(t, forged, "{ viewer { name } }", nil)
	tg.post(t, "", "{"+strings.Repeat("viewer{", 20)+"name"+strings.Repeat("}", 21), nil)

	after := scrapeMetrics(t, tg.gw)
	tests := []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"gqlgateway_logins_total", map[string]string{"result": "ok"}, 1},
		{"gqlgateway_logins_total", map[string]string{"result": "invalid_client"}, 1},
		{"gqlgateway_identity_cache_lookups_total", map[string]string{"result": "hit"}, 2},
		{"gqlgateway_identity_cache_lookups_total", map[string]string{"result": "negative_hit"},
			1},
		{"gqlgateway_introspections_total", map[string]string{"result": "active"}, 1},
		{"gqlgateway_introspections_total", map[string]string{"result": "inactive"}, 1},
		{"gqlgateway_introspection_duration_seconds", nil, 2},
		{"gqlgateway_protected_operations_total", map[string]string{"result": "ok"}, 2},
		{"gqlgateway_protected_operations_total",
			map[string]string{"result": "unauthenticated"}, 3},
		{"gqlgateway_identity_cache_lookups_total", map[string]string{"result": "miss"}, 2},
		{"gqlgateway_protected_operations_total", map[string]string{"result": "forbidden"}, 1},
		{"gqlgateway_guard_rejections_total", map[string]string{"reason": "depth"}, 1},
		{"gqlgateway_request_duration_seconds",
			map[string]string{"operation": "mutation", "code": "200"}, 2},
		{"gqlgateway_request_duration_seconds",
			map[string]string{"operation": "query", "code": "401"}, 3},
		{"gqlgateway_request_duration_seconds",
			map[string]string{"operation": "unknown", "code": "400"}, 1},
	}
	for _, tc := range tests {
		got := seriesValue(after, tc.family, tc.labels) - seriesValue(before, tc.family,
			tc.labels)
		if got != tc.want {
			t.Errorf("%s%v moved by %v, want %v", tc.family, tc.labels, got, tc.want)
		}
	}
	if up := seriesValue(after, "gqlgateway_revocation_stream_up", nil); up != 1 {
		t.Errorf("gqlgateway_revocation_stream_up = %v with the stream up, want 1", up)
	}
	fake.revoke(tok)
	refusedWithin(t, tg, tok, time.Second)
	after = scrapeMetrics(t, tg.gw)
	events := map[string]string{"kind": "token"}
	if got := seriesValue(after, "gqlgateway_revocation_events_total", events) -
		seriesValue(before, "gqlgateway_revocation_events_total", events); got != 1 {
		t.Errorf("gqlgateway_revocation_events_total{kind=token} moved by %v, want 1", got)
	}
	for name, fam := range after {
		for _, m := range fam.GetMetric() {
			for _, lp := range m.GetLabel() {
				v := lp.GetValue()
				if v == clientID || v == secret || v == tok || strings.Contains(v, "viewer") {
					t.Errorf("%s has a label %s=%q", name, lp.GetName(), v)
				}
			}
		}
	}
}

func TestMetricsFollowTheRevocationStream(t *testing.T) {
	fake := newFakeTokenService(t)
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	fake.down.Store(true)
	waitMetric(t, tg.gw, "gqlgateway_revocation_stream_up", func(v float64) bool { return v == 0 })
	waitMetric(t, tg.gw, "gqlgateway_revocation_stream_reconnects_total",
		func(v float64) bool { return v >= 1 })
	fake.down.Store(false)
	waitMetric(t, tg.gw, "gqlgateway_revocation_stream_up", func(v float64) bool { return v == 1 })
}

// waitMetric polls a family's value until ok accepts it.
func waitMetric(t *testing.T, gw *Gateway, family string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := seriesValue(scrapeMetrics(t, gw), family, nil)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed at %v", family, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTwoGatewaysHaveTheirOwnMetrics(t *testing.T) {
	fake := newFakeTokenService(t)
	one, two := startGateway(t, fake, nil), startGateway(t, fake, nil)
	one.post(t, "", "{ viewer { name } }", nil)
	family := "gqlgateway_protected_operations_total"
	unauth := map[string]string{"result": "unauthenticated"}
	if got := seriesValue(scrapeMetrics(t, one.gw), family, unauth); got != 1 {
		t.Errorf("first gateway counted %v refusals, want 1", got)
	}
	if got := seriesValue(scrapeMetrics(t, two.gw), family, unauth); got != 0 {
		t.Errorf("second gateway counted %v refusals of the first, want 0", got)
	}
}

func TestMetricsAreNotOnThePublicHandler(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), nil)
	resp, err := http.Get(tg.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the public handler = %d, want 404", resp.StatusCode)
	}
}
