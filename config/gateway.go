package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// Gateway holds the settings of the GraphQL gateway (cmd/gqlgateway). Its
// String and LogValue never show the client secret, so it can be logged.
type Gateway struct {
	// Addr is where the gateway listens (GQLGATEWAY_ADDR, default ":8080").
	Addr string
	// TokenServiceURL is the token service's public base URL
	// (GQLGATEWAY_TOKENSVC_URL, default "http://localhost:8081").
	TokenServiceURL string
	// ClientID and ClientSecret are the gateway's own key, which must hold
	// tokens:introspect (GQLGATEWAY_CLIENT_ID, GQLGATEWAY_CLIENT_SECRET;
	// both required).
	ClientID     string
	ClientSecret string
	// MaxBodyBytes caps a request body (GQLGATEWAY_MAX_BODY_BYTES, default
	// 256 KiB).
	MaxBodyBytes int
	// MaxDepth caps the depth of a query, introspection fields included
	// (GQLGATEWAY_MAX_DEPTH, default 12).
	MaxDepth int
	// MaxFields caps the selections of a document, aliases and fragment
	// expansions counted (GQLGATEWAY_MAX_FIELDS, default 2000).
	MaxFields int
	// CacheSize bounds the identity cache, in tokens (GQLGATEWAY_CACHE_SIZE,
	// default 10000).
	CacheSize int
	// CacheTTL caps how long an introspection answer is reused, whatever the
	// token's expiry (GQLGATEWAY_CACHE_TTL, a Go duration, default 5m).
	CacheTTL time.Duration
	// MetricsAddr is where the Prometheus metrics are served, apart from the
	// public listener (GQLGATEWAY_METRICS_ADDR, default "127.0.0.1:9080";
	// "off" sets it empty). Empty: no metrics listener.
	MetricsAddr string
	// LogFormat is "json" (default) or "text" (GQLGATEWAY_LOG_FORMAT).
	// Empty means json.
	LogFormat string
	// LogLevel is "debug", "info" (default), "warn" or "error"
	// (GQLGATEWAY_LOG_LEVEL). Empty means info.
	LogLevel string
}

// Gateway defaults, documented once so the command's help and the package
// agree.
const (
	DefaultGatewayAddr         = ":8080"
	DefaultGatewayTokenSvcURL  = "http://localhost:8081"
	DefaultGatewayMaxBodyBytes = 256 << 10
	DefaultGatewayMaxDepth     = 12
	DefaultGatewayMaxFields    = 2000
	DefaultGatewayCacheSize    = 10000
	DefaultGatewayCacheTTL     = 5 * time.Minute
	DefaultGatewayMetricsAddr  = "127.0.0.1:9080"
	DefaultGatewayLogFormat    = "json"
	DefaultGatewayLogLevel     = "info"
)

// metricsOff is the GQLGATEWAY_METRICS_ADDR value that turns the metrics
// listener off. An empty value cannot: like every setting here, an empty
// variable means the default (and a compose file's ${VAR} of an unset
// variable is empty).
const metricsOff = "off"

// LoadGateway reads the gateway's settings through env and validates them,
// reporting every invalid or missing setting in one error.
func LoadGateway(env Getenv) (Gateway, error) {
	var p problems
	g := Gateway{
		Addr:            str(env, "GQLGATEWAY_ADDR", DefaultGatewayAddr),
		TokenServiceURL: str(env, "GQLGATEWAY_TOKENSVC_URL", DefaultGatewayTokenSvcURL),
		ClientID:        str(env, "GQLGATEWAY_CLIENT_ID", ""),
		ClientSecret:    str(env, "GQLGATEWAY_CLIENT_SECRET", ""),
		MaxBodyBytes: integer(env, &p, "GQLGATEWAY_MAX_BODY_BYTES",
			DefaultGatewayMaxBodyBytes, 1024, 64<<20),
		MaxDepth:  integer(env, &p, "GQLGATEWAY_MAX_DEPTH", DefaultGatewayMaxDepth, 2, 100),
		MaxFields: integer(env, &p, "GQLGATEWAY_MAX_FIELDS", DefaultGatewayMaxFields, 1, 100000),
		CacheSize: integer(env, &p, "GQLGATEWAY_CACHE_SIZE", DefaultGatewayCacheSize,
			1, 10_000_000),
		CacheTTL:    duration(env, &p, "GQLGATEWAY_CACHE_TTL", DefaultGatewayCacheTTL),
		MetricsAddr: str(env, "GQLGATEWAY_METRICS_ADDR", DefaultGatewayMetricsAddr),
		LogFormat:   str(env, "GQLGATEWAY_LOG_FORMAT", DefaultGatewayLogFormat),
		LogLevel:    str(env, "GQLGATEWAY_LOG_LEVEL", DefaultGatewayLogLevel),
	}
	if g.MetricsAddr == metricsOff {
		g.MetricsAddr = ""
	}
	g.validate(&p)
	return g, p.err()
}

