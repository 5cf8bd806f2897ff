package gqlgateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Every label of the gateway's metrics takes its values from a fixed set
// named in this file (or guard_reason.go), or an HTTP status code. No label
// ever carries a token, a Client ID, an account, an operation name or query
// text: those are unbounded, and the first is a secret.

// Label values of gqlgateway_logins_total.
const (
	loginOK            = "ok"
	loginInvalidClient = "invalid_client"
	loginRateLimited   = "rate_limited"
	loginUnavailable   = "unavailable"
	loginError         = "error"
)

// Label values of gqlgateway_protected_operations_total.
const (
	opOK              = "ok"
	opUnauthenticated = "unauthenticated"
	opForbidden       = "forbidden"
	opUnavailable     = "unavailable"
	opError           = "error"
)

// Label values of gqlgateway_identity_cache_lookups_total.
const (
	cacheHit         = "hit"
	cacheMiss        = "miss"
	cacheNegativeHit = "negative_hit"
)

// Label values of gqlgateway_introspections_total.
const (
	introspectActive   = "active"
	introspectInactive = "inactive"
	introspectError    = "error"
)

// Label values of gqlgateway_revocation_events_total.
const (
	revokedToken   = "token"
	revokedKey     = "key"
	revokedAccount = "account"
)

// Values of the operation label of gqlgateway_request_duration_seconds.
const (
	operationQuery    = "query"
	operationMutation = "mutation"
	operationUnknown  = "unknown" // refused before the operation was known
)

// Histogram buckets, in seconds. A cached protected query costs tens of
// microseconds in the gateway; an introspection over loopback about a
// millisecond.
var (
	requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1,
		.25, .5, 1, 2.5, 5, 10}
	introspectBuckets = []float64{.00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25,
		.5, 1, 2.5, 5}
)

// metrics are one gateway's Prometheus metrics, in a registry of its own so
// that several gateways in one process (tests, tokensvc -dev beside another)
// never collide. Counters of fixed label values are resolved once here, so
// the hot path does no label lookup for them.
type metrics struct {
	registry *prometheus.Registry

	logins          map[string]prometheus.Counter
	operations      map[string]prometheus.Counter
	cacheLookups    map[string]prometheus.Counter
	introspections  map[string]prometheus.Counter
	introspectTime  prometheus.Histogram
	reconnects      prometheus.Counter
	revocations     map[string]prometheus.Counter
	requestDuration *prometheus.HistogramVec // operation, code
	guardRejections map[string]prometheus.Counter
}

// newMetrics builds the metrics; streamUp reports, at scrape time, whether
// the revocation stream vouches for the identity cache.
func newMetrics(streamUp func() bool) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	counters := func(name, help, label string, values ...string) map[string]prometheus.Counter {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help},
			[]string{label})
		m.registry.MustRegister(vec)
		out := make(map[string]prometheus.Counter, len(values))
		for _, v := range values {
			out[v] = vec.WithLabelValues(v) // starts the series at zero
		}
		return out
	}
	m.logins = counters("gqlgateway_logins_total",
		"Login mutations, by result: ok, invalid_client, rate_limited, unavailable, error.",
		"result", loginOK, loginInvalidClient, loginRateLimited, loginUnavailable, loginError)
	m.operations = counters("gqlgateway_protected_operations_total",
		"Requests selecting a protected field that reached the authentication decision, by "+
			"result: ok, unauthenticated, forbidden, unavailable, error.",
		"result", opOK, opUnauthenticated, opForbidden, opUnavailable, opError)
	m.cacheLookups = counters("gqlgateway_identity_cache_lookups_total",
		"Identity cache lookups for bearer tokens, by result: hit, miss (introspected), "+
			"negative_hit (known inactive).",
		"result", cacheHit, cacheMiss, cacheNegativeHit)
	m.introspections = counters("gqlgateway_introspections_total",
		"Introspection calls to the token service, by result: active, inactive, error.",
		"result", introspectActive, introspectInactive, introspectError)
	m.revocations = counters("gqlgateway_revocation_events_total",
		"Revocation events received on the stream, by kind: token, key, account.",
		"kind", revokedToken, revokedKey, revokedAccount)
	m.guardRejections = counters("gqlgateway_guard_rejections_total",
		"Requests refused by the gateway's limits before GraphQL validation, by reason.",
		"reason", guardReasons...)
	m.introspectTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "gqlgateway_introspection_duration_seconds",
		Help:    "Time of introspection calls to the token service, whatever their result.",
		Buckets: introspectBuckets,
	})
	m.reconnects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gqlgateway_revocation_stream_reconnects_total",
		Help: "Attempts to reconnect the revocation stream after it was lost or refused.",
	})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gqlgateway_request_duration_seconds",
		Help: "Time to answer GraphQL requests, by operation type (query, mutation, " +
			"unknown) and HTTP status code.",
		Buckets: requestBuckets,
	}, []string{"operation", "code"})
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gqlgateway_revocation_stream_up",
		Help: "1 while the revocation stream is connected and alive, so cached " +
			"introspection answers are used; 0 while every request introspects.",
	}, func() float64 {
		if streamUp() {
			return 1
		}
		return 0
	})
	m.registry.MustRegister(m.introspectTime, m.reconnects, m.requestDuration, up,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// MetricsHandler serves the gateway's metrics in the Prometheus text format
// (OpenMetrics when the scraper asks for it). Serve it on a listener of its
// own, not beside Handler: the public listener should not expose it.
func (g *Gateway) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(g.metrics.registry, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// inc adds one to the counter of value; unknown values are a bug and are
// dropped rather than minting a series.
func inc(counters map[string]prometheus.Counter, value string) {
	if c, ok := counters[value]; ok {
		c.Inc()
	}
}

// observeIntrospection records one introspection call.
func (m *metrics) observeIntrospection(result string, took time.Duration) {
	inc(m.introspections, result)
	m.introspectTime.Observe(took.Seconds())
}

// observeRequest records one answered GraphQL request.
func (m *metrics) observeRequest(operation string, status int, took time.Duration) {
	if operation == "" {
		operation = operationUnknown
	}
	m.requestDuration.WithLabelValues(operation, statusLabel(status)).Observe(took.Seconds())
}

// statusLabel is strconv.Itoa without an allocation for the usual codes.
func statusLabel(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	case http.StatusServiceUnavailable:
		return "503"
	}
	return strconv.Itoa(status)
}

// operationResult maps the code that decided a protected request's answer
// to its gqlgateway_protected_operations_total result.
func operationResult(code string) string {
	switch code {
	case "":
		return opOK
	case CodeUnauthenticated:
		return opUnauthenticated
	case CodeForbidden:
		return opForbidden
	case CodeServiceUnavailable:
		return opUnavailable
	}
	return opError
}

// loginResult maps the outcome of one login to its label value.
func loginResult(err *Error) string {
	if err == nil {
		return loginOK
	}
	switch err.Code {
	case CodeInvalidClient:
		return loginInvalidClient
	case CodeRateLimited:
		return loginRateLimited
	case CodeServiceUnavailable:
		return loginUnavailable
	}
	return loginError
}
