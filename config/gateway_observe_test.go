package config

import (
	"strings"
	"testing"
)

func TestGatewayMetricsAndLogSettings(t *testing.T) {
	base := map[string]string{"GQLGATEWAY_CLIENT_ID": "gw", "GQLGATEWAY_CLIENT_SECRET": "s"}
	tests := []struct {
		name        string
		env         map[string]string
		wantMetrics string
		wantFormat  string
		wantLevel   string
		wantErr     []string
	}{
		{name: "defaults", wantMetrics: "127.0.0.1:9080", wantFormat: "json", wantLevel: "info"},
		{name: "empty values mean the defaults",
			env: map[string]string{"GQLGATEWAY_METRICS_ADDR": " ",
				"GQLGATEWAY_LOG_FORMAT": ""},
			wantMetrics: "127.0.0.1:9080", wantFormat: "json", wantLevel: "info"},
		{name: "metrics off, text at debug",
			env: map[string]string{"GQLGATEWAY_METRICS_ADDR": "off",
				"GQLGATEWAY_LOG_FORMAT": "text", "GQLGATEWAY_LOG_LEVEL": "debug"},
			wantMetrics: "", wantFormat: "text", wantLevel: "debug"},
		{name: "metrics on every interface",
			env:         map[string]string{"GQLGATEWAY_METRICS_ADDR": ":9100"},
			wantMetrics: ":9100", wantFormat: "json", wantLevel: "info"},
		{name: "bad values, all reported",
			env: map[string]string{"GQLGATEWAY_METRICS_ADDR": "nine-oh-eighty",
				"GQLGATEWAY_LOG_FORMAT": "xml", "GQLGATEWAY_LOG_LEVEL": "loud"},
			wantErr: []string{"GQLGATEWAY_METRICS_ADDR", "GQLGATEWAY_LOG_FORMAT",
				"GQLGATEWAY_LOG_LEVEL"}},
		{name: "metrics on the public listener",
			env: map[string]string{"GQLGATEWAY_ADDR": "127.0.0.1:8080",
				"GQLGATEWAY_METRICS_ADDR": "127.0.0.1:8080"},
			wantErr: []string{"must differ from GQLGATEWAY_ADDR"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			g, err := LoadGateway(MapEnv(env))
			if len(tc.wantErr) > 0 {
				for _, want := range tc.wantErr {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("error %v does not mention %s", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadGateway: %v", err)
			}
			if g.MetricsAddr != tc.wantMetrics || g.LogFormat != tc.wantFormat ||
				g.LogLevel != tc.wantLevel {
				t.Errorf("got metrics %q, format %q, level %q; want %q, %q, %q",
					g.MetricsAddr, g.LogFormat, g.LogLevel, tc.wantMetrics, tc.wantFormat,
					tc.wantLevel)
			}
			if tc.wantMetrics == "" && !strings.Contains(g.String(), "metrics_addr=off") {
				t.Errorf("String() = %s, want metrics_addr=off", g)
			}
		})
	}
}
