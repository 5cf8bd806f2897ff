package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// loadFixture is what the fault tests set up before a fault: keys, a good
// token, a revoked one and a forged one (signed with the service's own key,
// never recorded).
type loadFixture struct {
	s       *faultStack
	keys    []keyPair
	good    string
	revoked string
	forged  string
	// svcMayBeDown allows direct calls to the token service to find no
	// process (it is being killed and restarted).
	svcMayBeDown bool
}

func newLoadFixture(t *testing.T, s *faultStack) *loadFixture {
	t.Helper()
	f := &loadFixture{s: s}
	for i := range 4 {
		f.keys = append(f.keys, s.svc.createKey(t, "acme", fmt.Sprintf("Job %d", i),
			"api", "keys:manage"))
	}
	f.good = s.svc.token(t, f.keys[0])
	f.revoked = s.svc.token(t, f.keys[0])
	if r := s.svc.admin(t, http.MethodPost, "/admin/revocations",
		map[string]string{"token": f.revoked}); r.status != http.StatusOK {
		t.Fatalf("revoking: %d %s", r.status, r.body)
	}
	f.forged = s.forge(t, s.claimsFor(f.keys[0], "acme"), nil)
	return f
}

// ops are the requests sent during a fault, each with what it may answer.
func (f *loadFixture) ops() []loadOp {
	s := f.s
	introspect := func(tok string) func(int) reply {
		return func(int) reply {
			return postForm(s.svc.url+"/oauth2/introspect", s.gwKey, url.Values{"token": {tok}})
		}
	}
	viewer := func(tok string) func(int) reply {
		return func(int) reply { return graphql(s.gw.url, tok, viewerQuery, nil) }
	}
	return []loadOp{
		{"token endpoint", func(n int) reply {
			return postForm(s.svc.url+"/oauth2/token", f.keys[n%len(f.keys)],
				url.Values{"grant_type": {"client_credentials"}})
		}, f.direct(judgeToken)},
		{"introspect good token", introspect(f.good), f.direct(judgeActive(true))},
		{"introspect revoked token", introspect(f.revoked), f.direct(judgeActive(false))},
		{"introspect forged token", introspect(f.forged), f.direct(judgeActive(false))},
		{"account REST, good token", func(int) reply {
			return sendJSON(http.MethodGet, s.svc.url+"/account/keys", f.good, nil)
		}, f.direct(judgeStatus(http.StatusOK))},
		{"account REST, forged token", func(int) reply {
			return sendJSON(http.MethodGet, s.svc.url+"/account/keys", f.forged, nil)
		}, f.direct(judgeStatus(http.StatusUnauthorized))},
		{"admin create key", func(n int) reply {
			return sendJSON(http.MethodPost, s.svc.adminURL+"/admin/keys", stackAdminToken,
				map[string]any{"name": fmt.Sprintf("During %d", n), "account": "acme",
					"scopes": []string{"api"}})
		}, f.direct(judgeCreated)},
		{"gateway login", func(n int) reply {
			return graphql(s.gw.url, "", loginMutation, loginVars(f.keys[n%len(f.keys)]))
		}, judgeLogin},
		{"gateway viewer, good token", viewer(f.good), judgeViewer(f.keys[0].ClientID)},
		{"gateway viewer, revoked", viewer(f.revoked), judgeRefused},
		{"gateway viewer, forged", viewer(f.forged), judgeRefused},
	}
}

// direct wraps the judge of a call to the token service itself, which may
// find no process while the process is being killed.
func (f *loadFixture) direct(judge func(reply, *loadRun) string) func(reply, *loadRun) string {
	return func(r reply, l *loadRun) string {
		if r.err != nil && f.svcMayBeDown && isRefused(r.err) {
			return ""
		}
		return judge(r, l)
	}
}

func judgeToken(r reply, l *loadRun) string {
	switch {
	case r.err != nil:
		return r.err.Error()
	case r.status == http.StatusOK:
		tok := accessToken(r)
		if tok == "" {
			return "200 without a token"
		}
		l.addToken(tok)
		return ""
	case r.status == http.StatusServiceUnavailable && oauthCode(r) == "temporarily_unavailable":
		return ""
	}
	return fmt.Sprintf("status %d: %s", r.status, clipBody(r.body))
}

