package e2e

// The GraphQL gateway against the real token service, over real HTTP on
// loopback, as the product contract describes them together.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSeedRequestAndResponse(t *testing.T) {
	e := newEnv(t)
	gw := e.startGateway(t)
	key := e.ts.CreateKey(t, "acme", "Demo", "read")
	seed := fmt.Sprintf(`mutation { login(loginInput: {clientId: %q, secretId: %q}) `+
		`{ accessToken } }`, key.ClientID, key.SecretID)
	a := gw.post(t, "", seed, nil)
	const jws = `[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`
	shape := regexp.MustCompile(`^\{"data":\{"login":\{"accessToken":"(` + jws + `)"\}\}\}$`)
	m := shape.FindStringSubmatch(a.raw)
	if a.status != 200 || m == nil {
		t.Fatalf("seed answer %d %s, want {\"data\":{\"login\":{\"accessToken\":\"…\"}}}",
			a.status, a.raw)
	}
	v := gw.post(t, m[1], "{ viewer { clientId name account scopes } }", nil)
	// The fields come back in the order the query selects them (GraphQL §7.2.2).
	want := fmt.Sprintf(`{"data":{"viewer":{"clientId":%q,"name":"Demo","account":"acme",`+
		`"scopes":["read"]}}}`, key.ClientID)
	if v.status != 200 || v.raw != want {
		t.Errorf("viewer with the login token: %d %s, want %s", v.status, v.raw, want)
	}
	full := gw.post(t, "", fmt.Sprintf(`mutation { login(loginInput: {clientId: %q, `+
		`secretId: %q}) { accessToken tokenType expiresIn scope } }`, key.ClientID,
		key.SecretID), nil)
	p, _ := full.body["data"].(map[string]any)["login"].(map[string]any)
	if p["tokenType"] != "Bearer" || p["expiresIn"] != float64(3600) || p["scope"] != "read" {
		t.Errorf("full login payload: %s", full.raw)
	}
}

func TestErrorCodesAndStatuses(t *testing.T) {
	e := newEnv(t)
	gw := e.startGateway(t)
	reader := e.ts.CreateKey(t, "acme", "Reader", "read")
	manager := e.ts.CreateKey(t, "acme", "Manager", "keys:manage", "read")
	foreign := e.ts.CreateKey(t, "globex", "Foreign", "read")
	readTok, manageTok := e.ts.Token(t, reader, ""), e.ts.Token(t, manager, "")
	revoked := e.ts.Token(t, reader, "")
	r := e.ts.Admin(t, "POST", "/admin/revocations", map[string]string{"token": revoked})
	if r.Status != 200 {
		t.Fatalf("revoking: %d %s", r.Status, r.Body)
	}
	login := func(id, secret string) string {
		return fmt.Sprintf(`mutation{login(loginInput:{clientId:%q,secretId:%q}){accessToken}}`,
			id, secret)
	}
	tests := []struct {
		name       string
		token      string
		query      string
		wantStatus int
		wantCode   string
		wantData   string // the data member, when there must be one
	}{
		{"no token", "", "{viewer{name}}", 401, "UNAUTHENTICATED", ""},
		{"revoked token", revoked, "{viewer{name}}", 401, "UNAUTHENTICATED", ""},
		{"garbage token", "not.a.token", "{viewer{name}}", 401, "UNAUTHENTICATED", ""},
		{"missing scope", readTok, "{apiKeys{name}}", 403, "FORBIDDEN", ""},
		{"bad credentials", "", login(reader.ClientID, "wrong"), 200, "INVALID_CLIENT",
			`{"login":null}`},
		{"unknown key", "", login("760e8193-25ad-47b5-96fd-795371234567", "x"), 200,
			"INVALID_CLIENT", `{"login":null}`},
		{"stale token does not matter to login", revoked,
			login(reader.ClientID, reader.SecretID), 200, "", ""},
		{"another account's key", manageTok,
			fmt.Sprintf(`mutation{deleteApiKey(clientId:%q)}`, foreign.ClientID), 200,
			"NOT_FOUND", "null"},
		{"invalid key name", manageTok, `mutation{createApiKey(input:{name:"",scopes:[]})` +
			`{clientId}}`, 200, "BAD_USER_INPUT", "null"},
		{"parse error", "", "{ viewer { ", 400, "GRAPHQL_PARSE_FAILED", ""},
		{"validation error", "", "{ nope }", 400, "GRAPHQL_VALIDATION_FAILED", ""},
		{"too deep", "", "{__schema{types{fields{type{ofType{ofType{ofType{ofType{ofType" +
			"{ofType{ofType{ofType{name}}}}}}}}}}}}}", 400, "QUERY_TOO_COMPLEX", ""},
		{"fragment cycle", "", "query{...A}fragment A on Query{...B}fragment B on Query{...A}",
			400, "GRAPHQL_VALIDATION_FAILED", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := gw.post(t, tc.token, tc.query, nil)
			if a.status != tc.wantStatus || a.code() != tc.wantCode {
				t.Fatalf("got %d %q %s; want %d %q", a.status, a.code(), a.raw,
					tc.wantStatus, tc.wantCode)
			}
			if tc.wantData != "" && !strings.Contains(a.raw, `"data":`+tc.wantData) {
				t.Errorf("data member: %s, want %s", a.raw, tc.wantData)
			}
			if a.status >= 400 && a.hasData() {
				t.Errorf("request error carries data: %s", a.raw)
			}
		})
	}
	t.Run("challenges", func(t *testing.T) {
		checks := map[string]answer{
			`Bearer`:                       gw.post(t, "", "{viewer{name}}", nil),
			`Bearer error="invalid_token"`: gw.post(t, revoked, "{viewer{name}}", nil),
			`Bearer error="insufficient_scope", scope="keys:manage"`: gw.post(t, readTok,
				"{apiKeys{name}}", nil),
		}
		for want, a := range checks {
			if got := a.header.Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}
		}
	})
	t.Run("transport errors", func(t *testing.T) {
		mutation := url.Values{"query": {login(reader.ClientID, reader.SecretID)}}
		for _, tc := range []struct {
			name                string
			method, path, ctype string
			body                string
			wantStatus          int
			wantCode            string
		}{
			{"mutation over GET", "GET", "/graphql?" + mutation.Encode(), "", "", 405,
				"METHOD_NOT_ALLOWED"},
			{"body too large", "POST", "/graphql", "application/json",
				`{"query":"` + strings.Repeat(" ", 300<<10) + `{__typename}"}`, 413,
				"PAYLOAD_TOO_LARGE"},
			{"not JSON", "POST", "/graphql", "application/json", `{"query"`, 400, "BAD_REQUEST"},
			{"form body", "POST", "/graphql", "application/x-www-form-urlencoded", "query=x",
				415, "UNSUPPORTED_MEDIA_TYPE"},
		} {
			a := gw.send(t, tc.method, tc.path, "", tc.ctype, []byte(tc.body))
			if a.status != tc.wantStatus || a.code() != tc.wantCode {
				t.Errorf("%s: got %d %q, want %d %q", tc.name, a.status, a.code(),
					tc.wantStatus, tc.wantCode)
			}
		}
	})
}

