package e2e

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// exercise sends the traffic of a full run to s and the gateways at
// gatewayURLs and adds every secret it handles to secrets.
func exercise(t *testing.T, s *faultStack, gatewayURLs []string, secrets secretSet) {
	t.Helper()
	svc := s.svc
	user := svc.createKey(t, "acme", "User key", "api", "keys:manage")
	other := svc.createKey(t, "globex", "Other key", "api")
	victim := svc.createKey(t, "acme", "Guessed key", "api")
	for _, k := range []keyPair{user, other, victim} {
		secrets.addCredentials("Secret ID", k)
	}
	exerciseAdmin(t, svc, user, other, secrets)
	exerciseOAuth(t, svc, s.gwKey, user, victim, secrets)
	for _, gw := range gatewayURLs {
		exerciseGateway(t, gw, user, secrets)
	}

	// Revocations of every kind, then a store outage.
	for _, body := range []map[string]string{
		{"token": svc.token(t, user)}, {"clientId": other.ClientID}, {"account": "globex"},
	} {
		if tok := body["token"]; tok != "" {
			secrets.addToken("revoked token", tok)
		}
		svc.admin(t, http.MethodPost, "/admin/revocations", body)
	}
	s.redis.Stop()
	during := postForm(svc.url+"/oauth2/token", user, clientCredentials)
	secrets.addToken("token", accessToken(during))
	_ = sendJSON(http.MethodPost, svc.adminURL+"/admin/keys", stackAdminToken,
		map[string]any{"name": "During outage", "account": "acme"})
	_ = graphql(gatewayURLs[0], "", loginMutation, loginVars(user))
	s.redis.Restart()
	waitReady(t, svc.url+"/readyz", 15*time.Second)
	svc.admin(t, http.MethodDelete, "/admin/keys/"+victim.ClientID, nil)
}

func exerciseAdmin(t *testing.T, svc *tokenService, user, other keyPair, secrets secretSet) {
	t.Helper()
	for _, path := range []string{"/admin/keys?account=acme", "/admin/keys/" + user.ClientID,
		"/admin/keys/" + user.ClientID + "/tokens", "/admin/audit?account=acme", "/metrics"} {
		svc.admin(t, http.MethodGet, path, nil)
	}
	rotated := keyAnswer(t, svc.admin(t, http.MethodPost, "/admin/keys/"+other.ClientID+"/rotate",
		map[string]int{"graceSeconds": 60}))
	secrets.addCredentials("rotated Secret ID", rotated)
	link := svc.admin(t, http.MethodPost, "/admin/console-links",
		map[string]string{"account": "acme"})
	if _, tok, ok := strings.Cut(string(link.body), "#token="); ok {
		tok, _, _ = strings.Cut(tok, `"`)
		secrets.addToken("console link token", tok)
	} else {
		t.Fatalf("console link: %d %s", link.status, link.body)
	}
	wrongAdmin := "not-the-admin-token-but-long-enough-0123456789"
	secrets.add("wrong admin token", wrongAdmin)
	_ = sendJSON(http.MethodGet, svc.adminURL+"/admin/keys", wrongAdmin, nil)
}

