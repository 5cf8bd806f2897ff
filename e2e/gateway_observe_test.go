package e2e

// The gateway's metrics and request logs against the real token service.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// logSink collects log output written by concurrent goroutines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// startLoggedGateway is startGateway with the gateway's logs kept, as JSON.
func (e *env) startLoggedGateway(t *testing.T, logs *logSink) *gateway {
	t.Helper()
	return startGatewayWith(t, e.proxy.URL(), e.gwKey, slog.New(slog.NewJSONHandler(logs, nil)))
}

// scrapeGateway parses the gateway's metrics, served as Prometheus would
// read them.
func scrapeGateway(t *testing.T, g *gateway) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(g.gw.MetricsHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the gateway's metrics: %v", err)
	}
	return fams
}

// counter returns the value of the series of family with label=value.
func counter(fams map[string]*dto.MetricFamily, family, label, value string) float64 {
	for _, m := range fams[family].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestGatewayMetricsAndLogs(t *testing.T) {
	e := newEnv(t)
	logs := &logSink{}
	gw := e.startLoggedGateway(t, logs)
	key := e.ts.CreateKey(t, "acme", "Observed", "read")
	before := scrapeGateway(t, gw)

	login := func(secret string) answer {
		return gw.post(t, "", `mutation SignIn($id: String!, $s: String!) { `+
			`login(loginInput: {clientId: $id, secretId: $s}) { accessToken } }`,
			map[string]any{"id": key.ClientID, "s": secret})
	}
	a := login(key.SecretID)
	payload, _ := a.body["data"].(map[string]any)["login"].(map[string]any)
	tok, _ := payload["accessToken"].(string)
	if tok == "" {
		t.Fatalf("login: %d %s", a.status, a.raw)
	}
	if a := login("not-the-secret"); a.code() != "INVALID_CLIENT" {
		t.Fatalf("bad login: %d %s", a.status, a.raw)
	}
	for i := 0; i < 2; i++ {
		if a := gw.post(t, tok, "query Me { viewer { name clientId } }", nil); a.status != 200 {
			t.Fatalf("viewer: %d %s", a.status, a.raw)
		}
	}
	after := scrapeGateway(t, gw)
	for _, c := range []struct {
		family, label, value string
		want                 float64
	}{
		{"gqlgateway_logins_total", "result", "ok", 1},
		{"gqlgateway_logins_total", "result", "invalid_client", 1},
		{"gqlgateway_identity_cache_lookups_total", "result", "miss", 1},
		{"gqlgateway_identity_cache_lookups_total", "result", "hit", 1},
		{"gqlgateway_introspections_total", "result", "active", 1},
		{"gqlgateway_protected_operations_total", "result", "ok", 2},
	} {
		got := counter(after, c.family, c.label, c.value) -
			counter(before, c.family, c.label, c.value)
		if got != c.want {
			t.Errorf("%s{%s=%q} moved by %v, want %v", c.family, c.label, c.value, got, c.want)
		}
	}
	for name, fam := range after {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); v == key.ClientID || v == tok || v == key.SecretID {
					t.Errorf("%s carries %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
	checkRequestLogs(t, logs.String(), key.ClientID)
	for _, secret := range []string{tok, key.SecretID, e.gwKey.SecretID, "not-the-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the gateway's logs contain a secret or token:\n%s", logs.String())
		}
	}
}

// checkRequestLogs expects one line per request above, in order.
func checkRequestLogs(t *testing.T, logs, clientID string) {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil && l["msg"] == "request" {
			lines = append(lines, l)
		}
	}
	want := []string{
		"mutation SignIn 200 " + clientID + " ",
		"mutation SignIn 200  INVALID_CLIENT",
		"query Me 200 " + clientID + " ",
		"query Me 200 " + clientID + " ",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d request lines, want %d:\n%s", len(lines), len(want), logs)
	}
	for i, l := range lines {
		got := fmt.Sprintf("%v %v %v %v %v", l["operation"], l["operation_name"], l["status"],
			l["client_id"], l["code"])
		if got != want[i] || l["path"] != "/graphql" || l["method"] != "POST" {
			t.Errorf("request line %d: %s %s %s, want %q", i+1, l["method"], l["path"], got,
				want[i])
		}
	}
}
