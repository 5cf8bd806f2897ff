// Package httpobs holds the small pieces both services use to observe the
// requests they answer: a response writer that remembers the status, and a
// fold of HTTP methods into a fixed set, so logs and metric labels never
// carry text a client chose.
package httpobs

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// StatusRecorder remembers the status a handler answered with (200 when it
// wrote a body without a header). It passes flushes and
// http.ResponseController calls through to the real writer, so streams
// work behind it.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records the first status and passes it on.
func (sr *StatusRecorder) WriteHeader(code int) {
	if sr.Status == 0 {
		sr.Status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes the bytes on.
func (sr *StatusRecorder) Write(b []byte) (int, error) {
	if sr.Status == 0 {
		sr.Status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flush,
// deadlines) through the recorder.
func (sr *StatusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// Flush passes flushes through, for server-sent event streams.
func (sr *StatusRecorder) Flush() {
	if f, ok := sr.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Method keeps the standard HTTP methods and folds anything else into
// "other".
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// LogRequest writes the one log line of an answered request, stamped with
// the time the request ended. It is Logger.LogAttrs without the caller's
// program counter, which neither service's handler prints but LogAttrs
// looks up (runtime.Callers) for every record: a request line is written
// for every request, so that look-up is a measurable share of a cheap one.
func LogRequest(ctx context.Context, log *slog.Logger, level slog.Level, end time.Time,
	attrs ...slog.Attr) {
	h := log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	rec := slog.NewRecord(end, level, "request", 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec) // a log line that cannot be written has nowhere to go
}
