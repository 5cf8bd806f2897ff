package gqlgateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// requestLines returns the "request" lines of a JSON log.
func requestLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "request" {
			out = append(out, line)
		}
	}
	return out
}

func TestRequestLogs(t *testing.T) {
	const clientID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	const secret = "request-log-secret-id-value"
	fake := newFakeTokenService(t)
	fake.addKey(clientID, secret, "Reader", "acme", "read")
	logs := &lockedWriter{w: &bytes.Buffer{}}
	tg := startGateway(t, fake, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	login := `mutation Login($id:String!,$s:String!){login(loginInput:{clientId:$id,` +
		`secretId:$s}){accessToken}}`
	a := tg.post(t, "", login, map[string]any{"id": clientID, "s": secret})
	tok, _ := a.body["data"].(map[string]any)["login"].(map[string]any)["accessToken"].(string)
	if tok == "" {
		t.Fatalf("login: %d %s", a.status, a.raw)
	}
	inline := `mutation{login(loginInput:{clientId:"` + clientID + `",secretId:"` + secret +
		`x"}){accessToken}}`
	steps := []struct {
		name string
		send func()
		want map[string]any
	}{
		{name: "good login", send: func() {}, want: map[string]any{"method": "POST",
			"path": "/graphql", "operation": "mutation", "operation_name": "Login",
			"status": 200.0, "client_id": clientID, "code": ""}},
		{name: "bad login", send: func() { tg.post(t, "", inline, nil) },
			want: map[string]any{"operation": "mutation", "operation_name": "",
				"status": 200.0, "client_id": "", "code": CodeInvalidClient}},
		{name: "protected query", send: func() {
			tg.post(t, tok, "query Me { viewer { name } }", nil)
		}, want: map[string]any{"operation": "query", "operation_name": "Me",
			"status": 200.0, "client_id": clientID, "code": ""}},
		{name: "query over GET", send: func() {
			tg.get(t, tok, url.Values{"query": {"{viewer{clientId}}"}})
		}, want: map[string]any{"method": "GET", "path": "/graphql", "operation": "query",
			"status": 200.0, "client_id": clientID}},
		{name: "no token", send: func() { tg.post(t, "", "{ viewer { name } }", nil) },
			want: map[string]any{"status": 401.0, "client_id": "", "code": CodeUnauthenticated}},
		{name: "odd operation name", send: func() {
			tg.get(t, "", url.Values{"query": {"{__typename}"}, "operationName": {"a b"}})
		}, want: map[string]any{"operation": "", "operation_name": "invalid", "status": 400.0,
			"code": CodeBadRequest}},
		{name: "health", send: func() { tg.do(t, "GET", "/healthz", "", "", nil) },
			want: map[string]any{"method": "GET", "path": "/healthz", "status": 200.0}},
		{name: "unknown path", send: func() {
			resp, err := http.Get(tg.srv.URL + "/graphql/x?token=" + tok)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}, want: map[string]any{"path": "other", "status": 404.0}},
	}
	for i, step := range steps {
		step.send()
		lines := requestLines(t, logs.String())
		if len(lines) != i+1 {
			t.Fatalf("%s: %d request lines after %d requests:\n%s", step.name, len(lines), i+1,
				logs.String())
		}
		line := lines[i]
		for k, v := range step.want {
			if line[k] != v {
				t.Errorf("%s: %s = %#v, want %#v", step.name, k, line[k], v)
			}
		}
		if d, _ := line["duration"].(float64); d <= 0 {
			t.Errorf("%s: duration = %v", step.name, line["duration"])
		}
	}
	out := logs.String()
	for _, s := range []string{tok, secret, gwSecret, "viewer", "loginInput", "token="} {
		if strings.Contains(out, s) {
			t.Errorf("the logs contain %q:\n%s", s, out)
		}
	}
}

func TestOperationNameLabel(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"anonymous", "", ""},
		{"plain", "GetViewer", "GetViewer"},
		{"underscores and digits", "_op_2", "_op_2"},
		{"64 characters", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"65 characters", strings.Repeat("a", 65), "invalid"},
		{"leading digit", "2fa", "invalid"},
		{"space", "a b", "invalid"},
		{"newline", "a\nlevel=ERROR", "invalid"},
		{"unicode", "héllo", "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := operationNameLabel(tc.in); got != tc.want {
				t.Errorf("operationNameLabel(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
