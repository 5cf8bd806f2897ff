package gqlgateway

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

func TestLoginSeedRequest(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("760e8193-25ad-47b5-96fd-795371234567", "s3cret:%", "Demo", "acme", "read")
	tg := startGateway(t, fake, nil)
	a := tg.post(t, "", `mutation { login(loginInput: {clientId: `+
		`"760e8193-25ad-47b5-96fd-795371234567", secretId: "s3cret:%"}) { accessToken } }`, nil)
	seed := regexp.MustCompile(`^\{"data":\{"login":\{"accessToken":"[A-Za-z0-9_.-]+"\}\}\}$`)
	if a.status != 200 || !seed.MatchString(a.raw) {
		t.Fatalf("got %d %s, want the seed response shape", a.status, a.raw)
	}
	full := tg.post(t, "", `mutation { login(loginInput: {clientId: `+
		`"760e8193-25ad-47b5-96fd-795371234567", secretId: "s3cret:%"}) `+
		`{ accessToken tokenType expiresIn scope } }`, nil)
	login, _ := full.body["data"].(map[string]any)["login"].(map[string]any)
	if login["tokenType"] != "Bearer" || login["expiresIn"] != float64(3600) ||
		login["scope"] != "read" {
		t.Errorf("full payload = %s", full.raw)
	}
}

func TestLoginFailures(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "right", "K", "acme")
	tg := startGateway(t, fake, nil)
	const q = `mutation($id:String!,$s:String!){login(loginInput:{clientId:$id,secretId:$s})` +
		`{accessToken}}`
	a := tg.post(t, "", q, map[string]any{"id": "k1", "s": "wrong"})
	if a.status != 200 || a.code() != CodeInvalidClient ||
		!strings.Contains(a.raw, `"data":{"login":null}`) {
		t.Errorf("bad secret: got %d %s", a.status, a.raw)
	}
	a = tg.post(t, "", q, map[string]any{"id": "", "s": ""})
	if a.status != 200 || a.code() != CodeInvalidClient {
		t.Errorf("empty credentials: got %d %s", a.status, a.raw)
	}
	fake.down.Store(true)
	a = tg.post(t, "", q, map[string]any{"id": "k1", "s": "right"})
	if a.status != 503 || a.code() != CodeServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Errorf("token service down: got %d %s", a.status, a.raw)
	}
	fake.down.Store(false)
	a = tg.post(t, "", q, map[string]any{"id": "k1", "s": "right"})
	if a.status != 200 || a.code() != "" {
		t.Errorf("after recovery: got %d %s", a.status, a.raw)
	}
}

func TestViewer(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "CI robot", "acme", "read", "keys:manage")
	tg := startGateway(t, fake, nil)
	a := tg.post(t, "Bearer "+fake.issue("k1"),
		"{viewer{clientId name account scopes expiresAt}}", nil)
	v, _ := a.body["data"].(map[string]any)["viewer"].(map[string]any)
	if a.status != 200 || v["clientId"] != "k1" || v["name"] != "CI robot" ||
		v["account"] != "acme" || fmt.Sprint(v["scopes"]) != "[read keys:manage]" {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
	rfc3339 := regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`)
	if exp, _ := v["expiresAt"].(string); !rfc3339.MatchString(exp) {
		t.Errorf("expiresAt = %q, want RFC 3339", exp)
	}
}

func TestKeyOperations(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("admin-acme", "s", "Admin", "acme", "keys:manage", "read")
	fake.addKey("other-key", "s", "Other", "globex", "keys:manage")
	tg := startGateway(t, fake, nil)
	tok := "Bearer " + fake.issue("admin-acme")

	a := tg.post(t, tok, `mutation{createApiKey(input:{name:"ci",scopes:["read"]})`+
		`{clientId name account scopes secretId lastUsedAt}}`, nil)
	created, _ := a.body["data"].(map[string]any)["createApiKey"].(map[string]any)
	id, _ := created["clientId"].(string)
	if a.status != 200 || id == "" || created["secretId"] == "" || created["account"] != "acme" {
		t.Fatalf("createApiKey: %d %s", a.status, a.raw)
	}
	a = tg.post(t, tok, "{apiKeys{clientId account}}", nil)
	if a.status != 200 || !strings.Contains(a.raw, id) || strings.Contains(a.raw, "globex") {
		t.Fatalf("apiKeys: %d %s", a.status, a.raw)
	}
	if strings.Contains(a.raw, "secretId") {
		t.Errorf("apiKeys shows a secret: %s", a.raw)
	}
	a = tg.post(t, tok, fmt.Sprintf(`mutation{rotateApiKey(clientId:%q,graceSeconds:60)`+
		`{clientId secretId}}`, id), nil)
	if a.status != 200 || !strings.Contains(a.raw, `"secretId":"`) {
		t.Fatalf("rotateApiKey: %d %s", a.status, a.raw)
	}
	a = tg.post(t, tok, `mutation{deleteApiKey(clientId:"other-key")}`, nil)
	if a.code() != CodeNotFound || !strings.Contains(a.raw, `"data":null`) {
		t.Errorf("deleting another account's key: %d %s", a.status, a.raw)
	}
	a = tg.post(t, tok, `mutation{createApiKey(input:{name:"",scopes:[]}){clientId}}`, nil)
	if a.code() != CodeBadUserInput || !strings.Contains(a.raw, "name must be") {
		t.Errorf("invalid name: %d %s", a.status, a.raw)
	}
	a = tg.post(t, tok, fmt.Sprintf(`mutation{deleteApiKey(clientId:%q)}`, id), nil)
	if a.status != 200 || a.raw != `{"data":{"deleteApiKey":true}}` {
		t.Errorf("deleteApiKey: %d %s", a.status, a.raw)
	}
}

