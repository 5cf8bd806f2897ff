package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestDevGatewayServesMetrics checks that -dev serves the gateway's metrics
// on GQLGATEWAY_METRICS_ADDR, and only there.
func TestDevGatewayServesMetrics(t *testing.T) {
	out, ports := devOutput(t)
	gateway := "http://" + ports["gateway"]
	waitHTTP(t, gateway+"/readyz")
	login := fmt.Sprintf(`{"query":"mutation { login(loginInput: {clientId: \"%s\", `+
		`secretId: \"%s\"}) { accessToken } }"}`, out["client"], out["secret"])
	resp, err := http.Post(gateway+"/graphql", "application/json", strings.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if resp, err := http.Get(gateway + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the gateway's public listener = %d, want 404", resp.StatusCode)
		}
	}
	resp, err = http.Get("http://" + ports["gateway-metrics"] + "/metrics")
	if err != nil {
		t.Fatalf("gateway metrics listener: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing the metrics: %v\n%s", err, body)
	}
	ok := 0.0
	for _, m := range fams["gqlgateway_logins_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "result" && l.GetValue() == "ok" {
				ok = m.GetCounter().GetValue()
			}
		}
	}
	if ok != 1 {
		t.Errorf("gqlgateway_logins_total{result=ok} = %v after one login, want 1", ok)
	}
}
