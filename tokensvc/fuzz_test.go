package tokensvc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Paths the endpoint fuzzer sends its requests to.
var fuzzPaths = []string{"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"}

// FuzzFormEndpoints sends arbitrary methods, content types, Authorization
// headers and bodies to the form endpoints (readForm, readClientCredentials,
// parseBasic and the flows behind them). Whatever comes in: no panic, no
// 5xx, an RFC 6749 §5.2 JSON error or a success, no-store on every answer,
// and every token handed out is recorded and active.
func FuzzFormEndpoints(f *testing.F) {
	e := newForgeEnv(f, Config{AuthFailureLimit: 1 << 30, AuthFailureIPLimit: 1 << 30})
	h := e.svc.PublicHandler()
	basic := func(c keyCreds) string {
		return "Basic " + base64.StdEncoding.EncodeToString(
			[]byte(url.QueryEscape(c.id)+":"+url.QueryEscape(c.secret)))
	}
	form := "application/x-www-form-urlencoded"
	seeds := []struct {
		path   uint8
		method string
		ctype  string
		auth   string
		body   string
	}{
		{0, "POST", form, basic(e.key), "grant_type=client_credentials"},
		{0, "POST", form, "", "grant_type=client_credentials&client_id=" + e.key.id +
			"&client_secret=" + e.key.secret + "&scope=api"},
		{0, "POST", form, basic(e.key), "grant_type=client_credentials&scope=nope"},
		{0, "POST", form, basic(e.key), "grant_type=password&username=a&password=b"},
		{0, "POST", form, basic(e.key), "grant_type=client_credentials&grant_type=x"},
		{0, "POST", form, basic(e.key), "grant_type=client_credentials&client_secret=x"},
		{0, "POST", form + "; charset=utf-8", "Basic !!!", "grant_type=client_credentials"},
		{0, "POST", "application/json", basic(e.key), `{"grant_type":"client_credentials"}`},
		{0, "GET", "", basic(e.key), ""},
		{0, "POST", form, basic(e.key), "a=%zz"},
		{0, "POST", form, basic(e.key), strings.Repeat("a=1&", 40)},
		{1, "POST", form, basic(e.gw), "token=" + e.real},
		{1, "POST", form, basic(e.key), "token=" + e.real},
		{1, "POST", form, basic(e.gw), "token=a.b.c"},
		{2, "POST", form, basic(e.key), "token=" + e.real + "x"},
	}
	for _, s := range seeds {
		f.Add(s.path, s.method, s.ctype, s.auth, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, path uint8, method, ctype, auth string, body []byte) {
		if !validMethod(method) {
			method = http.MethodPost
		}
		p := fuzzPaths[int(path)%len(fuzzPaths)]
		req := httptest.NewRequestWithContext(context.Background(), method, p,
			strings.NewReader(string(body)))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkFormAnswer(t, e, p, rec)
	})
}

// validMethod reports whether m can be a request method at all.
func validMethod(m string) bool {
	if m == "" || len(m) > 16 {
		return false
	}
	for _, r := range m {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func checkFormAnswer(t *testing.T, e *forgeEnv, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge:
	default:
		t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var body struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
			t.Fatalf("%s answered %d with %q, not a JSON error", path, rec.Code, rec.Body)
		}
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("%s answered %d with Cache-Control %q", path, rec.Code, cc)
	}
	if path != "/oauth2/token" || rec.Code != http.StatusOK {
		return
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("200 without a token: %s", rec.Body)
	}
	if _, err := e.svc.Inspect(context.Background(), tok.AccessToken); err != nil {
		t.Fatalf("a token handed out is not active: %v", err)
	}
}

