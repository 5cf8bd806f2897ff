package httpobs

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusRecorder(t *testing.T) {
	cases := []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  int
	}{
		{"explicit status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }, 418},
		{"body without header is 200", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, 200},
		{"first status wins", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
		}, 201},
		{"nothing written stays 0", func(http.ResponseWriter) {}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &StatusRecorder{ResponseWriter: httptest.NewRecorder()}
			tc.serve(rec)
			if rec.Status != tc.want {
				t.Fatalf("Status = %d, want %d", rec.Status, tc.want)
			}
		})
	}
}

func TestMethodFoldsUnknownMethods(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "DELETE": "DELETE", "get": "other",
		"PROPFIND": "other", "": "other"} {
		if got := Method(in); got != want {
			t.Errorf("Method(%q) = %q, want %q", in, got, want)
		}
	}
}
