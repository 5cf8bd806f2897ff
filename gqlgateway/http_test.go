package gqlgateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHTTPRequestHandling(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), func(c *Config) { c.MaxBodyBytes = 4096 })
	const js = "application/json"
	const typename = `{"query":"{__typename}"}`
	getQuery := func(q string) string { return "?query=" + url.QueryEscape(q) }
	allowPost, allowBoth := [2]string{"Allow", "POST"}, [2]string{"Allow", "GET, POST"}
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
		wantHeader  [2]string
	}{
		{name: "POST query", method: "POST", contentType: js, body: typename, wantStatus: 200},
		{name: "POST with charset", method: "POST", contentType: js + "; charset=UTF-8",
			body:       `{"query":"{__typename}","variables":null,"operationName":null}`,
			wantStatus: 200},
		{name: "GET query", method: "GET", path: getQuery("{__typename}"), wantStatus: 200},
		{name: "form body is refused", method: "POST",
			contentType: "application/x-www-form-urlencoded", body: "query={__typename}",
			wantStatus: 415, wantCode: CodeUnsupportedMedia},
		{name: "no content type", method: "POST", body: typename,
			wantStatus: 415, wantCode: CodeUnsupportedMedia},
		{name: "latin-1 charset", method: "POST", contentType: js + "; charset=latin1",
			body: typename, wantStatus: 415, wantCode: CodeUnsupportedMedia},
		{name: "body over the limit", method: "POST", contentType: js,
			body:       `{"query":"{__typename}","x":"` + strings.Repeat("a", 5000) + `"}`,
			wantStatus: 413, wantCode: CodePayloadTooLarge},
		{name: "malformed JSON", method: "POST", contentType: js,
			body: `{"query":`, wantStatus: 400, wantCode: CodeBadRequest},
		{name: "JSON array", method: "POST", contentType: js,
			body: "[" + typename + "]", wantStatus: 400, wantCode: CodeBadRequest},
		{name: "query not a string", method: "POST", contentType: js,
			body: `{"query":42}`, wantStatus: 400, wantCode: CodeBadRequest},
		{name: "missing query", method: "POST", contentType: js,
			body: `{"variables":{}}`, wantStatus: 400, wantCode: CodeBadRequest},
		{name: "GET without query", method: "GET", path: "?operationName=x",
			wantStatus: 400, wantCode: CodeBadRequest},
		{name: "variables an array", method: "POST", contentType: js,
			body:       `{"query":"{__typename}","variables":[1]}`,
			wantStatus: 400, wantCode: CodeBadRequest},
		{name: "variables a string", method: "POST", contentType: js,
			body:       `{"query":"{__typename}","variables":"{}"}`,
			wantStatus: 400, wantCode: CodeBadRequest},
		{name: "GET variables not an object", method: "GET",
			path:       getQuery("{__typename}") + "&variables=%5B%5D",
			wantStatus: 400, wantCode: CodeBadRequest},
		{name: "deeply nested variables", method: "POST", contentType: js,
			body: `{"query":"{__typename}","variables":{"v":` + strings.Repeat("[", 500) +
				strings.Repeat("]", 500) + `}}`, wantStatus: 400, wantCode: CodeTooComplex},
		{name: "protected operation checks the token first", method: "POST", contentType: js,
			body: `{"query":"mutation($c:ID!){deleteApiKey(clientId:$c)}",` +
				`"variables":{"c":{}}}`,
			wantStatus: 401, wantCode: CodeUnauthenticated},
		{name: "syntax error", method: "POST", contentType: js,
			body: `{"query":"{ viewer { "}`, wantStatus: 400, wantCode: CodeParseFailed},
		{name: "unknown field", method: "POST", contentType: js,
			body: `{"query":"{ nope }"}`, wantStatus: 400, wantCode: CodeValidationFailed},
		{name: "mutation over GET", method: "GET",
			path:       getQuery(`mutation{login(loginInput:{clientId:"a",secretId:"b"}){scope}}`),
			wantStatus: 405, wantCode: CodeMethodNotAllowed, wantHeader: allowPost},
		{name: "PUT", method: "PUT", contentType: js, body: typename,
			wantStatus: 405, wantCode: CodeMethodNotAllowed, wantHeader: allowBoth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tg.do(t, tc.method, "/graphql"+tc.path, "", tc.contentType, []byte(tc.body))
			if a.status != tc.wantStatus || a.code() != tc.wantCode {
				t.Fatalf("got %d %q (%s), want %d %q", a.status, a.code(), a.raw,
					tc.wantStatus, tc.wantCode)
			}
			if tc.wantStatus != 200 && a.hasData() {
				t.Errorf("a request error carries a data member: %s", a.raw)
			}
			if h := tc.wantHeader; h[0] != "" && a.header.Get(h[0]) != h[1] {
				t.Errorf("%s = %q, want %q", h[0], a.header.Get(h[0]), h[1])
			}
		})
	}
}

