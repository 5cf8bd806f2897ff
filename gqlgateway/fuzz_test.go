package gqlgateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzRequestDecode feeds arbitrary bodies to the POST decoder: it must
// answer a request or a 4xx, never panic, and keep its limits.
func FuzzRequestDecode(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{__typename}"}`,
		`{"query":"query($a:Int){x}","variables":{"a":1},"operationName":"Q"}`,
		`{"query":"{x}","variables":null}`,
		`{"query":"{x}","variables":[]}`,
		`{"query":"{x}","variables":{"a":[[[[[[1]]]]]]}}`,
		`{"query":` + strings.Repeat("[", 100),
		`{"query":"\u0000\ud800"}`,
		`{"QUERY":"{x}"}`,
		`null`, `[]`, `"x"`, ``, `{"query":"x"} trailing`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		req, rerr := decodeRequest(httptest.NewRecorder(), r, 1<<16, 40)
		if rerr != nil {
			if rerr.status < 400 || rerr.status > 499 {
				t.Fatalf("status %d for a bad request", rerr.status)
			}
			return
		}
		if strings.TrimSpace(req.Query) == "" {
			t.Fatal("accepted a request without a query")
		}
	})
}

// FuzzGuard runs arbitrary text through the steps before validation:
// pre-scan, parse and guard. Whatever passes must be within the limits and
// must validate quickly; nothing may panic or recurse without bound.
func FuzzGuard(f *testing.F) {
	for _, seed := range []string{
		"{ viewer { clientId name } }",
		"query{...A}fragment A on Query{...B}fragment B on Query{...A}",
		"{a:viewer{clientId} a:apiKeys{clientId}}",
		`mutation{login(loginInput:{clientId:"a",secretId:"b"}){accessToken}}`,
		"{__schema{types{fields{type{ofType{name}}}}}}",
		`{a(x:"""{{{\"""""" y:"{\"[") # {{{` + "\n}",
		strings.Repeat("{a", 60) + strings.Repeat("}", 60),
		"{...F ...F} fragment F on Query{__typename ... on Query{viewer{name}}}",
		"query($v:[[Int!]]=[[1]]){__typename @include(if:true)}",
	} {
		f.Add(seed)
	}
	g, err := New(Config{ClientID: "a", ClientSecret: "b"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 64<<10 {
			return
		}
		start := time.Now()
		d, rerr := g.docs.prepare(query, "")
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("preparing %d bytes took %v", len(query), took)
		}
		if rerr != nil {
			if rerr.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rerr.status)
			}
			return
		}
		if err := guardDocument(d.ast, g.docs.lim); err != nil {
			t.Fatalf("a prepared document fails the guard: %v", err)
		}
	})
}
