// Package httpobs holds the small pieces both services use to observe the
// requests they answer: a response writer that remembers the status, and a
// fold of HTTP methods into a fixed set, so logs and metric labels never
// carry text a client chose.
package httpobs

import "net/http"

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
