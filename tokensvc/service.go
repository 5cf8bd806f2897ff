// Package tokensvc is the token service: API keys, client-credentials tokens
// (go-oauth2 wired in oauth2server.go), introspection, revocation and its
// events, signing keys, and the HTTP surfaces for OAuth2, the admin API, the
// account key REST and the web console.
//
// Secrets and tokens are hashed at this package's edge: the store only ever
// sees digests.
package tokensvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
)

// Config is what the service needs besides its store. Zero values pick the
// documented defaults (see withDefaults).
type Config struct {
	Issuer   string        // iss claim and metadata issuer; default http://localhost:8081
	Audience string        // aud claim; default "positive-action-api"
	TokenTTL time.Duration // access-token lifetime; default 1h

	SigningAlg     string // ES256 (default) or EdDSA
	SigningKeyFile string // PEM private key; empty: generated once and kept in the store

	AdminToken Secret // bearer token of the admin API; required

	ConsoleLinkTTL   time.Duration // lifetime of console links; default 15m
	ConsoleBaseURL   string        // public URL console links point at; default Issuer
	DefaultKeyScopes []string      // scopes of keys created without scopes; default ["api"]

	// Failed client authentications allowed per Client ID and per source
	// address within AuthFailureWindow before answering 429.
	AuthFailureLimit   int           // per Client ID; default 10
	AuthFailureIPLimit int           // per address; default 100
	AuthFailureWindow  time.Duration // default 1m

	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix

	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // default time.Now; tests move the clock
}

func (c Config) withDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = "http://localhost:8081"
	}
	if c.Audience == "" {
		c.Audience = "positive-action-api"
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = time.Hour
	}
	if c.SigningAlg == "" {
		c.SigningAlg = AlgES256
	}
	if c.ConsoleLinkTTL <= 0 {
		c.ConsoleLinkTTL = 15 * time.Minute
	}
	if c.ConsoleBaseURL == "" {
		c.ConsoleBaseURL = c.Issuer
	}
	if c.DefaultKeyScopes == nil {
		c.DefaultKeyScopes = []string{"api"}
	}
	if c.AuthFailureLimit <= 0 {
		c.AuthFailureLimit = 10
	}
	if c.AuthFailureIPLimit <= 0 {
		c.AuthFailureIPLimit = 100
	}
	if c.AuthFailureWindow <= 0 {
		c.AuthFailureWindow = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Service is one token-service instance. Several instances on one store
// behave as one service.
type Service struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	signer  *signer
	oauth   *oauthServer
	hub     *revocationHub
	keys    *keyCache // keys recently read for client authentication
	limiter *failureLimiter
	metrics *metrics // Prometheus metrics, served on the admin listener

	// draining is closed when the service stops, ending revocation streams
	// so a graceful shutdown does not wait on them.
	draining  chan struct{}
	drainOnce sync.Once
	closeOnce sync.Once
	stop      context.CancelFunc
	done      chan struct{}
}

// New builds a service on st: it loads (or creates) the signing key, wires
// the OAuth2 server and starts relaying revocation events from the store.
func New(ctx context.Context, st store.Store, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if len(cfg.AdminToken) < 32 {
		return nil, errors.New("the admin token must be at least 32 characters")
	}
	m := newMetrics()
	st = newInstrumentedStore(st, m)
	sig, err := loadSigner(ctx, st, cfg.SigningAlg, cfg.SigningKeyFile)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:      cfg,
		store:    st,
		log:      cfg.Logger,
		signer:   sig,
		keys:     newKeyCache(cfg.Now),
		metrics:  m,
		done:     make(chan struct{}),
		draining: make(chan struct{}),
	}
	s.oauth = newOAuthServer(s)
	s.limiter = newFailureLimiter(s)
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.hub = newRevocationHub(s.log)
	go func() {
		defer close(s.done)
		s.relayRevocations(bg)
	}()
	return s, nil
}

// Close stops the background relay. It does not close the store.
func (s *Service) Close() error {
	s.Drain()
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
	})
	return nil
}

// Ready reports whether the store answers, for /readyz.
func (s *Service) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Drain ends every open revocation stream (their subscribers reconnect to
// another instance). Call it when shutdown begins: http.Server.Shutdown
// waits for streams, which are never idle.
func (s *Service) Drain() {
	s.drainOnce.Do(func() { close(s.draining) })
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }
