package gqlgateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/location"
)

// wireError is one entry of "errors" (GraphQL spec §7.1.2).
type wireError struct {
	Message    string                    `json:"message"`
	Locations  []location.SourceLocation `json:"locations,omitempty"`
	Path       []any                     `json:"path,omitempty"`
	Extensions map[string]any            `json:"extensions,omitempty"`
}

// executedBody is the answer once execution started: "data" is always
// there, null included, as the spec says.
type executedBody struct {
	Errors []wireError `json:"errors,omitempty"`
	Data   any         `json:"data"`
}

// requestBody is the answer to a request that failed before execution:
// GraphQL over HTTP says to leave "data" out, not to send null.
type requestBody struct {
	Errors []wireError `json:"errors"`
}

// contentType picks the media type of the answer: the GraphQL-over-HTTP one
// when the client asks for it, else plain JSON, which every client reads.
func contentType(r *http.Request) string {
	if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
		return "application/graphql-response+json; charset=utf-8"
	}
	return "application/json; charset=utf-8"
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, internalErrorBody()
	}
	writeBytes(w, r, status, b)
}

func internalErrorBody() []byte {
	return []byte(`{"errors":[{"message":"internal error","extensions":{"code":"` +
		CodeInternal + `"}}]}`)
}

// writeBytes sends an encoded JSON answer with the gateway's headers.
func writeBytes(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType(r))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

func writeRequestError(w http.ResponseWriter, r *http.Request, e *requestError) {
	infoFrom(r.Context()).refused(e)
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	errs := e.details
	if len(errs) == 0 {
		errs = []wireError{{Message: e.message, Extensions: map[string]any{"code": e.code}}}
	}
	writeJSON(w, r, e.status, requestBody{Errors: errs})
}

// writeResult answers with an execution result. Errors from resolvers keep
// their text only when they are Errors (they carry a code); anything else is
// logged and shown as an internal error. The HTTP status follows the worst
// code: an unreachable token service is a 503 even mid-execution. "data"
// keeps the order of the query's selection set (see fieldOrder).
func (g *Gateway) writeResult(ctx context.Context, w http.ResponseWriter, r *http.Request,
	req gqlRequest, doc *document, res *graphql.Result) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		g.log.WarnContext(ctx, "execution timed out", "timeout", g.cfg.ExecuteTimeout)
		writeRequestError(w, r, unavailable())
		return
	}
	if res.Data == nil && len(res.Errors) > 0 && !anyHasPath(res.Errors) {
		// Failed before any field ran (variables that do not coerce, …):
		// a request error, so no "data".
		writeRequestError(w, r, reqErr(http.StatusBadRequest, CodeBadRequest, "%s",
			truncate(res.Errors[0].Message, 300)))
		return
	}
	body := executedBody{Data: res.Data}
	status := http.StatusOK
	var lines []int
	if len(res.Errors) > 0 {
		lines = lineStarts(req.Query)
	}
	for _, fe := range res.Errors {
		we := g.safeError(ctx, fe)
		we.Locations = relocate(lines, fe.Locations)
		body.Errors = append(body.Errors, we)
		switch code, _ := we.Extensions["code"].(string); code {
		case CodeServiceUnavailable:
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "1")
		case CodeRateLimited:
			if status == http.StatusOK {
				status = http.StatusTooManyRequests
			}
		}
	}
	g.writeExecuted(w, r, status, body, doc, req.Variables)
}

func (g *Gateway) safeError(ctx context.Context, fe gqlerrors.FormattedError) wireError {
	we := wireError{Message: fe.Message, Locations: fe.Locations, Path: fe.Path}
	if code, ok := fe.Extensions["code"].(string); ok && code != "" {
		we.Extensions = map[string]any{"code": code}
		return we
	}
	g.log.ErrorContext(ctx, "resolver failed without a safe error", "path", fe.Path,
		"err", fe.Message)
	we.Message = "internal error"
	we.Extensions = map[string]any{"code": CodeInternal}
	return we
}

func anyHasPath(errs []gqlerrors.FormattedError) bool {
	for _, e := range errs {
		if len(e.Path) > 0 {
			return true
		}
	}
	return false
}
