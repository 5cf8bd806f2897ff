package config

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// TokenService holds the token service's settings. Load fills it from the
// environment; zero values are never left for the service to guess.
type TokenService struct {
	Addr       string // TOKENSVC_ADDR, default ":8081"
	AdminAddr  string // TOKENSVC_ADMIN_ADDR, default "127.0.0.1:8082"
	AdminToken string // TOKENSVC_ADMIN_TOKEN, at least 32 characters; required unless dev
	Store      string // TOKENSVC_STORE, default "file:tokensvc.db"

	Issuer   string        // TOKENSVC_ISSUER, default "http://localhost:8081"
	Audience string        // TOKENSVC_AUDIENCE, default "positive-action-api"
	TokenTTL time.Duration // TOKENSVC_TOKEN_TTL, default 1h

	SigningAlg     string // TOKENSVC_SIGNING_ALG: ES256 (default) or EdDSA
	SigningKeyFile string // TOKENSVC_SIGNING_KEY_FILE: PEM private key; empty: kept in the store

	ConsoleLinkTTL   time.Duration // TOKENSVC_CONSOLE_LINK_TTL, default 15m
	DefaultKeyScopes []string      // TOKENSVC_DEFAULT_KEY_SCOPES, space-separated, default "api"

	AuthFailureLimit   int            // TOKENSVC_AUTH_FAILURE_LIMIT per Client ID, default 10
	AuthFailureIPLimit int            // TOKENSVC_AUTH_FAILURE_IP_LIMIT per address, default 100
	AuthFailureWindow  time.Duration  // TOKENSVC_AUTH_FAILURE_WINDOW, default 1m
	TrustedProxies     []netip.Prefix // TOKENSVC_TRUSTED_PROXIES, comma-separated CIDRs

	StoreTimeout   time.Duration // TOKENSVC_STORE_TIMEOUT per store call, default 2s
	AuditRetention time.Duration // TOKENSVC_AUDIT_RETENTION, default 2160h (90 days)

	LogFormat string // TOKENSVC_LOG_FORMAT: text (default) or json
	LogLevel  string // TOKENSVC_LOG_LEVEL: debug, info (default), warn, error

	ShutdownGrace time.Duration // TOKENSVC_SHUTDOWN_GRACE, default 20s

	// PprofAddr, when set, serves net/http/pprof for profiling under load.
	// TOKENSVC_PPROF_ADDR, off by default; a loopback host:port only.
	PprofAddr string
}

// LoadTokenService reads the token service's settings. dev relaxes the
// admin token requirement (the -dev flag mints one) and defaults the store
// to memory:.
func LoadTokenService(env Getenv, dev bool) (TokenService, error) {
	var p problems
	c := TokenService{
		Addr:       str(env, "TOKENSVC_ADDR", ":8081"),
		AdminAddr:  str(env, "TOKENSVC_ADMIN_ADDR", "127.0.0.1:8082"),
		AdminToken: strings.TrimSpace(env("TOKENSVC_ADMIN_TOKEN")),
		Store:      str(env, "TOKENSVC_STORE", "file:tokensvc.db"),
		Issuer:     strings.TrimRight(str(env, "TOKENSVC_ISSUER", "http://localhost:8081"), "/"),
		Audience:   str(env, "TOKENSVC_AUDIENCE", "positive-action-api"),
		TokenTTL:   duration(env, &p, "TOKENSVC_TOKEN_TTL", time.Hour),
		SigningAlg: str(env, "TOKENSVC_SIGNING_ALG", "ES256"),

		SigningKeyFile:   strings.TrimSpace(env("TOKENSVC_SIGNING_KEY_FILE")),
		ConsoleLinkTTL:   duration(env, &p, "TOKENSVC_CONSOLE_LINK_TTL", 15*time.Minute),
		DefaultKeyScopes: strings.Fields(str(env, "TOKENSVC_DEFAULT_KEY_SCOPES", "api")),

		AuthFailureLimit:   integer(env, &p, "TOKENSVC_AUTH_FAILURE_LIMIT", 10, 1, 1_000_000),
		AuthFailureIPLimit: integer(env, &p, "TOKENSVC_AUTH_FAILURE_IP_LIMIT", 100, 1, 1_000_000),
		AuthFailureWindow:  duration(env, &p, "TOKENSVC_AUTH_FAILURE_WINDOW", time.Minute),

		StoreTimeout:   duration(env, &p, "TOKENSVC_STORE_TIMEOUT", 2*time.Second),
		AuditRetention: duration(env, &p, "TOKENSVC_AUDIT_RETENTION", 90*24*time.Hour),
		LogFormat:      str(env, "TOKENSVC_LOG_FORMAT", "text"),
		LogLevel:       str(env, "TOKENSVC_LOG_LEVEL", "info"),
		ShutdownGrace:  duration(env, &p, "TOKENSVC_SHUTDOWN_GRACE", 20*time.Second),
		PprofAddr:      strings.TrimSpace(env("TOKENSVC_PPROF_ADDR")),
	}
	if dev && strings.TrimSpace(env("TOKENSVC_STORE")) == "" {
		c.Store = "memory:"
	}
	switch {
	case c.AdminToken == "" && !dev:
		p.addf("TOKENSVC_ADMIN_TOKEN is required (at least 32 characters; -dev makes one up)")
	case c.AdminToken != "" && len(c.AdminToken) < 32:
		p.addf("TOKENSVC_ADMIN_TOKEN must be at least 32 characters")
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.addf("TOKENSVC_ISSUER=%q must be an http(s) URL without query or fragment (RFC 8414 §2)", c.Issuer)
	}
	if c.SigningAlg != "ES256" && c.SigningAlg != "EdDSA" {
		p.addf("TOKENSVC_SIGNING_ALG=%q must be ES256 or EdDSA", c.SigningAlg)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p.addf("TOKENSVC_LOG_FORMAT=%q must be text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p.addf("TOKENSVC_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel)
	}
	if c.Audience == "" {
		p.addf("TOKENSVC_AUDIENCE must not be empty")
	}
	if c.PprofAddr != "" && !isLoopbackAddr(c.PprofAddr) {
		p.addf("TOKENSVC_PPROF_ADDR=%q must be a loopback host:port, such as 127.0.0.1:6060",
			c.PprofAddr)
	}
	for _, raw := range strings.Split(env("TOKENSVC_TRUSTED_PROXIES"), ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(raw)
		if err != nil {
			a, aerr := netip.ParseAddr(raw)
			if aerr != nil {
				p.addf("TOKENSVC_TRUSTED_PROXIES entry %q is not a CIDR or address", raw)
				continue
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	return c, p.err()
}

// isLoopbackAddr reports whether addr is host:port on a loopback address
// ("localhost" included), so a debugging listener cannot face a network.
func isLoopbackAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