// FuzzParseBasic checks parseBasic on arbitrary headers: no panic, a
// Client ID whenever it succeeds, and the same credentials back after a
// canonical re-encoding (RFC 6749 §2.3.1).
func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("id:secret")),
		"basic " + base64.StdEncoding.EncodeToString([]byte("a%3Ab:p%25w")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":secret")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("id")),
		"Basic  " + base64.StdEncoding.EncodeToString([]byte("id:%zz")),
		"Bearer abc", "Basic", "Basic ====", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		cc, ok := parseBasic(header)
		if !cc.usedBasic {
			t.Fatal("usedBasic is false")
		}
		if !ok {
			return
		}
		if cc.clientID == "" {
			t.Fatalf("%q parsed with an empty Client ID", header)
		}
		again, ok := parseBasic(basicHeader(cc.clientID, cc.secret.Reveal()))
		if len(basicHeader(cc.clientID, cc.secret.Reveal())) > 1024+len("Basic ") {
			return // the canonical form may exceed the length bound
		}
		if !ok || again.clientID != cc.clientID || again.secret != cc.secret {
			t.Fatalf("%q: re-encoded credentials parse as %q/%v", header, again.clientID, ok)
		}
	})
}

// FuzzBasicRoundTrip encodes arbitrary credentials as a client would and
// expects parseBasic to return exactly them.
func FuzzBasicRoundTrip(f *testing.F) {
	f.Add("760e8193-25ad-47b5-96fd-795371234567", "0c4f5d1e-8a7b-4c2d-9e3f-123456789abc")
	f.Add("a:b", "p%s w+")
	f.Add("ü", "\x00")
	f.Fuzz(func(t *testing.T, id, secret string) {
		h := basicHeader(id, secret)
		cc, ok := parseBasic(h)
		switch {
		case id == "" || len(h)-len("Basic ") > 1024:
			if ok {
				t.Fatalf("accepted %q", h)
			}
		case !ok || cc.clientID != id || cc.secret.Reveal() != secret:
			t.Fatalf("%q/%q came back as %q/%q (%v)", id, secret, cc.clientID,
				cc.secret.Reveal(), ok)
		}
	})
}

func basicHeader(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString(
		[]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// FuzzUnverifiedClientID checks the pre-lookup JWT reading: no panic, and a
// Client ID of 1 to 100 bytes taken from a token of at most maxTokenLen.
func FuzzUnverifiedClientID(f *testing.F) {
	e := newForgeEnv(f, Config{})
	f.Add(e.real)
	f.Add("a." + base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":"x"}`)) + ".c")
	f.Add("a." + base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":1}`)) + ".c")
	f.Add("..")
	f.Add("a.=.c")
	f.Fuzz(func(t *testing.T, token string) {
		id, ok := unverifiedClientID(token)
		if !ok {
			if id != "" {
				t.Fatalf("refused but returned %q", id)
			}
			return
		}
		if id == "" || len(id) > 100 || len(token) > maxTokenLen {
			t.Fatalf("accepted %q from a token of %d bytes", id, len(token))
		}
	})
}

// parseForm agrees with url.ParseQuery: it accepts exactly the bodies
// ParseQuery accepts that have fewer than maxFormFields pairs and no
// repeated name, with the same values.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"grant_type=client_credentials&scope=api+read",
		"token=eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "a=%zz", "a=1;b=2", "a=1&a=2",
		"&&a=&=b&c", "%41=%42%2B+", "a%=1", strings.Repeat("a=1&", 20), "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, oerr := parseForm(body)
		want, err := url.ParseQuery(body)
		repeated := false
		for _, v := range want {
			repeated = repeated || len(v) > 1
		}
		if accept := err == nil && !repeated && strings.Count(body, "&") < maxFormFields; accept != (oerr == nil) {
			t.Fatalf("%q: parseForm error %v, ParseQuery %v (repeated %v)", body, oerr, err, repeated)
		}
		if oerr == nil && !reflect.DeepEqual(map[string][]string(got), map[string][]string(want)) {
			t.Fatalf("%q: parseForm %q, ParseQuery %q", body, got, want)
		}
	})
}
