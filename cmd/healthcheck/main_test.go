package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbeExitCodes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.WriteHeader(http.StatusOK)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/down":
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/readyz", http.StatusFound)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close) // the parallel subtests run after this function returns
	closed := closedPort(t)

	tests := []struct {
		name     string
		args     []string
		want     int
		wantText string
	}{
		{"ready answers 200", []string{srv.URL + "/readyz"}, 0, ""},
		{"any 2xx is healthy", []string{srv.URL + "/empty"}, 0, ""},
		{"503 is unhealthy", []string{srv.URL + "/down"}, 1, "503 Service Unavailable"},
		{"a redirect is not followed", []string{srv.URL + "/moved"}, 1, "redirected"},
		{"nothing listening", []string{"http://" + closed + "/readyz"}, 1, "refused"},
		{"no answer within the timeout", []string{"-timeout", "100ms", srv.URL + "/slow"}, 1,
			"deadline exceeded"},
		{"no URL", nil, 2, "usage:"},
		{"two URLs", []string{srv.URL, srv.URL}, 2, "usage:"},
		{"https is not for in-container probes", []string{"https://127.0.0.1:1/readyz"}, 2,
			"not an http://"},
		{"not a URL", []string{"127.0.0.1:8081/readyz"}, 2, "not an http://"},
		{"zero timeout", []string{"-timeout", "0s", srv.URL}, 2, "usage:"},
		{"unknown flag", []string{"-insecure", srv.URL}, 2, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if got := run(tc.args, &stderr); got != tc.want {
				t.Errorf("exit code %d, want %d; stderr: %s", got, tc.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantText) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tc.wantText)
			}
			if tc.want == 0 && stderr.Len() > 0 {
				t.Errorf("a healthy probe wrote %q", stderr.String())
			}
		})
	}
}

func TestProbeNeverShowsAPassword(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	target := "http://probe:s3cret-value@" + closedPort(t) + "/readyz"
	if got := run([]string{target}, &stderr); got != 1 {
		t.Fatalf("exit code %d, want 1", got)
	}
	if strings.Contains(stderr.String(), "s3cret-value") {
		t.Errorf("stderr shows the password: %s", stderr.String())
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