func TestLogoutRevokesTheTokenAtOnce(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "K", "acme")
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	tok := fake.issue("k1")
	if a := tg.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
		t.Fatalf("viewer before logout: %d %s", a.status, a.raw)
	}
	if a := tg.post(t, tok, "mutation{logout}", nil); a.raw != `{"data":{"logout":true}}` {
		t.Fatalf("logout: %d %s", a.status, a.raw)
	}
	if a := tg.post(t, tok, "{viewer{name}}", nil); a.status != 401 {
		t.Errorf("viewer after logout: %d %s", a.status, a.raw)
	}
}

func TestAddedProtectedFields(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "Robot", "acme", "greet")
	fake.addKey("k2", "s", "Mute", "acme")
	greeting := &graphql.Field{
		Type: graphql.NewNonNull(graphql.String),
		Resolve: func(p graphql.ResolveParams) (any, error) {
			id, ok := IdentityFrom(p.Context)
			if !ok {
				return nil, errors.New("no identity")
			}
			return fmt.Sprintf("hello %s of %s (%s)", id.Name, id.Account, id.ClientID), nil
		},
	}
	failing := &graphql.Field{
		Type: graphql.String,
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return nil, errors.New("db password is hunter2")
		},
	}
	tg := startGateway(t, fake, func(c *Config) {
		c.QueryFields = []ProtectedField{
			{Name: "greeting", Field: greeting, Scopes: []string{"greet"}},
			{Name: "failing", Field: failing},
		}
	})
	a := tg.post(t, fake.issue("k1"), "{greeting}", nil)
	if a.raw != `{"data":{"greeting":"hello Robot of acme (k1)"}}` {
		t.Errorf("greeting: %d %s", a.status, a.raw)
	}
	if a := tg.post(t, fake.issue("k2"), "{greeting}", nil); a.status != 403 {
		t.Errorf("greeting without its scope: %d %s", a.status, a.raw)
	}
	if a := tg.post(t, "", "{greeting}", nil); a.status != 401 {
		t.Errorf("greeting without a token: %d %s", a.status, a.raw)
	}
	a = tg.post(t, fake.issue("k2"), "{failing}", nil)
	if strings.Contains(a.raw, "hunter2") || a.code() != CodeInternal {
		t.Errorf("a raw resolver error reached the client: %s", a.raw)
	}
}

func TestAddedFieldsAreChecked(t *testing.T) {
	f := &graphql.Field{Type: graphql.String}
	for _, pf := range []ProtectedField{
		{Name: "viewer", Field: f}, {Name: "login", Field: f}, {Name: "bad name", Field: f},
		{Name: "__secret", Field: f}, {Name: "noField"},
	} {
		_, err := New(Config{ClientID: "a", ClientSecret: "b", QueryFields: []ProtectedField{pf}})
		if !errors.Is(err, ErrConfig) {
			t.Errorf("New with field %q = %v, want ErrConfig", pf.Name, err)
		}
	}
	if _, err := New(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("New without credentials = %v, want ErrConfig", err)
	}
}
