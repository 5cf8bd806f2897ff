package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/positiveaction/tokens/config"
)

func TestMetricsListenerAndTextLogs(t *testing.T) {
	metricsAddr := testenv.FreeAddr(t)
	env := config.MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":          "127.0.0.1:0",
		"GQLGATEWAY_TOKENSVC_URL":  "http://127.0.0.1:1",
		"GQLGATEWAY_CLIENT_ID":     "gateway-key",
		"GQLGATEWAY_CLIENT_SECRET": "gateway-secret-value",
		"GQLGATEWAY_METRICS_ADDR":  metricsAddr,
		"GQLGATEWAY_LOG_FORMAT":    "text",
		"GQLGATEWAY_LOG_LEVEL":     "debug",
	})
	var logs syncBuffer
	base, cancel, done := startRun(t, env, &logs)
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	}()
	resp, err := http.Post(base+"/graphql", "application/json",
		strings.NewReader(`{"query":"query Ping { __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("query: %d", resp.StatusCode)
	}
	if resp, err := http.Get(base + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the public listener = %d, want 404", resp.StatusCode)
		}
	}
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("metrics listener: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing the metrics: %v\n%s", err, body)
	}
	fam := fams["gqlgateway_request_duration_seconds"]
	if fam == nil || len(fam.GetMetric()) != 1 ||
		fam.GetMetric()[0].GetHistogram().GetSampleCount() != 1 {
		t.Errorf("gqlgateway_request_duration_seconds after one request: %v", fam)
	}
	time.Sleep(50 * time.Millisecond) // let the log line land
	out := logs.String()
	want := `msg=request method=POST path=/graphql operation=query operation_name=Ping ` +
		`status=200`
	if !strings.Contains(out, want) || !strings.Contains(out, "gqlgateway metrics listening") {
		t.Errorf("text logs lack %q or the metrics line:\n%s", want, out)
	}
}

func TestMetricsOff(t *testing.T) {
	env := config.MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":          "127.0.0.1:0",
		"GQLGATEWAY_TOKENSVC_URL":  "http://127.0.0.1:1",
		"GQLGATEWAY_CLIENT_ID":     "gateway-key",
		"GQLGATEWAY_CLIENT_SECRET": "gateway-secret-value",
		"GQLGATEWAY_METRICS_ADDR":  "off",
	})
	var logs syncBuffer
	_, cancel, done := startRun(t, env, &logs)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v", err)
	}
	if strings.Contains(logs.String(), "metrics listening") {
		t.Errorf("metrics listener started although off:\n%s", logs.String())
	}
}

func TestMetricsPortTakenFailsAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := config.MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":          "127.0.0.1:0",
		"GQLGATEWAY_TOKENSVC_URL":  "http://127.0.0.1:1",
		"GQLGATEWAY_CLIENT_ID":     "gateway-key",
		"GQLGATEWAY_CLIENT_SECRET": "gateway-secret-value",
		"GQLGATEWAY_METRICS_ADDR":  ln.Addr().String(),
	})
	err = run(t.Context(), env, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("run with the metrics port taken = %v, want a metrics listen error", err)
	}
}