func TestKeyOperationsThroughTheTokenService(t *testing.T) {
	e := newEnv(t)
	gw := e.startGateway(t)
	manager := e.ts.CreateKey(t, "acme", "Manager", "keys:manage", "read")
	e.ts.CreateKey(t, "globex", "Foreign", "read")
	tok := e.ts.Token(t, manager, "")

	a := gw.post(t, tok, `mutation{createApiKey(input:{name:"ci",scopes:["read"]})`+
		`{clientId name account scopes secretId lastUsedAt}}`, nil)
	k, _ := a.body["data"].(map[string]any)["createApiKey"].(map[string]any)
	id, _ := k["clientId"].(string)
	if a.status != 200 || id == "" || k["secretId"] == "" || k["account"] != "acme" {
		t.Fatalf("createApiKey: %d %s", a.status, a.raw)
	}
	a = gw.post(t, tok, "{apiKeys{clientId name account}}", nil)
	if !strings.Contains(a.raw, id) || strings.Contains(a.raw, "globex") ||
		strings.Contains(a.raw, "secretId") {
		t.Fatalf("apiKeys: %d %s", a.status, a.raw)
	}
	a = gw.post(t, tok, fmt.Sprintf(`mutation{rotateApiKey(clientId:%q){secretId}}`, id), nil)
	if a.status != 200 || !strings.Contains(a.raw, `"secretId":"`) {
		t.Fatalf("rotateApiKey: %d %s", a.status, a.raw)
	}
	a = gw.post(t, tok, fmt.Sprintf(`mutation{deleteApiKey(clientId:%q)}`, id), nil)
	if a.raw != `{"data":{"deleteApiKey":true}}` {
		t.Fatalf("deleteApiKey: %d %s", a.status, a.raw)
	}
	if a = gw.post(t, tok, "mutation{logout}", nil); a.raw != `{"data":{"logout":true}}` {
		t.Fatalf("logout: %d %s", a.status, a.raw)
	}
	if a = gw.post(t, tok, "{viewer{name}}", nil); a.status != http.StatusUnauthorized {
		t.Errorf("viewer after logout: %d %s", a.status, a.raw)
	}
}
