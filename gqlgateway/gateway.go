// Package gqlgateway is the GraphQL gateway: the login mutation, the
// protected operations and their authentication, in front of the token
// service, which it reaches only over HTTP (tokensvc/client).
//
// It owns the request pipeline (limits, a bracket pre-scan, an iterative
// guard, a cache of validated documents, the authentication decision made
// before execution), the schema and its resolvers, the cache of
// introspection answers and the revocation stream that keeps it honest.
// graphql-go never sees a document the guard has not passed.
package gqlgateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/graphql-go/graphql"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// Gateway serves GraphQL over HTTP. Build it with New, serve Handler, and
// run Start so the revocation stream lets it trust its cache of
// introspection answers; until then (or without it) every protected request
// introspects afresh. Serve MetricsHandler on a listener of its own. It is
// safe for concurrent use.
type Gateway struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	tokens  *client.Client
	schema  graphql.Schema
	docs    *documentCache
	ids     *identityCache
	flights flight[*Identity]
	// warnings throttles the outage warnings logged per request.
	warnings throttle
	mux      *http.ServeMux
	// handler is mux wrapped in observe: request logs and metrics.
	handler http.Handler
	metrics *metrics

	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}
}

// New builds a gateway from cfg: the schema with any added fields, the
// caches and the token-service client. It does no I/O; Start does.
func New(cfg Config) (*Gateway, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg:    cfg,
		log:    cfg.Logger,
		now:    cfg.Now,
		tokens: client.New(cfg.TokenServiceURL, cfg.HTTPClient),
		ids: newIdentityCache(cfg.IdentityCacheSize, cfg.IdentityCacheTTL,
			cfg.NegativeCacheTTL, cfg.StreamSilence, cfg.Now),
	}
	g.metrics = newMetrics(g.RevocationStreamUp)
	rules := newAccessRules()
	res := &resolvers{tokens: g.tokens, ids: g.ids, log: g.log, warnings: &g.warnings,
		now: cfg.Now, metrics: g.metrics}
	g.schema, err = buildSchema(res, rules, cfg.QueryFields, cfg.MutationFields)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	g.docs = &documentCache{
		schema:  &g.schema,
		lim:     limits{maxDepth: cfg.MaxDepth, maxFields: cfg.MaxFields, maxNodes: cfg.MaxNodes},
		nesting: cfg.MaxNesting,
		access:  rules,
		rules:   validationRules(),
		docs:    newLRU[docKey, *document](cfg.DocumentCacheSize),
	}
	g.mux = http.NewServeMux()
	g.mux.HandleFunc("/graphql", g.serveGraphQL)
	g.mux.HandleFunc("GET /healthz", g.serveHealth)
	g.mux.HandleFunc("GET /readyz", g.serveReady)
	g.handler = g.observe(g.mux)
	return g, nil
}

// Handler returns the gateway's HTTP handler: /graphql, /healthz, /readyz,
// each request logged in one line and counted in the metrics.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Start follows the token service's revocation stream in the background
// until ctx ends or Close is called, reconnecting by itself. Calling it
// again, even after Close, has no effect.
func (g *Gateway) Start(ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop != nil {
		return
	}
	ctx, g.stop = context.WithCancel(ctx)
	g.stopped = make(chan struct{})
	go func() {
		defer close(g.stopped)
		g.followRevocations(ctx)
	}()
}

// RevocationStreamUp reports whether the revocation stream is connected and
// alive, so cached introspection answers are being used; while it is not,
// every protected request introspects. For readiness reports and tests.
func (g *Gateway) RevocationStreamUp() bool { return g.ids.trusted(g.now()) }

// Close stops the revocation stream and waits for its goroutine. The
// handler keeps working, introspecting every protected request.
func (g *Gateway) Close() error {
	g.mu.Lock()
	stop, stopped := g.stop, g.stopped
	g.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	<-stopped
	return nil
}

// serveGraphQL is the pipeline: method, decoding and limits, the document
// (cached, or pre-scanned, parsed, guarded and validated), the
// authentication decision, then execution under a timeout.
func (g *Gateway) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeRequestError(w, r, reqErr(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"use GET or POST").with("Allow", "GET, POST"))
		return
	}
	req, rerr := decodeRequest(w, r, g.cfg.MaxBodyBytes, g.cfg.MaxNesting)
	if rerr != nil {
		writeRequestError(w, r, rerr)
		return
	}
	info := infoFrom(r.Context())
	info.setName(req.OperationName)
	doc, rerr := g.docs.get(req.Query, req.OperationName)
	if rerr != nil {
		writeRequestError(w, r, rerr)
		return
	}
	info.setOperation(doc.mutation, nameOf(doc.op.Name))
	if doc.mutation && r.Method == http.MethodGet {
		writeRequestError(w, r, reqErr(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"mutations need POST").with("Allow", "POST"))
		return
	}
	// The token service limits failed logins per end client, not per gateway.
	ctx := client.WithForwardedFor(r.Context(), forwardedChain(r))
	if doc.protected {
		info.setProtected()
		c, rerr := g.authenticate(ctx, r.Header, doc.scopes)
		if rerr != nil {
			writeRequestError(w, r, rerr)
			return
		}
		info.setClientID(c.id.ClientID)
		ctx = withCaller(ctx, c)
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.ExecuteTimeout)
	defer cancel()
	res := graphql.Execute(graphql.ExecuteParams{
		Schema:        g.schema,
		AST:           doc.ast,
		OperationName: doc.opName,
		Args:          req.Variables,
		Context:       ctx,
	})
	g.writeResult(ctx, w, r, req, doc, res)
}