func exerciseOAuth(t *testing.T, svc *tokenService, gwKey, user, victim keyPair,
	secrets secretSet) {
	t.Helper()
	tok := svc.token(t, user)
	secrets.addToken("token", tok)
	post := postForm(svc.url+"/oauth2/token", keyPair{}, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {user.ClientID},
		"client_secret": {user.SecretID}, "scope": {"api"}})
	secrets.addToken("token", accessToken(post))

	guess := keyPair{ClientID: victim.ClientID, SecretID: "guessed-secret-0000-1111-2222"}
	secrets.addCredentials("wrong Secret ID", guess)
	for range 4 { // the limit is 3: the last answer is a 429
		_ = postForm(svc.url+"/oauth2/token", guess, clientCredentials)
	}
	_ = sendJSON(http.MethodGet, svc.url+"/oauth2/token?client_secret="+user.SecretID, "", nil)
	_ = postForm(svc.url+"/oauth2/token", keyPair{}, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {user.ClientID},
		"client_secret": {user.SecretID, user.SecretID}})
	req, _ := http.NewRequest(http.MethodPost, svc.url+"/oauth2/token", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(
		[]byte(user.ClientID+user.SecretID)))
	_ = postFormWith(req, clientCredentials, "")

	for _, path := range []string{"/oauth2/introspect", "/oauth2/revoke"} {
		_ = postForm(svc.url+path, gwKey, url.Values{"token": {tok}})
	}
	second := svc.token(t, user)
	secrets.addToken("token", second)
	_ = postForm(svc.url+"/oauth2/revoke", user, url.Values{"token": {second}})

	// The account REST with a keys:manage token.
	_ = sendJSON(http.MethodGet, svc.url+"/account/keys", tok, nil)
	created := keyAnswer(t, must(t, sendJSON(http.MethodPost, svc.url+"/account/keys", tok,
		map[string]any{"name": "REST key", "scopes": []string{"api"}})))
	secrets.addCredentials("account Secret ID", created)
	rotated := keyAnswer(t, must(t, sendJSON(http.MethodPost,
		svc.url+"/account/keys/"+created.ClientID+"/rotate", tok,
		map[string]int{"graceSeconds": 0})))
	secrets.addCredentials("rotated account Secret ID", rotated)
	_ = sendJSON(http.MethodDelete, svc.url+"/account/keys/"+created.ClientID, tok, nil)
	_ = sendJSON(http.MethodDelete, svc.url+"/account/token", tok, nil)
}

func exerciseGateway(t *testing.T, gw string, user keyPair, secrets secretSet) {
	t.Helper()
	login := func() string {
		tok := decodeGQL(must(t, graphql(gw, "", loginMutation, loginVars(user)))).loginToken()
		if tok == "" {
			t.Fatalf("login through %s failed", gw)
		}
		secrets.addToken("GraphQL token", tok)
		return tok
	}
	tok := login()
	for _, q := range []string{viewerQuery, `{ apiKeys { clientId name } }`} {
		_ = graphql(gw, tok, q, nil)
	}
	var created struct {
		ClientID string `json:"clientId"`
		SecretID string `json:"secretId"`
	}
	nested(decodeGQL(must(t, graphql(gw, tok, `mutation { createApiKey(input:
		{name: "GraphQL key", scopes: ["api"]}) { clientId secretId } }`, nil))),
		"createApiKey", &created)
	secrets.addCredentials("GraphQL Secret ID", keyPair(created))
	var rotated struct {
		SecretID string `json:"secretId"`
	}
	nested(decodeGQL(must(t, graphql(gw, tok, `mutation($id: ID!) { rotateApiKey(clientId: $id,
		graceSeconds: 0) { secretId } }`, map[string]any{"id": created.ClientID}))),
		"rotateApiKey", &rotated)
	secrets.add("rotated GraphQL Secret ID", rotated.SecretID)
	_ = graphql(gw, tok, `mutation($id: ID!) { deleteApiKey(clientId: $id) }`,
		map[string]any{"id": created.ClientID})
	_ = graphql(gw, login(), `mutation { logout }`, nil)

	bad := keyPair{ClientID: "no-such-client", SecretID: "gateway-guess-3333-4444-5555"}
	secrets.addCredentials("wrong Secret ID", bad)
	_ = graphql(gw, "", loginMutation, loginVars(bad))
	_ = graphql(gw, "", `mutation { login(loginInput: {clientId: "x", secretId: "`+
		bad.SecretID+`"}) { accessToken `, nil) // a parse error quoting the secret
	_ = graphql(gw, "", `mutation { login(loginInput: {clientId: "x", secretId: "`+
		bad.SecretID+`", extra: 1}) { accessToken } }`, nil) // a validation error
	_ = graphql(gw, tok+"x", viewerQuery, nil)
}
