package tokensvc

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/positiveaction/tokens/internal/httpobs"

	"github.com/go-chi/chi/v5"
)

// PublicHandler serves the public listener: OAuth2 endpoints, metadata,
// health, the account key REST and the web console.
func (s *Service) PublicHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe("public"), recoverPanics(s.log))
	r.Get("/healthz", handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Get("/.well-known/jwks.json", s.handleJWKS)
	r.Get("/.well-known/oauth-authorization-server", s.handleMetadata)
	r.HandleFunc("/oauth2/token", s.handleToken)
	r.HandleFunc("/oauth2/introspect", s.handleIntrospect)
	r.HandleFunc("/oauth2/revoke", s.handleRevoke)
	r.Get("/oauth2/revocations", s.handleRevocationStream)
	r.Route("/account", func(r chi.Router) {
		r.Get("/keys", s.accountListKeys)
		r.Post("/keys", s.accountCreateKey)
		r.Post("/keys/{clientId}/rotate", s.accountRotateKey)
		r.Delete("/keys/{clientId}", s.accountDeleteKey)
		r.Delete("/token", s.accountRevokeSelf)
	})
	s.mountConsole(r)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeAPIError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeAPIError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here")
	})
	return r
}

// AdminHandler serves the admin listener; every route needs the admin token.
func (s *Service) AdminHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe("admin"), recoverPanics(s.log))
	r.Get("/healthz", handleHealthz)
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)
		r.Post("/admin/keys", s.adminCreateKey)
		r.Get("/admin/keys", s.adminListKeys)
		r.Get("/admin/keys/{clientId}", s.adminGetKey)
		r.Post("/admin/keys/{clientId}/rotate", s.adminRotateKey)
		r.Delete("/admin/keys/{clientId}", s.adminDeleteKey)
		r.Get("/admin/keys/{clientId}/tokens", s.adminListTokens)
		r.Post("/admin/revocations", s.adminRevoke)
		r.Post("/admin/console-links", s.adminConsoleLink)
		r.Get("/admin/audit", s.adminAudit)
		r.Method(http.MethodGet, "/metrics", s.metrics.handler())
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeAPIError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeAPIError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here")
	})
	return r
}

// requestInfo collects what the request log line reports; handlers add the
// Client ID once they know it.
type requestInfo struct {
	clientID string
}

type requestInfoKey struct{}

// setRequestClientID records the Client ID a request acts for, for its log
// line. Client IDs are public identifiers, never secrets.
func setRequestClientID(r *http.Request, clientID string) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok && len(clientID) <= 100 {
		info.clientID = clientID
	}
}

// observe writes one log line per request: method, route pattern (never the
// raw URL, whose query could carry a secret), status, duration, Client ID;
// and records the request in the listener's duration histogram.
func (s *Service) observe(listener string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return s.observeOn(listener, next)
	}
}

func (s *Service) observeOn(listener string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		rec := &httpobs.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		end := time.Now()
		elapsed := end.Sub(start)
		s.metrics.observeRequest(listener, r.Method, route, rec.Status, elapsed)
		level := slog.LevelInfo
		if rec.Status >= 500 {
			level = slog.LevelError
		}
		httpobs.LogRequest(r.Context(), s.log, level, end,
			slog.String("method", httpobs.Method(r.Method)),
			slog.String("route", route),
			slog.Int("status", rec.Status),
			slog.Duration("duration", elapsed),
			slog.String("client_id", info.clientID),
			slog.String("remote", s.clientAddr(r)),
		)
	})
}

// recoverPanics turns a handler panic into a 500 without the panic value
// reaching the client, and logs it.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "handler panicked", "panic_type", typeName(v))
					writeAPIError(w, http.StatusInternalServerError, "internal", "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

func typeName(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return "non-error panic"
}
