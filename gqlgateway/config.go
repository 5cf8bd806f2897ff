package gqlgateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/positiveaction/tokens/config"
)

// Config is everything New needs. The zero value of each optional field
// means the documented default, so a Config with the token service's URL
// and the gateway's own key is complete.
type Config struct {
	// TokenServiceURL is the token service's public base URL.
	// Zero: "http://localhost:8081".
	TokenServiceURL string
	// ClientID and ClientSecret are the gateway's own key, which must hold
	// tokens:introspect. Required.
	ClientID     string
	ClientSecret string
	// HTTPClient talks to the token service. Zero: a pooled client with a
	// 5-second timeout (tokensvc/client's default).
	HTTPClient *http.Client

	// MaxBodyBytes caps a request body (and a GET query string).
	// Zero: 256 KiB.
	MaxBodyBytes int64
	// MaxDepth caps the field depth of a query, introspection fields
	// included; a root field is at depth 1. Zero: 12.
	MaxDepth int
	// MaxFields caps the selections of a document (fields, aliases
	// included, fragment spreads, inline fragments), both as written and as
	// expanded through fragments. Zero: 2,000.
	MaxFields int
	// MaxNodes caps arguments, directives, variable definitions and literal
	// value nodes. Zero: 4 × MaxFields.
	MaxNodes int
	// MaxNesting caps how deep braces, brackets and parentheses nest in the
	// query text, and objects and arrays in the variables. Zero:
	// 2 × MaxDepth + 16.
	MaxNesting int

	// DocumentCacheSize bounds the cache of valid documents. Zero: 1,000.
	DocumentCacheSize int
	// IdentityCacheSize bounds the cache of introspection answers, in
	// tokens. Zero: 10,000.
	IdentityCacheSize int
	// IdentityCacheTTL caps how long an answer is reused; a token's own
	// expiry always ends it sooner. Zero: 5 minutes.
	IdentityCacheTTL time.Duration
	// NegativeCacheTTL is how long "inactive" answers are reused: an
	// inactive token never becomes active again. Zero: 5 seconds; negative:
	// not cached at all.
	NegativeCacheTTL time.Duration
	// StreamSilence is how long the revocation stream may stay silent (it
	// pings every 250 ms) before the cache stops being trusted. Zero: 1s.
	StreamSilence time.Duration
	// IntrospectTimeout bounds one introspection. Zero: 3 seconds.
	IntrospectTimeout time.Duration
	// ExecuteTimeout bounds the execution of one request. Zero: 10 seconds.
	ExecuteTimeout time.Duration

	// QueryFields and MutationFields are protected root fields added by the
	// program that embeds the gateway.
	QueryFields    []ProtectedField
	MutationFields []ProtectedField

	// Logger receives the gateway's logs, one "request" line per request
	// among them (see observe.go); it never gets a token, a secret or query
	// text. Zero: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Zero: time.Now.
	Now func() time.Time
}

// ErrConfig is wrapped by every error New returns for a bad Config.
var ErrConfig = errors.New("invalid gateway config")

// ConfigFromSettings turns the environment's settings (config.LoadGateway)
// into a Config, for cmd/gqlgateway and the token service's -dev mode.
func ConfigFromSettings(s config.Gateway) Config {
	return Config{
		TokenServiceURL:   s.TokenServiceURL,
		ClientID:          s.ClientID,
		ClientSecret:      s.ClientSecret,
		MaxBodyBytes:      int64(s.MaxBodyBytes),
		MaxDepth:          s.MaxDepth,
		MaxFields:         s.MaxFields,
		IdentityCacheSize: s.CacheSize,
		IdentityCacheTTL:  s.CacheTTL,
	}
}

// withDefaults fills in the zero values and checks what cannot default.
func (c Config) withDefaults() (Config, error) {
	var problems []error
	if c.ClientID == "" || c.ClientSecret == "" {
		problems = append(problems, fmt.Errorf("%w: ClientID and ClientSecret are required "+
			"(the gateway's key, with tokens:introspect)", ErrConfig))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxBodyBytes", c.MaxBodyBytes}, {"MaxDepth", int64(c.MaxDepth)},
		{"MaxFields", int64(c.MaxFields)}, {"MaxNodes", int64(c.MaxNodes)},
		{"MaxNesting", int64(c.MaxNesting)}, {"DocumentCacheSize", int64(c.DocumentCacheSize)},
		{"IdentityCacheSize", int64(c.IdentityCacheSize)},
		{"IdentityCacheTTL", int64(c.IdentityCacheTTL)}, {"StreamSilence", int64(c.StreamSilence)},
		{"IntrospectTimeout", int64(c.IntrospectTimeout)},
		{"ExecuteTimeout", int64(c.ExecuteTimeout)},
	} {
		if f.v < 0 {
			problems = append(problems, fmt.Errorf("%w: %s is negative", ErrConfig, f.name))
		}
	}
	setDefault(&c.TokenServiceURL, "http://localhost:8081")
	setDefault(&c.MaxBodyBytes, 256<<10)
	setDefault(&c.MaxDepth, 12)
	setDefault(&c.MaxFields, 2000)
	setDefault(&c.MaxNodes, 4*c.MaxFields)
	setDefault(&c.MaxNesting, 2*c.MaxDepth+16)
	setDefault(&c.DocumentCacheSize, 1000)
	setDefault(&c.IdentityCacheSize, 10000)
	setDefault(&c.IdentityCacheTTL, 5*time.Minute)
	setDefault(&c.NegativeCacheTTL, 5*time.Second)
	setDefault(&c.StreamSilence, time.Second)
	setDefault(&c.IntrospectTimeout, 3*time.Second)
	setDefault(&c.ExecuteTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, errors.Join(problems...)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
