package gqlgateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/positiveaction/tokens/internal/httpobs"
)

// requestInfo is what the pipeline learns about a request for its log line
// and its metrics. It is the one place that decides what a request log may
// hold: never the query text, the variables, a token or a secret.
type requestInfo struct {
	operation string // query or mutation, once the document is known
	opName    string // see operationNameLabel
	protected bool   // the request reached the authentication decision
	code      string // extensions.code that decided the answer; "" for success
	reason    string // guard rejection reason, if any

	// clientID is set by resolvers too (login), which may still run after
	// a timed-out request has been answered, hence the lock.
	mu       sync.Mutex
	clientID string
}

type requestInfoKey struct{}

// infoFrom returns the request's info; nil (whose methods do nothing) when
// the handler runs without observe.
func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// setClientID records the Client ID the request acted for: the identity of
// a protected request, or the key of a successful login. Client IDs are
// public identifiers, not secrets.
func (i *requestInfo) setClientID(id string) {
	if i == nil || len(id) > 100 {
		return
	}
	i.mu.Lock()
	i.clientID = id
	i.mu.Unlock()
}

func (i *requestInfo) clientIDValue() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.clientID
}

// setName records the operation name the request asked for, until the
// document says which operation runs.
func (i *requestInfo) setName(name string) {
	if i != nil {
		i.opName = operationNameLabel(name)
	}
}

// setOperation records the type and name of the operation that runs.
func (i *requestInfo) setOperation(mutation bool, name string) {
	if i == nil {
		return
	}
	i.operation = operationQuery
	if mutation {
		i.operation = operationMutation
	}
	i.opName = operationNameLabel(name)
}

// setProtected records that the request reached the authentication
// decision, so it counts in gqlgateway_protected_operations_total.
func (i *requestInfo) setProtected() {
	if i != nil {
		i.protected = true
	}
}

// refused records the error that answered the request.
func (i *requestInfo) refused(e *requestError) {
	if i == nil {
		return
	}
	i.code, i.reason = e.code, e.reason
}

// answered records the code that stands for an executed answer.
func (i *requestInfo) answered(code string) {
	if i != nil {
		i.code = code
	}
}

// operationNameLabel returns an operation name fit for a log line: the name
// itself when it is a plain GraphQL name of at most 64 characters, else
// "invalid" (a client can send any text as operationName).
func operationNameLabel(name string) string {
	if len(name) > 64 {
		return "invalid"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return "invalid"
		}
	}
	return name
}

// requestPath names the endpoint in logs: one of the gateway's own paths,
// or "other", so a client cannot put arbitrary text in the log this way.
func requestPath(p string) string {
	switch p {
	case "/graphql", "/healthz", "/readyz":
		return p
	}
	return "other"
}

// observe wraps the gateway's routes: it writes one log line per request
// and records the request's metrics once it is answered.
func (g *Gateway) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		rec := &httpobs.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		end := time.Now()
		took := end.Sub(start)
		status := rec.Status
		if status == 0 {
			status = http.StatusOK
		}
		path := requestPath(r.URL.Path)
		if path == "/graphql" {
			g.metrics.observeRequest(info.operation, status, took)
			if info.protected {
				inc(g.metrics.operations, operationResult(info.code))
			}
			if info.reason != "" {
				inc(g.metrics.guardRejections, info.reason)
			}
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		httpobs.LogRequest(r.Context(), g.log, level, end,
			slog.String("method", httpobs.Method(r.Method)),
			slog.String("path", path),
			slog.String("operation", info.operation),
			slog.String("operation_name", info.opName),
			slog.Int("status", status),
			slog.Duration("duration", took),
			slog.String("client_id", info.clientIDValue()),
			slog.String("code", info.code),
		)
	})
}
