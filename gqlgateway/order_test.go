package gqlgateway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

// matrixField is a protected field whose value is a list of lists of
// objects, for the ordering of nested lists.
func matrixField() ProtectedField {
	cell := graphql.NewObject(graphql.ObjectConfig{
		Name: "Cell",
		Fields: graphql.Fields{
			"row":   {Type: graphql.Int},
			"col":   {Type: graphql.Int},
			"label": {Type: graphql.String},
			"ratio": {Type: graphql.Float},
		},
	})
	return ProtectedField{Name: "matrix", Field: &graphql.Field{
		Type: graphql.NewList(graphql.NewList(cell)),
		Resolve: func(graphql.ResolveParams) (any, error) {
			return [][]any{
				{map[string]any{"row": 0, "col": 0, "label": "<a&b>", "ratio": 0.5},
					nil},
				{map[string]any{"row": 1, "col": 0, "label": "é\u2028", "ratio": 1e21}},
			}, nil
		},
	}}
}

func TestResponseKeepsSelectionOrder(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "Robot", "acme", "read", "keys:manage")
	fake.addKey("k2", "s", "Second", "acme", "read")
	tg := startGateway(t, fake, func(c *Config) {
		c.QueryFields = []ProtectedField{matrixField()}
	})
	tok := fake.issue("k1")
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{name: "reverse alphabetical fields", query: "{ viewer { name clientId account } }",
			want: `{"viewer":{"name":"Robot","clientId":"k1","account":"acme"}}`},
		{name: "aliases", query: "{ z: __typename viewer { who: name a: clientId } }",
			want: `{"z":"Query","viewer":{"who":"Robot","a":"k1"}}`},
		{name: "__typename inside an object",
			query: "{ viewer { name __typename } __typename }",
			want:  `{"viewer":{"name":"Robot","__typename":"Viewer"},"__typename":"Query"}`},
		{name: "fragment spread in place",
			query: "{ viewer { account ...V name } } fragment V on Viewer { name clientId }",
			want:  `{"viewer":{"account":"acme","name":"Robot","clientId":"k1"}}`},
		{name: "inline fragment and repeated fragment",
			query: "{ viewer { ... on Viewer { scopes } ...V clientId ...V } }" +
				" fragment V on Viewer { name }",
			want: `{"viewer":{"scopes":["read","keys:manage"],"name":"Robot","clientId":"k1"}}`},
		{name: "merged selections of one response key",
			query: "{ viewer { name } a: __typename viewer { clientId name } }",
			want:  `{"viewer":{"name":"Robot","clientId":"k1"},"a":"Query"}`},
		{name: "list of objects", query: "{ apiKeys { scopes name } }",
			want: `{"apiKeys":[{"scopes":["read","keys:manage"],"name":"Robot"},` +
				`{"scopes":["read"],"name":"Second"}]}`},
		{name: "nested lists", query: "{ matrix { label ratio col row } }",
			want: `{"matrix":[[{"label":"\u003ca\u0026b\u003e","ratio":0.5,"col":0,"row":0},` +
				`null],[{"label":"é\u2028","ratio":1e+21,"col":0,"row":1}]]}`},
		{name: "skipped first occurrence",
			query: "query($s: Boolean!) { viewer { clientId @skip(if: $s) name clientId } }",
			vars:  map[string]any{"s": true},
			want:  `{"viewer":{"name":"Robot","clientId":"k1"}}`},
		{name: "kept first occurrence",
			query: "query($s: Boolean!) { viewer { clientId @skip(if: $s) name clientId } }",
			vars:  map[string]any{"s": false},
			want:  `{"viewer":{"clientId":"k1","name":"Robot"}}`},
		{name: "include from a default and a skipped fragment",
			query: "query($i: Boolean = false) { viewer { account @include(if: $i) " +
				"...V @skip(if: true) name account } } fragment V on Viewer { clientId }",
			want: `{"viewer":{"name":"Robot","account":"acme"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tg.post(t, tok, tc.query, tc.vars)
			if want := `{"data":` + tc.want + `}`; a.status != 200 || a.raw != want {
				t.Errorf("got %d %s\nwant %s", a.status, a.raw, want)
			}
		})
	}
}

func TestResponseOrderWithErrors(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "right", "K", "acme")
	tg := startGateway(t, fake, nil)
	a := tg.post(t, "", `mutation { b: __typename login(loginInput: {clientId: "k1", `+
		`secretId: "wrong"}) { scope } a: __typename }`, nil)
	if !strings.HasPrefix(a.raw, `{"errors":[`) ||
		!strings.HasSuffix(a.raw, `,"data":{"b":"Mutation","login":null,"a":"Mutation"}}`) {
		t.Errorf("got %s, want errors first, then data in query order", a.raw)
	}
}

func TestAppendObjectWithoutOrder(t *testing.T) {
	tests := []struct {
		name  string
		value any
		order *fieldOrder
		want  string
	}{
		{name: "no order: names sorted", value: map[string]any{"b": 1, "a": true},
			want: `{"a":true,"b":1}`},
		{name: "unknown members follow, sorted",
			value: map[string]any{"z": nil, "y": "v", "x": []any{1}},
			order: &fieldOrder{keys: []string{"y"}}, want: `{"y":"v","x":[1],"z":null}`},
		{name: "custom scalar", value: map[string]any{"t": struct {
			N int `json:"n"`
		}{7}}, want: `{"t":{"n":7}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendOrdered(nil, tc.value, tc.order)
			if err != nil || string(got) != tc.want {
				t.Errorf("appendOrdered = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
	if _, err := appendOrdered(nil, map[string]any{"f": func() {}}, nil); err == nil {
		t.Error("appendOrdered accepted a value JSON cannot hold")
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "<script>&amp;",
		"tab\tnew\nline\rret", "\x00\x01\x1f\x7f", "é日本\U0001F600", "bad \xff\xfe utf8",
		"\u2028\u2029", "truncated \xe2\x82"} {
		got := appendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q encodes to invalid JSON %s: %v", s, got, err)
			continue
		}
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q round-trips to %q, encoding/json to %q", s, back, wantBack)
		}
		if strings.ContainsAny(string(got), "<>&\u2028\u2029") {
			t.Errorf("%q encodes to %s, which leaves HTML or line separators unescaped", s, got)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<\u2028>", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s", s, got)
		}
		json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("%q decodes back as %q, encoding/json's as %q", s, a, b)
		}
	})
}