func judgeActive(want bool) func(reply, *loadRun) string {
	return func(r reply, _ *loadRun) string {
		switch {
		case r.err != nil:
			return r.err.Error()
		case r.status == http.StatusServiceUnavailable:
			return ""
		case r.status != http.StatusOK:
			return fmt.Sprintf("status %d: %s", r.status, clipBody(r.body))
		}
		var out struct {
			Active bool `json:"active"`
		}
		if json.Unmarshal(r.body, &out) != nil || out.Active != want {
			return fmt.Sprintf("introspection said %s, want active=%v", r.body, want)
		}
		return ""
	}
}

func judgeStatus(want int) func(reply, *loadRun) string {
	return func(r reply, _ *loadRun) string {
		switch {
		case r.err != nil:
			return r.err.Error()
		case r.status == want || r.status == http.StatusServiceUnavailable:
			return ""
		}
		return fmt.Sprintf("status %d, want %d or 503: %s", r.status, want, clipBody(r.body))
	}
}

func judgeCreated(r reply, l *loadRun) string {
	if msg := judgeStatus(http.StatusCreated)(r, l); msg != "" {
		return msg
	}
	if r.status == http.StatusCreated {
		var k keyPair
		if json.Unmarshal(r.body, &k) != nil || k.SecretID == "" {
			return "201 without a Secret ID"
		}
		l.addKey(k)
	}
	return ""
}

func judgeLogin(r reply, l *loadRun) string {
	a := decodeGQL(r)
	switch {
	case r.err != nil:
		return r.err.Error()
	case r.status == http.StatusOK && a.loginToken() != "":
		l.addToken(a.loginToken())
		return ""
	case r.status == http.StatusServiceUnavailable && a.code() == "SERVICE_UNAVAILABLE":
		return ""
	}
	return fmt.Sprintf("status %d: %s", r.status, clipBody(r.body))
}

func judgeViewer(clientID string) func(reply, *loadRun) string {
	return func(r reply, _ *loadRun) string {
		a := decodeGQL(r)
		var v struct {
			ClientID string `json:"clientId"`
		}
		_ = json.Unmarshal(a.Data["viewer"], &v)
		switch {
		case r.err != nil:
			return r.err.Error()
		case r.status == http.StatusOK && v.ClientID == clientID:
			return ""
		case r.status == http.StatusServiceUnavailable && a.code() == "SERVICE_UNAVAILABLE":
			return ""
		}
		return fmt.Sprintf("status %d: %s", r.status, clipBody(r.body))
	}
}

// judgeRefused is for protected operations with a token that must never
// pass: 401, or 503 while the gateway cannot ask.
func judgeRefused(r reply, _ *loadRun) string {
	a := decodeGQL(r)
	switch {
	case r.err != nil:
		return r.err.Error()
	case r.status == http.StatusUnauthorized && a.code() == "UNAUTHENTICATED":
		return ""
	case r.status == http.StatusServiceUnavailable && a.code() == "SERVICE_UNAVAILABLE":
		return ""
	}
	return fmt.Sprintf("LET THROUGH or wrong answer: status %d: %s", r.status, clipBody(r.body))
}

func oauthCode(r reply) string {
	var out struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.body, &out)
	return out.Error
}

// verifyNothingLost checks, once the fault is over, that every token handed
// out is active, every key created before or during the fault is there and
// works, and the revoked and forged tokens stay refused.
func (f *loadFixture) verifyNothingLost(t *testing.T, l *loadRun) {
	t.Helper()
	s := f.s
	waitReady(t, s.gw.url+"/readyz", 15*time.Second)
	for _, tok := range l.tokens {
		if !s.svc.active(t, s.gwKey, tok) {
			t.Errorf("a token handed out during the fault is not active (not recorded)")
		}
	}
	keys := append(append([]keyPair{}, f.keys...), l.keys...)
	for _, k := range keys {
		if r := s.svc.admin(t, http.MethodGet, "/admin/keys/"+k.ClientID, nil); r.status != 200 {
			t.Errorf("key %s lost: %d %s", k.ClientID, r.status, r.body)
			continue
		}
		s.svc.token(t, k)
	}
	if !s.svc.active(t, s.gwKey, f.good) || s.svc.active(t, s.gwKey, f.revoked) ||
		s.svc.active(t, s.gwKey, f.forged) {
		t.Error("after the fault the good, revoked and forged tokens are not as before")
	}
	if r := must(t, graphql(s.gw.url, f.good, viewerQuery, nil)); r.status != http.StatusOK {
		t.Errorf("the gateway did not resume: viewer answered %d %s", r.status, r.body)
	}
	t.Logf("%d tokens handed out and %d keys, all present after the fault", len(l.tokens),
		len(keys))
}
