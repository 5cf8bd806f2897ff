package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// plan is how to send one path's requests and how to tell a good answer.
// Everything a request needs is built here, once, so the load loop only
// picks prepared values.
type plan struct {
	method string
	url    string
	header http.Header // the same for every request
	// bodies and auths are used round robin; nil auths: header has it.
	bodies [][]byte
	auths  [][]string
	// A good answer is 200 and contains want, and not unwanted (if set).
	want     []byte
	unwanted []byte
}

// request picks the body and Authorization value of request number i.
func (p *plan) request(i int) (body []byte, auth []string) {
	body = p.bodies[i%len(p.bodies)]
	if len(p.auths) > 0 {
		auth = p.auths[i%len(p.auths)]
	}
	return body, auth
}

// good reports whether an answer counts as a success.
func (p *plan) good(status int, body []byte) bool {
	return status == http.StatusOK && bytes.Contains(body, p.want) &&
		(p.unwanted == nil || !bytes.Contains(body, p.unwanted))
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// buildPlan prepares the requests of o.path, fetching the token pool first
// where the path needs one.
func buildPlan(ctx context.Context, o options, ks keys) (*plan, error) {
	tokenURL := strings.TrimRight(o.tokenURL, "/")
	graphqlURL := strings.TrimRight(o.gatewayURL, "/") + "/graphql"
	switch o.path {
	case pathToken:
		return &plan{
			method: http.MethodPost,
			url:    tokenURL + "/oauth2/token",
			header: http.Header{"Content-Type": {formType},
				"Authorization": {ks.client.basic()}},
			bodies: [][]byte{[]byte("grant_type=client_credentials")},
			want:   []byte(`"access_token"`),
		}, nil
	case pathIntrospect:
		tokens, err := fetchTokens(ctx, tokenURL, ks.client, o.pool, o.conns)
		if err != nil {
			return nil, err
		}
		p := &plan{
			method: http.MethodPost,
			url:    tokenURL + "/oauth2/introspect",
			header: http.Header{"Content-Type": {formType},
				"Authorization": {ks.introspector.basic()}},
			want: []byte(`"active":true`),
		}
		for _, t := range tokens {
			p.bodies = append(p.bodies, []byte("token="+t)) // JWTs need no escaping
		}
		return p, nil
	case pathLogin:
		q := fmt.Sprintf("mutation { login(loginInput:{clientId:%s,secretId:%s}) "+
			"{ accessToken } }", graphqlString(ks.client.id), graphqlString(ks.client.secret))
		return graphqlPlan(graphqlURL, q, nil, `"accessToken"`)
	case pathViewer:
		tokens, err := fetchTokens(ctx, tokenURL, ks.client, o.pool, o.conns)
		if err != nil {
			return nil, err
		}
		p, err := graphqlPlan(graphqlURL, "query { viewer { clientId account scopes } }",
			tokens, `"clientId"`)
		if err != nil {
			return nil, err
		}
		return p, warm(ctx, p)
	}
	return nil, fmt.Errorf("unknown path %q", o.path)
}

// graphqlPlan posts one GraphQL document, with each bearer token in turn
// when tokens are given.
func graphqlPlan(url, query string, tokens []string, want string) (*plan, error) {
	body, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		return nil, fmt.Errorf("encoding the query: %w", err)
	}
	p := &plan{
		method:   http.MethodPost,
		url:      url,
		header:   http.Header{"Content-Type": {jsonType}},
		bodies:   [][]byte{body},
		want:     []byte(want),
		unwanted: []byte(`"errors"`),
	}
	for _, t := range tokens {
		p.auths = append(p.auths, []string{"Bearer " + t})
	}
	return p, nil
}

// warm sends each prepared request once and requires a good answer, so the
// gateway has every token's introspection cached before the measurement.
func warm(ctx context.Context, p *plan) error {
	hc := newHTTPClient(1, 0)
	defer hc.CloseIdleConnections()
	n := max(len(p.bodies), len(p.auths))
	for i := range n {
		body, auth := p.request(i)
		req, err := http.NewRequestWithContext(ctx, p.method, p.url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("building the warm-up request: %w", err)
		}
		req.Header = p.header.Clone()
		if auth != nil {
			req.Header["Authorization"] = auth
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("warming the gateway: %w", err)
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("warming the gateway: reading the answer: %w", err)
		}
		if !p.good(resp.StatusCode, answer) {
			return fmt.Errorf("warming the gateway: request %d answered %d: %.300s",
				i+1, resp.StatusCode, answer)
		}
	}
	return nil
}
