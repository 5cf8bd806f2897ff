package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// ContentSecurityPolicy is sent with every console answer. The page loads
// nothing but its own files and talks only to its own origin, so a script
// injected through a key's Name (or anything else) has nowhere to run and
// nowhere to send a Secret ID. Inline scripts and style attributes are
// forbidden by it, which is why the page has none.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'"

// securityHeaders are set on every answer under the console's prefix,
// errors and redirects included.
var securityHeaders = map[string]string{
	"Content-Security-Policy":      ContentSecurityPolicy,
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"X-Frame-Options":              "DENY",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

// Cache policies: the page is never stored (it is the entry point of a
// signed-in session); the other files are revalidated with their ETag on
// every use, so a new release is picked up at once.
const (
	cachePage   = "no-store"
	cacheAssets = "no-cache"
)

// handler serves the console's files below prefix.
type handler struct {
	prefix string
	assets map[string]asset
}

// Handler serves the console mounted at prefix (for example "/console"):
// prefix itself redirects to prefix + "/", which is the page, and the page's
// files live below it. Only GET and HEAD are answered. Every answer carries
// the security headers. The error means the embedded files are broken, which
// only a faulty build can cause.
func Handler(prefix string) (http.Handler, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	return &handler{prefix: strings.TrimRight(prefix, "/"), assets: assets}, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plainError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.URL.Path == h.prefix {
		// A fragment (the console link's token) survives the redirect:
		// browsers keep it when Location has none (RFC 9110 §10.2.2).
		w.Header().Set("Cache-Control", cachePage)
		http.Redirect(w, r, h.prefix+"/", http.StatusMovedPermanently)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	a, found := h.assets[rest]
	if !ok || !found {
		plainError(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	if a.isPage() {
		w.Header().Set("Cache-Control", cachePage)
	} else {
		w.Header().Set("Cache-Control", cacheAssets)
		w.Header().Set("ETag", a.etag)
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}

// plainError answers with a short text body that is never cached.
func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// etagOf is a strong validator derived from the file's content.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}
