package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// readHeaderTimeout is what both commands set on their servers.
const readHeaderTimeout = 5 * time.Second

// slowloris opens a connection to baseURL and sends a request's headers one
// byte a second, as a slow-headers attack does, and returns how long the
// server kept the connection open.
func slowloris(t *testing.T, baseURL string) time.Duration {
	t.Helper()
	u, _ := url.Parse(baseURL)
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: ", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	_ = conn.SetReadDeadline(start.Add(3 * readHeaderTimeout))
	_, err = io.ReadAll(conn) // the server either closes or answers 408
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection is still open after %s", time.Since(start))
	}
	return time.Since(start)
}

// TestSlowClientsAreCutOff runs the slow-headers attack against every
// listener of the real binaries: each closes the connection once its
// ReadHeaderTimeout has passed.
func TestSlowClientsAreCutOff(t *testing.T) {
	s := newFaultStack(t)
	for name, base := range map[string]string{
		"token service": s.svc.url, "admin listener": s.svc.adminURL, "gateway": s.gw.url,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			open := slowloris(t, base)
			if open < readHeaderTimeout-time.Second || open > readHeaderTimeout+2*time.Second {
				t.Errorf("connection closed after %s, want about %s", open, readHeaderTimeout)
			}
		})
	}
}

// rawRequest writes a raw HTTP/1.1 request and reads the status code of
// the answer; the request may be too big for the server to read whole.
func rawRequest(t *testing.T, baseURL, head string, body io.Reader) int {
	t.Helper()
	u, _ := url.Parse(baseURL)
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		_, _ = io.WriteString(conn, strings.ReplaceAll(head, "HOST", u.Host))
		if body != nil {
			_, _ = io.Copy(conn, body)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(requestBudget))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOversizedRequestsAreRefused sends headers and bodies over each
// listener's limits to the real binaries: 431 for headers, 413 for bodies,
// 400 for too many form fields.
func TestOversizedRequestsAreRefused(t *testing.T) {
	s := newFaultStack(t)
	bigHeader := "X-Big: " + strings.Repeat("a", 100<<10) + "\r\n"
	post := func(path, ctype string) func(n int) string {
		return func(n int) string {
			return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: HOST\r\nContent-Type: %s\r\n"+
				"Authorization: Bearer %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
				path, ctype, stackAdminToken, n)
		}
	}
	get := func(int) string {
		return "GET /healthz HTTP/1.1\r\nHost: HOST\r\n" + bigHeader + "\r\n"
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		base string
		head func(bodyLen int) string
		body string
		want int
	}{
		{"token service header over 16 KiB", s.svc.url, get, "", 431},
		{"admin header over 16 KiB", s.svc.adminURL, get, "", 431},
		{"gateway header over 64 KiB", s.gw.url, get, "", 431},
		{"token form over 8 KiB", s.svc.url, post("/oauth2/token", form),
			strings.Repeat("a", 8<<10+1), 413},
		{"token form with 17 fields", s.svc.url, post("/oauth2/token", form),
			strings.Repeat("a=1&", 16) + "grant_type=client_credentials", 400},
		{"introspection form over 8 KiB", s.svc.url, post("/oauth2/introspect", form),
			strings.Repeat("a", 8<<10+1), 413},
		{"admin JSON over 64 KiB", s.svc.adminURL, post("/admin/keys", "application/json"),
			`{"name":"` + strings.Repeat("a", 64<<10) + `","account":"x"}`, 413},
		{"GraphQL body over 256 KiB", s.gw.url, post("/graphql", "application/json"),
			`{"query":"{ a }` + strings.Repeat(" ", 256<<10) + `"}`, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rawRequest(t, tc.base, tc.head(len(tc.body)), strings.NewReader(tc.body))
			if got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
	for _, p := range []*serviceProcess{s.svc.serviceProcess, s.gw.serviceProcess} {
		if !p.running() {
			t.Errorf("%s died", p.name)
		}
	}
}

// TestHostileGraphQLIsRefused sends documents that would exhaust graphql-go
// (deep nesting, thousands of fields, fragment cycles, runaway brackets)
// to the real gateway binary: each is a 400 with a code, and the process
// lives on.
func TestHostileGraphQLIsRefused(t *testing.T) {
	s := newFaultStack(t)
	deep := strings.Repeat("{ viewer ", 13) + strings.Repeat("}", 13)
	var wide strings.Builder
	wide.WriteString("{ ")
	for i := range 2001 {
		fmt.Fprintf(&wide, "a%d: __typename ", i)
	}
	wide.WriteString("}")
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		codes []string
	}{
		{"13 levels deep", deep, nil, []string{"QUERY_TOO_COMPLEX"}},
		{"2001 fields", wide.String(), nil, []string{"QUERY_TOO_COMPLEX"}},
		{"fragments in a cycle", "query { ...A } fragment A on Query { ...B } " +
			"fragment B on Query { ...A }", nil,
			[]string{"GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"}},
		{"100,000 open brackets", strings.Repeat("{", 100_000), nil,
			[]string{"QUERY_TOO_COMPLEX"}},
		{"invalid UTF-8", "{ viewer \xff\xfe }", nil,
			[]string{"BAD_REQUEST", "GRAPHQL_PARSE_FAILED"}},
		{"variables nested 1,000 deep", "query($v: String) { __typename }",
			map[string]any{"v": nestedList(1000)}, []string{"QUERY_TOO_COMPLEX", "BAD_REQUEST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := must(t, graphql(s.gw.url, "", tc.query, tc.vars))
			if code := decodeGQL(r).code(); r.status != http.StatusBadRequest ||
				!slices.Contains(tc.codes, code) {
				t.Errorf("status %d code %q, want 400 with one of %v: %s", r.status, code, tc.codes,
					clipBody(r.body))
			}
		})
	}
	if !s.gw.running() {
		t.Fatalf("the gateway died:\n%s", s.gw.logs())
	}
	if r := must(t, graphql(s.gw.url, "", "{ __typename }", nil)); r.status != http.StatusOK {
		t.Errorf("the gateway no longer answers: %d %s", r.status, r.body)
	}
}

func nestedList(depth int) any {
	var v any = "x"
	for range depth {
		v = []any{v}
	}
	return v
}
