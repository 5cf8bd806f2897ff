package tokensvc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
)

// backends lists the stores every behaviour test runs against.
func backends(t *testing.T) map[string]func(t *testing.T) string {
	t.Helper()
	return map[string]func(t *testing.T) string{
		"memory": func(*testing.T) string { return "memory:" },
		"file": func(t *testing.T) string {
			return "file:" + filepath.Join(t.TempDir(), "tokens.db")
		},
		"redis": func(t *testing.T) string { return redistest.Start(t).URL },
	}
}

// eachBackend runs fn as a subtest per store backend.
func eachBackend(t *testing.T, fn func(t *testing.T, storeURL string)) {
	t.Helper()
	for _, name := range []string{"memory", "file", "redis"} {
		mk := backends(t)[name]
		t.Run(name, func(t *testing.T) { fn(t, mk(t)) })
	}
}

// form posts a form to the token service, optionally with Basic
// credentials (URL-encoded first, as RFC 6749 §2.3.1 requires).
func form(t *testing.T, endpoint string, values url.Values, basicID, basicSecret string) testenv.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	return testenv.Do(t, req)
}

// oauthErr decodes an RFC 6749 §5.2 error body.
func oauthErr(t *testing.T, r testenv.Response) string {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.Body, err)
	}
	return body.Error
}

func introspect(t *testing.T, ts *testenv.TokenService, caller testenv.Key, token string) map[string]any {
	t.Helper()
	r := form(t, ts.URL+"/oauth2/introspect", url.Values{"token": {token}}, caller.ClientID, caller.SecretID)
	if r.Status != http.StatusOK {
		t.Fatalf("introspection: status %d, body %s", r.Status, r.Body)
	}
	var out map[string]any
	r.JSON(t, &out)
	return out
}

func wantStatus(t *testing.T, r testenv.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Body)
	}
}
