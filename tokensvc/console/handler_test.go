package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, target string,
	header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := Handler("/console")
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	return h
}

func TestHandlerAnswers(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		cache       string
		location    string
	}{
		{"page", "GET", "/console/", 200, "text/html; charset=utf-8", "no-store", ""},
		{"page head", "HEAD", "/console/", 200, "text/html; charset=utf-8", "no-store", ""},
		{"bare prefix redirects", "GET", "/console", 301, "text/html; charset=utf-8", "no-store",
			"/console/"},
		{"stylesheet", "GET", "/console/console.css", 200, "text/css; charset=utf-8",
			"no-cache", ""},
		{"script", "GET", "/console/js/main.js", 200, "text/javascript; charset=utf-8", "no-cache",
			""},
		{"icon", "GET", "/console/favicon.svg", 200, "image/svg+xml", "no-cache", ""},
		{"index.html by name", "GET", "/console/index.html", 404, "text/plain; charset=utf-8",
			"no-store", ""},
		{"directory", "GET", "/console/js/", 404, "text/plain; charset=utf-8", "no-store", ""},
		{"unknown file", "GET", "/console/nope.js", 404, "text/plain; charset=utf-8",
			"no-store", ""},
		{"dot segments", "GET", "/console/js/../console.css", 404, "text/plain; charset=utf-8",
			"no-store", ""},
		{"post", "POST", "/console/", 405, "text/plain; charset=utf-8", "no-store", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, h, tc.method, tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if got := resp.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			for k, v := range securityHeaders {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHandlerRevalidatesAssets(t *testing.T) {
	h := newHandler(t)
	first := serve(t, h, "GET", "/console/console.css", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a stylesheet")
	}
	again := serve(t, h, "GET", "/console/console.css", http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d with a matching ETag, want 304", again.StatusCode)
	}
	page := serve(t, h, "GET", "/console/", nil)
	if page.Header.Get("ETag") != "" {
		t.Errorf("the page has an ETag; it must not be cached at all")
	}
}

// TestPageObeysPolicy checks what the Content-Security-Policy forbids is
// absent from the page, so the browser never has to refuse anything.
func TestPageObeysPolicy(t *testing.T) {
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for path, a := range assets {
		text := string(a.body)
		checks := []struct {
			bad  string
			what string
		}{
			{"style=", "an inline style attribute"},
			{"<style", "a style element"},
			{"javascript:", "a javascript: URL"},
			{"http://", "an absolute http URL"},
			{"https://", "an absolute https URL"},
			{"innerHTML", "HTML built from strings"},
			{"localStorage", "persistent storage"},
			{"sessionStorage", "session storage"},
			{"document.cookie", "a cookie"},
		}
		for _, c := range checks {
			if path == "/favicon.svg" && c.bad == "http://" {
				continue // the SVG namespace is a name, not a fetch
			}
			if strings.Contains(text, c.bad) {
				t.Errorf("%s holds %s (%q)", path, c.what, c.bad)
			}
		}
		if a.isPage() && strings.Contains(stripScriptTags(text), "<script>") {
			t.Errorf("%s holds an inline script", path)
		}
	}
}

func stripScriptTags(html string) string {
	return strings.ReplaceAll(html, `<script type="module" src="js/main.js"></script>`, "")
}

func TestHandlerBodies(t *testing.T) {
	h := newHandler(t)
	resp := serve(t, h, "GET", "/console/", nil)
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"Create new key", `src="js/main.js"`, `href="console.css"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