// FuzzOrderedEncoding executes any query the pipeline accepts (queries
// only: no login reaches the network) and checks that the answer in query
// order holds exactly what encoding/json writes of the same result.
func FuzzOrderedEncoding(f *testing.F) {
	for _, seed := range []string{
		"{ __typename a: __typename }",
		"{ viewer { name } b: __typename }",
		"{ ...F __typename } fragment F on Query { z: __typename }",
		"query($s: Boolean = true) { a: __typename @skip(if: $s) b: __typename }",
		"{ __schema { queryType { name fields { name args { name } } } } }",
		`{ __type(name: "Viewer") { fields { name type { kind ofType { name } } } } }`,
	} {
		f.Add(seed)
	}
	g, err := New(Config{ClientID: "a", ClientSecret: "b"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 16<<10 {
			return
		}
		d, rerr := g.docs.prepare(query, "")
		if rerr != nil || d.mutation {
			return
		}
		res := graphql.Execute(graphql.ExecuteParams{Schema: g.schema, AST: d.ast,
			Context: t.Context()})
		order := d.order
		if order == nil {
			order = requestOrder(d.ast, d.op, nil)
		}
		bp, err := encodeExecuted(nil, res.Data, order)
		if err != nil {
			t.Fatalf("encoding: %v", err)
		}
		defer releaseBuffer(bp)
		want, err := json.Marshal(res.Data)
		if err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		var got struct{ Data any }
		var plain any
		if err := json.Unmarshal(*bp, &got); err != nil {
			t.Fatalf("ordered answer is not JSON: %v\n%s", err, *bp)
		}
		json.Unmarshal(want, &plain)
		if !reflect.DeepEqual(got.Data, plain) {
			t.Fatalf("ordered answer differs:\n%s\nencoding/json:\n%s", *bp, want)
		}
	})
}
