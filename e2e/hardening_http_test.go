package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// requestBudget is the longest any answer may take in these tests, faults
// included: the store deadline is 500 ms and the gateway's introspection
// deadline 3 s. Longer is a hang.
const requestBudget = 4 * time.Second

// hardeningClient talks to the services on loopback, never through a proxy.
var hardeningClient = &http.Client{
	Timeout:   requestBudget,
	Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32},
}

// keyPair is a key's Client ID and Secret ID as the admin API returns them.
type keyPair struct {
	ClientID string `json:"clientId"`
	SecretID string `json:"secretId"`
}

// reply is a read HTTP answer, or the transport error that replaced it.
type reply struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
	err    error
}

func send(req *http.Request) reply { return sendWith(hardeningClient, req) }

func sendWith(c *http.Client, req *http.Request) reply {
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: body, err: err,
		took: time.Since(start)}
}

// postForm posts form with Basic credentials (none when k is zero).
func postForm(endpoint string, k keyPair, form url.Values) reply {
	req, err := http.NewRequest(http.MethodPost, endpoint, nil)
	if err != nil {
		return reply{err: err}
	}
	if k.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(k.ClientID), url.QueryEscape(k.SecretID))
	}
	return postFormWith(req, form, "")
}

// postFormWith sends req with form as its body and, when forwardedFor is
// set, an X-Forwarded-For header claiming that address.
func postFormWith(req *http.Request, form url.Values, forwardedFor string) reply {
	body := form.Encode()
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	return send(req)
}

// sendJSON sends body as JSON with a bearer token (none when empty).
func sendJSON(method, endpoint, bearer string, body any) reply {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{err: err}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, endpoint, r)
	if err != nil {
		return reply{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return send(req)
}

// graphql posts a GraphQL request to the gateway.
func graphql(gatewayURL, token, query string, vars map[string]any) reply {
	return sendJSON(http.MethodPost, gatewayURL+"/graphql", token,
		map[string]any{"query": query, "variables": vars})
}

// must fails the test on a transport error and returns r.
func must(t testing.TB, r reply) reply {
	t.Helper()
	if r.err != nil {
		t.Fatalf("request failed: %v", r.err)
	}
	return r
}

func getJSON(t testing.TB, endpoint string) (int, []byte) {
	t.Helper()
	return getJSONAs(t, endpoint, "")
}

// getJSONAs GETs endpoint with a bearer token (none when empty).
func getJSONAs(t testing.TB, endpoint, bearer string) (int, []byte) {
	t.Helper()
	r := must(t, sendJSON(http.MethodGet, endpoint, bearer, nil))
	return r.status, r.body
}

// admin calls the admin API with the admin token.
func (s *tokenService) admin(t testing.TB, method, path string, body any) reply {
	t.Helper()
	return must(t, sendJSON(method, s.adminURL+path, stackAdminToken, body))
}

// createKey creates a key through the admin API.
func (s *tokenService) createKey(t testing.TB, account, name string, scopes ...string) keyPair {
	t.Helper()
	r := s.admin(t, http.MethodPost, "/admin/keys",
		map[string]any{"name": name, "account": account, "scopes": scopes})
	var k keyPair
	if r.status != http.StatusCreated || json.Unmarshal(r.body, &k) != nil || k.SecretID == "" {
		t.Fatalf("creating key: %d %s", r.status, r.body)
	}
	return k
}

// token gets a token for k, failing the test unless it is a 200.
func (s *tokenService) token(t testing.TB, k keyPair) string {
	t.Helper()
	r := must(t, postForm(s.url+"/oauth2/token", k,
		url.Values{"grant_type": {"client_credentials"}}))
	tok := accessToken(r)
	if r.status != http.StatusOK || tok == "" {
		t.Fatalf("token for %s: %d %s", k.ClientID, r.status, r.body)
	}
	return tok
}

// active introspects token as caller and reports whether it is active.
func (s *tokenService) active(t testing.TB, caller keyPair, token string) bool {
	t.Helper()
	r := must(t, postForm(s.url+"/oauth2/introspect", caller, url.Values{"token": {token}}))
	if r.status != http.StatusOK {
		t.Fatalf("introspection: %d %s", r.status, r.body)
	}
	var out struct {
		Active bool `json:"active"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("introspection answer %s: %v", r.body, err)
	}
	return out.Active
}

// accessToken is the access_token of a token answer, or "".
func accessToken(r reply) string {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(r.body, &out)
	return out.AccessToken
}

// gqlAnswer is the part of a GraphQL answer the tests look at.
type gqlAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decodeGQL(r reply) gqlAnswer {
	var a gqlAnswer
	_ = json.Unmarshal(r.body, &a)
	return a
}

// code is the first error's extensions.code, or "".
func (a gqlAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

// loginToken is data.login.accessToken, or "".
func (a gqlAnswer) loginToken() string {
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	_ = json.Unmarshal(a.Data["login"], &login)
	return login.AccessToken
}

const (
	loginMutation = `mutation($id: String!, $secret: String!) {
		login(loginInput: {clientId: $id, secretId: $secret}) { accessToken } }`
	viewerQuery = `{ viewer { clientId account scopes } }`
)

func loginVars(k keyPair) map[string]any {
	return map[string]any{"id": k.ClientID, "secret": k.SecretID}
}