// Validate reports every problem of g at once, for settings built in code
// rather than loaded from the environment.
func (g Gateway) Validate() error {
	var p problems
	g.validate(&p)
	return p.err()
}

func (g Gateway) validate(p *problems) {
	if _, _, err := net.SplitHostPort(g.Addr); err != nil {
		p.addf("GQLGATEWAY_ADDR=%q is not host:port (like :8080)", g.Addr)
	}
	if u, err := url.Parse(g.TokenServiceURL); err != nil || u.Host == "" ||
		(u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		p.addf("GQLGATEWAY_TOKENSVC_URL is not an http(s) URL without credentials")
	}
	if g.ClientID == "" {
		p.addf("GQLGATEWAY_CLIENT_ID is required (the gateway's key, with tokens:introspect)")
	}
	if g.ClientSecret == "" {
		p.addf("GQLGATEWAY_CLIENT_SECRET is required (the Secret ID of the gateway's key)")
	}
	if g.MaxBodyBytes < 1024 {
		p.addf("max body bytes %d is below 1024", g.MaxBodyBytes)
	}
	if g.MaxDepth < 2 {
		p.addf("max depth %d is below 2", g.MaxDepth)
	}
	if g.MaxFields < 1 {
		p.addf("max fields %d is below 1", g.MaxFields)
	}
	if g.CacheSize < 1 {
		p.addf("cache size %d is below 1", g.CacheSize)
	}
	if g.CacheTTL <= 0 {
		p.addf("cache TTL %s is not positive", g.CacheTTL)
	}
	if g.MetricsAddr != "" {
		// Port 0 picks a free port, so two of them never clash.
		if _, port, err := net.SplitHostPort(g.MetricsAddr); err != nil {
			p.addf("GQLGATEWAY_METRICS_ADDR=%q is not host:port (like 127.0.0.1:9080) or off",
				g.MetricsAddr)
		} else if g.MetricsAddr == g.Addr && port != "0" {
			p.addf("GQLGATEWAY_METRICS_ADDR must differ from GQLGATEWAY_ADDR: metrics are " +
				"not served on the public listener")
		}
	}
	if g.LogFormat != "" && g.LogFormat != "text" && g.LogFormat != "json" {
		p.addf("GQLGATEWAY_LOG_FORMAT=%q must be text or json", g.LogFormat)
	}
	switch g.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		p.addf("GQLGATEWAY_LOG_LEVEL=%q must be debug, info, warn or error", g.LogLevel)
	}
}

// String shows the settings with the secret redacted.
func (g Gateway) String() string {
	return fmt.Sprintf("addr=%s tokensvc_url=%s client_id=%s client_secret=%s "+
		"max_body_bytes=%d max_depth=%d max_fields=%d cache_size=%d cache_ttl=%s "+
		"metrics_addr=%s log_format=%s log_level=%s",
		g.Addr, g.TokenServiceURL, g.ClientID, redactedGatewaySecret(g.ClientSecret),
		g.MaxBodyBytes, g.MaxDepth, g.MaxFields, g.CacheSize, g.CacheTTL,
		g.metricsAddrText(), g.LogFormat, g.LogLevel)
}

// GoString keeps %#v from printing the secret too.
func (g Gateway) GoString() string { return "config.Gateway{" + g.String() + "}" }

// LogValue logs the settings with the secret redacted.
func (g Gateway) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", g.Addr),
		slog.String("tokensvc_url", g.TokenServiceURL),
		slog.String("client_id", g.ClientID),
		slog.String("client_secret", redactedGatewaySecret(g.ClientSecret)),
		slog.Int("max_body_bytes", g.MaxBodyBytes),
		slog.Int("max_depth", g.MaxDepth),
		slog.Int("max_fields", g.MaxFields),
		slog.Int("cache_size", g.CacheSize),
		slog.String("cache_ttl", g.CacheTTL.String()),
		slog.String("metrics_addr", g.metricsAddrText()),
		slog.String("log_format", g.LogFormat),
		slog.String("log_level", g.LogLevel),
	)
}

func (g Gateway) metricsAddrText() string {
	if g.MetricsAddr == "" {
		return metricsOff
	}
	return g.MetricsAddr
}

func redactedGatewaySecret(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "[redacted]"
}
