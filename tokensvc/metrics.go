package tokensvc

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/positiveaction/tokens/internal/httpobs"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/positiveaction/tokens/store"
)

// Every label of these metrics takes its values from a fixed, small set
// chosen in this file or a route pattern registered in routes.go. No label
// ever carries a Client ID, an account, a token or a secret: those are
// unbounded (and, for the last two, confidential).

// Label values of tokensvc_auth_failures_total.
const (
	authBadCredentials = "bad_credentials" // unknown Client ID or wrong Secret ID
	authRateLimited    = "rate_limited"    // refused with 429 after too many failures
	authMalformed      = "malformed"       // missing, unparsable or doubled credentials
)

// Label values of tokensvc_introspections_total.
const (
	introspectActive   = "active"
	introspectInactive = "inactive"
	introspectError    = "error"
)

// metrics are one service's Prometheus metrics, in a registry of its own so
// that several services in one process (tests, -dev) never collide.
type metrics struct {
	registry *prometheus.Registry

	tokensIssued   prometheus.Counter
	authFailures   *prometheus.CounterVec // reason
	revocations    *prometheus.CounterVec // kind
	introspections *prometheus.CounterVec // result
	httpDuration   *prometheus.HistogramVec
	storeDuration  *prometheus.HistogramVec // operation
	storeErrors    *prometheus.CounterVec   // operation, kind

	// The observers of httpDuration and storeDuration by label values,
	// so the busy paths skip the vectors' label hashing and checks. Their
	// labels come from fixed sets, so these stay small.
	requestObservers sync.Map // requestLabels → prometheus.Observer
	storeObservers   sync.Map // operation → prometheus.Observer
}

type requestLabels struct {
	listener, method, route string
	status                  int
}

// Histogram buckets in seconds. The token endpoint answers in about 50 µs
// and a Redis call takes about 80 µs on loopback, so both start well below
// the client library's default 5 ms.
var (
	httpBuckets  = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	storeBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1,
		.25, .5, 1, 2.5}
)

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		tokensIssued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tokensvc_tokens_issued_total",
			Help: "Access tokens issued by the token endpoint and recorded in the store.",
		}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokensvc_auth_failures_total",
			Help: "Failed client authentications (token, introspection, revocation, stream), " +
				"by reason: bad_credentials, rate_limited, malformed.",
		}, []string{"reason"}),
		revocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokensvc_revocations_total",
			Help: "Revocations made, by kind: token (one token), key (every token of a key), " +
				"account (every token of an account), key_delete (a deleted key).",
		}, []string{"kind"}),
		introspections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokensvc_introspections_total",
			Help: "RFC 7662 introspections answered, by result: active, inactive, error.",
		}, []string{"result"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tokensvc_http_request_duration_seconds",
			Help: "Time to answer HTTP requests, by listener, method, route pattern " +
				"and status code.",
			Buckets: httpBuckets,
		}, []string{"listener", "method", "route", "code"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tokensvc_store_operation_duration_seconds",
			Help:    "Time taken by store calls, by operation, whatever their outcome.",
			Buckets: storeBuckets,
		}, []string{"operation"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokensvc_store_errors_total",
			Help: "Store calls that failed, by operation and kind (unavailable, other). " +
				"Not found and already exists are answers, not errors.",
		}, []string{"operation", "kind"}),
	}
	m.registry.MustRegister(m.tokensIssued, m.authFailures, m.revocations, m.introspections,
		m.httpDuration, m.storeDuration, m.storeErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Start every fixed series at zero, so rate() sees the first event.
	for _, r := range []string{authBadCredentials, authRateLimited, authMalformed} {
		m.authFailures.WithLabelValues(r)
	}
	for _, k := range []string{"token", "key", "account", "key_delete"} {
		m.revocations.WithLabelValues(k)
	}
	for _, r := range []string{introspectActive, introspectInactive, introspectError} {
		m.introspections.WithLabelValues(r)
	}
	return m
}

// handler serves the registry in the Prometheus exposition formats.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

func (m *metrics) authFailed(reason string) { m.authFailures.WithLabelValues(reason).Inc() }

func (m *metrics) introspected(result string) { m.introspections.WithLabelValues(result).Inc() }

// revoked counts a revocation by the shape of its event: a token hash, a
// deleted key's far-future mark, a key's mark or an account's mark.
func (m *metrics) revoked(r store.Revocation) {
	kind := "account"
	switch {
	case len(r.TokenHash) > 0:
		kind = "token"
	case r.ClientID != "" && r.NotBefore.Equal(farFuture):
		kind = "key_delete"
	case r.ClientID != "":
		kind = "key"
	}
	m.revocations.WithLabelValues(kind).Inc()
}

// observeRequest records one answered request. Methods outside the fixed
// set are folded into "other", so a client cannot mint label values.
func (m *metrics) observeRequest(listener, method, route string, status int, d time.Duration) {
	method = httpobs.Method(method)
	if status == 0 {
		status = http.StatusOK
	}
	labels := requestLabels{listener, method, route, status}
	o, ok := m.requestObservers.Load(labels)
	if !ok {
		o, _ = m.requestObservers.LoadOrStore(labels,
			m.httpDuration.WithLabelValues(listener, method, route, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

// observeStore records one store call: its latency always, and its error
// when it is a fault rather than an answer.
func (m *metrics) observeStore(op string, start time.Time, err error) {
	o, ok := m.storeObservers.Load(op)
	if !ok {
		o, _ = m.storeObservers.LoadOrStore(op, m.storeDuration.WithLabelValues(op))
	}
	o.(prometheus.Observer).Observe(time.Since(start).Seconds())
	switch {
	case err == nil, errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrAlreadyExists):
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		m.storeErrors.WithLabelValues(op, "unavailable").Inc()
	default:
		m.storeErrors.WithLabelValues(op, "other").Inc()
	}
}