func TestHTTPVariableCoercionErrorIsA400WithoutData(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), nil)
	a := tg.post(t, "", `mutation($in:LoginInput!){login(loginInput:$in){scope}}`,
		map[string]any{"in": map[string]any{"clientId": 7}})
	if a.status != 400 || a.hasData() {
		t.Fatalf("got %d %s, want 400 without data", a.status, a.raw)
	}
}

func TestHTTPOperationNameSelection(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), nil)
	doc := "query A { a: __typename } query B { b: __typename }"
	for _, op := range []string{"A", "B"} {
		a := tg.get(t, "", url.Values{"query": {doc}, "operationName": {op}})
		want := fmt.Sprintf(`{"data":{"%s":"Query"}}`, strings.ToLower(op))
		if a.status != 200 || a.raw != want {
			t.Errorf("operation %s: got %d %s, want %s", op, a.status, a.raw, want)
		}
	}
	if a := tg.get(t, "", url.Values{"query": {doc}}); a.status != 400 {
		t.Errorf("no operationName: got %d %s, want 400", a.status, a.raw)
	}
}

func TestHTTPResponseMediaType(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), nil)
	req, _ := http.NewRequest("GET", tg.srv.URL+"/graphql?query=%7B__typename%7D", nil)
	req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct,
		"application/graphql-response+json") {
		t.Errorf("Content-Type = %q", ct)
	}
	a := tg.get(t, "", url.Values{"query": {"{__typename}"}})
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("default Content-Type = %q", ct)
	}
}

// TestHostileDocumentsAreFast400s sends each attack through HTTP and checks
// that the answer is a quick 400 and that the server still answers after.
func TestHostileDocumentsAreFast400s(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), nil)
	aliases := strings.Builder{}
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&aliases, "a%d:__typename ", i)
	}
	tests := []struct {
		name, query string
	}{
		{"72-byte fragment cycle", "query{...A}fragment A on Query{...B}fragment B on Query{...A}"},
		{"10,000-deep nesting", strings.Repeat("{a", 10000) + strings.Repeat("}", 10000)},
		{"4,000-field flood", "{" + strings.Repeat("__typename ", 4000) + "}"},
		{"deep list argument", "{viewer(x:" + strings.Repeat("[", 3000) +
			strings.Repeat("]", 3000) + "){name}}"},
		{"3,000 distinct aliases", "{" + aliases.String() + "}"},
		{"deep introspection", "{__schema{types{fields{type{ofType{ofType{ofType{ofType{" +
			"ofType{ofType{ofType{ofType{name}}}}}}}}}}}}}"},
		{"4,000 unknown fields", "{" + strings.Repeat("nope ", 4000) + "}"},
		{"fragment fan-out", fanOut(6, 10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			a := tg.post(t, "", tc.query, nil)
			took := time.Since(start)
			if a.status != 400 || a.hasData() {
				t.Fatalf("got %d %.200s, want 400 without data", a.status, a.raw)
			}
			if took > time.Second {
				t.Errorf("answer took %v", took)
			}
			ok := tg.post(t, "", "{__typename}", nil)
			if ok.raw != `{"data":{"__typename":"Query"}}` {
				t.Fatalf("server after the attack answered %d %s", ok.status, ok.raw)
			}
		})
	}
}

func TestHealthEndpoints(t *testing.T) {
	fake := newFakeTokenService(t)
	tg := startGateway(t, fake, nil)
	if a := tg.do(t, "GET", "/healthz", "", "", nil); a.status != 200 {
		t.Errorf("/healthz = %d", a.status)
	}
	if a := tg.do(t, "GET", "/readyz", "", "", nil); a.status != 200 {
		t.Errorf("/readyz with the token service up = %d", a.status)
	}
	fake.down.Store(true)
	if a := tg.do(t, "GET", "/readyz", "", "", nil); a.status != 503 {
		t.Errorf("/readyz with the token service down = %d", a.status)
	}
	if a := tg.do(t, "GET", "/healthz", "", "", nil); a.status != 200 {
		t.Errorf("/healthz with the token service down = %d", a.status)
	}
}
