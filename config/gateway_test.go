package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLoadGatewayDefaults(t *testing.T) {
	g, err := LoadGateway(MapEnv(map[string]string{
		"GQLGATEWAY_CLIENT_ID":     "gw",
		"GQLGATEWAY_CLIENT_SECRET": "gw-secret",
	}))
	if err != nil {
		t.Fatalf("LoadGateway: %v", err)
	}
	want := Gateway{
		Addr: ":8080", TokenServiceURL: "http://localhost:8081",
		ClientID: "gw", ClientSecret: "gw-secret",
		MaxBodyBytes: 256 << 10, MaxDepth: 12, MaxFields: 2000,
		CacheSize: 10000, CacheTTL: 5 * time.Minute,
		MetricsAddr: "127.0.0.1:9080", LogFormat: "json", LogLevel: "info",
	}
	if g != want {
		t.Errorf("LoadGateway = %+v, want %+v", g, want)
	}
}

func TestLoadGatewayOverrides(t *testing.T) {
	g, err := LoadGateway(MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":           "127.0.0.1:9000",
		"GQLGATEWAY_TOKENSVC_URL":   "https://tokens.internal",
		"GQLGATEWAY_CLIENT_ID":      "gw",
		"GQLGATEWAY_CLIENT_SECRET":  "gw-secret",
		"GQLGATEWAY_MAX_BODY_BYTES": "4096",
		"GQLGATEWAY_MAX_DEPTH":      "8",
		"GQLGATEWAY_MAX_FIELDS":     "300",
		"GQLGATEWAY_CACHE_SIZE":     "50",
		"GQLGATEWAY_CACHE_TTL":      "30s",
	}))
	if err != nil {
		t.Fatalf("LoadGateway: %v", err)
	}
	if g.Addr != "127.0.0.1:9000" || g.TokenServiceURL != "https://tokens.internal" ||
		g.MaxBodyBytes != 4096 || g.MaxDepth != 8 || g.MaxFields != 300 ||
		g.CacheSize != 50 || g.CacheTTL != 30*time.Second {
		t.Errorf("LoadGateway = %+v", g)
	}
}

func TestLoadGatewayReportsEveryProblem(t *testing.T) {
	_, err := LoadGateway(MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":           "nowhere",
		"GQLGATEWAY_TOKENSVC_URL":   "ftp://user:pw@x",
		"GQLGATEWAY_MAX_BODY_BYTES": "12",
		"GQLGATEWAY_MAX_DEPTH":      "deep",
		"GQLGATEWAY_MAX_FIELDS":     "0",
		"GQLGATEWAY_CACHE_SIZE":     "-1",
		"GQLGATEWAY_CACHE_TTL":      "forever",
	}))
	if err == nil {
		t.Fatal("LoadGateway accepted invalid settings")
	}
	for _, want := range []string{
		"GQLGATEWAY_ADDR", "GQLGATEWAY_TOKENSVC_URL", "GQLGATEWAY_CLIENT_ID",
		"GQLGATEWAY_CLIENT_SECRET", "GQLGATEWAY_MAX_BODY_BYTES", "GQLGATEWAY_MAX_DEPTH",
		"GQLGATEWAY_MAX_FIELDS", "GQLGATEWAY_CACHE_SIZE", "GQLGATEWAY_CACHE_TTL",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "pw") {
		t.Errorf("error %q shows the URL's password", err)
	}
}

func TestGatewayValidateInCode(t *testing.T) {
	g := Gateway{Addr: ":1", TokenServiceURL: "http://x", ClientID: "a", ClientSecret: "b",
		MaxBodyBytes: 2048, MaxDepth: 3, MaxFields: 10, CacheSize: 1, CacheTTL: time.Second}
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	g.MaxDepth, g.CacheTTL = 1, 0
	err := g.Validate()
	if err == nil || !strings.Contains(err.Error(), "depth") ||
		!strings.Contains(err.Error(), "TTL") {
		t.Errorf("Validate = %v, want depth and TTL problems", err)
	}
}

func TestGatewayNeverShowsTheSecret(t *testing.T) {
	g := Gateway{ClientID: "gw", ClientSecret: "very-secret-value"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "gateway", g)
	for name, text := range map[string]string{
		"String": g.String(), "%v": fmt.Sprintf("%v", g), "%#v": fmt.Sprintf("%#v", g),
		"slog": buf.String(),
	} {
		if strings.Contains(text, "very-secret-value") {
			t.Errorf("%s shows the secret: %s", name, text)
		}
	}
}
