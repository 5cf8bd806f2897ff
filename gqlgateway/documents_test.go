package gqlgateway

import (
	"net/http"
	"slices"
	"testing"
)

func newTestGatewayNoIO(t *testing.T, tweak func(*Config)) *Gateway {
	t.Helper()
	cfg := Config{TokenServiceURL: "http://127.0.0.1:1", ClientID: "gw", ClientSecret: "s"}
	if tweak != nil {
		tweak(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestDocumentCacheHitSkipsParseAndValidation(t *testing.T) {
	g := newTestGatewayNoIO(t, nil)
	const q = "query Me { viewer { clientId } }"
	for i := 0; i < 5; i++ {
		if _, rerr := g.docs.get(q, ""); rerr != nil {
			t.Fatalf("get: %v", rerr)
		}
	}
	if n := g.docs.prepared.Load(); n != 1 {
		t.Errorf("5 identical requests prepared the document %d times, want 1", n)
	}
	if _, rerr := g.docs.get(q, "Me"); rerr != nil {
		t.Fatalf("get with operation name: %v", rerr)
	}
	if n := g.docs.prepared.Load(); n != 2 {
		t.Errorf("another operation name prepared %d documents in all, want 2", n)
	}
}

func TestDocumentCacheIsBounded(t *testing.T) {
	g := newTestGatewayNoIO(t, func(c *Config) { c.DocumentCacheSize = 2 })
	for _, q := range []string{"{__typename}", "{ __typename }", "{  __typename }"} {
		if _, rerr := g.docs.get(q, ""); rerr != nil {
			t.Fatal(rerr)
		}
	}
	if n := g.docs.docs.len(); n != 2 {
		t.Errorf("cache holds %d documents, want 2", n)
	}
	g.docs.get("{__typename}", "") // evicted first, so prepared again
	if n := g.docs.prepared.Load(); n != 4 {
		t.Errorf("prepared %d times, want 4", n)
	}
}

func TestDocumentCacheDoesNotKeepInvalidDocuments(t *testing.T) {
	g := newTestGatewayNoIO(t, nil)
	for i := 0; i < 2; i++ {
		if _, rerr := g.docs.get("{ nope }", ""); rerr == nil || rerr.status != 400 {
			t.Fatalf("get(invalid) = %v, want a 400", rerr)
		}
	}
	if n := g.docs.docs.len(); n != 0 {
		t.Errorf("cache holds %d documents after invalid ones", n)
	}
}

func TestDocumentRootFieldsAndAccess(t *testing.T) {
	g := newTestGatewayNoIO(t, nil)
	tests := []struct {
		name          string
		query, opName string
		wantFields    []string
		wantMutation  bool
		wantProtected bool
		wantScopes    []string
	}{
		{name: "public login", query: `mutation{login(loginInput:{clientId:"a",secretId:"b"})` +
			`{accessToken}}`, wantFields: []string{"login"}, wantMutation: true},
		{name: "viewer needs a token", query: "{viewer{clientId}}",
			wantFields: []string{"viewer"}, wantProtected: true},
		{name: "introspection is public", query: "{__schema{queryType{name}} __typename}",
			wantFields: []string{"__schema", "__typename"}},
		{name: "protected field hidden in a fragment",
			query:      "{__typename ...F} fragment F on Query{... on Query{apiKeys{name}}}",
			wantFields: []string{"__typename", "apiKeys"}, wantProtected: true,
			wantScopes: []string{ScopeKeysManage}},
		{name: "skipped field still counts",
			query:      "{viewer @skip(if: true){clientId} __typename}",
			wantFields: []string{"viewer", "__typename"}, wantProtected: true},
		{name: "login with logout needs a token", wantMutation: true,
			query:      `mutation{logout login(loginInput:{clientId:"a",secretId:"b"}){scope}}`,
			wantFields: []string{"logout", "login"}, wantProtected: true},
		{name: "operation chosen by name", opName: "B",
			query:      "query A{__typename} query B{viewer{name}}",
			wantFields: []string{"viewer"}, wantProtected: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, rerr := g.docs.get(tc.query, tc.opName)
			if rerr != nil {
				t.Fatalf("get: %v", rerr)
			}
			if !slices.Equal(d.rootFields, tc.wantFields) || d.mutation != tc.wantMutation ||
				d.protected != tc.wantProtected || !slices.Equal(d.scopes, tc.wantScopes) {
				t.Errorf("document = fields %v mutation %v protected %v scopes %v; "+
					"want %v %v %v %v", d.rootFields, d.mutation, d.protected, d.scopes,
					tc.wantFields, tc.wantMutation, tc.wantProtected, tc.wantScopes)
			}
		})
	}
}

func TestDocumentOperationChoiceErrors(t *testing.T) {
	g := newTestGatewayNoIO(t, nil)
	tests := []struct {
		name, query, opName string
	}{
		{name: "several operations without a name",
			query: "query A{__typename} query B{__typename}"},
		{name: "unknown operation name", query: "query A{__typename}", opName: "Z"},
		{name: "subscription", query: "subscription{__typename}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rerr := g.docs.get(tc.query, tc.opName)
			if rerr == nil || rerr.status != http.StatusBadRequest {
				t.Fatalf("get = %v, want 400", rerr)
			}
		})
	}
}

func TestValidationErrorLocationsAreRealLines(t *testing.T) {
	g := newTestGatewayNoIO(t, nil)
	_, rerr := g.docs.get("{\n  __typename\n  nope\n}", "")
	if rerr == nil || len(rerr.details) == 0 || len(rerr.details[0].Locations) == 0 {
		t.Fatalf("get = %+v, want a located validation error", rerr)
	}
	if loc := rerr.details[0].Locations[0]; loc.Line != 3 || loc.Column != 3 {
		t.Errorf("location = %+v, want line 3 column 3", loc)
	}
}
