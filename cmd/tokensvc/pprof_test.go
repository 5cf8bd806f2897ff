package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPprofServerServesProfiles(t *testing.T) {
	srv := newPprofServer("127.0.0.1:0", slog.New(slog.DiscardHandler))
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1",
		"/debug/pprof/goroutine?debug=1"} {
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s: status %d, %d bytes; want 200 with a profile", path, rec.Code,
				rec.Body.Len())
		}
	}
	rec := httptest.NewRecorder()
	srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth2/token", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /oauth2/token on the pprof listener: status %d, want 404", rec.Code)
	}
	if !strings.HasPrefix(srv.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q", srv.Addr)
	}
}
