package gqlgateway

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/graphql-go/graphql/language/parser"
)

var testLimits = limits{maxDepth: 12, maxFields: 2000, maxNodes: 8000}

// nested returns a query whose deepest field sits at depth n.
func nested(n int) string {
	return "{" + strings.Repeat("a{", n-1) + "b" + strings.Repeat("}", n-1) + "}"
}

// fanOut returns fragments where each spreads the next one `width` times
// with distinct aliases, so the expansion grows as width^levels.
func fanOut(levels, width int) string {
	var b strings.Builder
	b.WriteString("{...F0}")
	for l := 0; l < levels; l++ {
		fmt.Fprintf(&b, "fragment F%d on Query{", l)
		for w := 0; w < width; w++ {
			if l == levels-1 {
				fmt.Fprintf(&b, "x%d:__typename ", w)
			} else {
				fmt.Fprintf(&b, "...F%d ", l+1)
			}
		}
		b.WriteString("}")
	}
	return b.String()
}

func TestGuardDocument(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		wantErr error // nil: accepted
	}{
		{name: "plain query", query: "{ viewer { clientId scopes } }"},
		{name: "depth at the limit", query: nested(12)},
		{name: "depth over the limit", query: nested(13), wantErr: errTooComplex},
		{name: "72-byte fragment cycle",
			query:   "query{...A}fragment A on Query{...B}fragment B on Query{...A}",
			wantErr: errFragmentCycle},
		{name: "fragment spreading itself",
			query: "{...A} fragment A on Query{...A}", wantErr: errFragmentCycle},
		{name: "cycle below a field", query: "{viewer{...V}} fragment V on Viewer{...W} " +
			"fragment W on Viewer{clientId ...V}", wantErr: errFragmentCycle},
		{name: "unused fragments in a cycle", query: "{__typename} " +
			"fragment A on Query{...B} fragment B on Query{...C} fragment C on Query{...A}",
			wantErr: errFragmentCycle},
		{name: "fragments add their depth", query: "{a{a{a{a{a{a{a{...F}}}}}}}} " +
			"fragment F on X{a{a{a{a{a{b}}}}}}", wantErr: errTooComplex},
		{name: "fragments within the depth", query: "{a{a{...F}}} fragment F on X{a{b}}"},
		{name: "introspection depth counts", query: "{__schema{types{fields{type{ofType{" +
			"ofType{ofType{ofType{ofType{ofType{ofType{ofType{name}}}}}}}}}}}}}",
			wantErr: errTooComplex},
		{name: "4,000-field flood", query: "{" + strings.Repeat("__typename ", 4000) + "}",
			wantErr: errTooComplex},
		{name: "alias flood", query: "{" + strings.Repeat("a:__typename ", 2500) + "}",
			wantErr: errTooComplex},
		{name: "fragment fan-out", query: fanOut(5, 10), wantErr: errTooComplex},
		{name: "small fragment fan-out", query: fanOut(2, 10)},
		{name: "argument flood", query: "{viewer" + "(" +
			strings.Repeat("a:1 ", 9000) + "){clientId}}", wantErr: errTooComplex},
		{name: "huge list literal", query: "{a(x:[" + strings.Repeat("1,", 9000) + "])}",
			wantErr: errTooComplex},
		{name: "directive flood", query: "{__typename" +
			strings.Repeat(" @skip(if:false)", 5000) + "}", wantErr: errTooComplex},
		{name: "type definitions are refused", query: "type Foo { a: Int }",
			wantErr: errNotExecutable},
		{name: "variable without a type (crashes graphql-go's validation)",
			query: "query($A:){A}", wantErr: errMalformed},
		{name: "variable with an empty non-null type", query: "query($A:!){A}",
			wantErr: errMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.Parse(parser.ParseParams{Source: tc.query})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			start := time.Now()
			err = guardDocument(doc, testLimits)
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("guard took %v", d)
			}
			if tc.wantErr == nil && err != nil {
				t.Fatalf("guard refused a fine document: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("guard = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestGuardRefusesDuplicateFragments(t *testing.T) {
	doc, err := parser.Parse(parser.ParseParams{
		Source: "{...A} fragment A on Query{__typename} fragment A on Query{...A}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := guardDocument(doc, testLimits); err == nil {
		t.Fatal("guard accepted two fragments with one name")
	}
}

func TestCheckFieldsMerge(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		wantErr bool
	}{
		{name: "same field twice", query: "{viewer{clientId} viewer{name}}"},
		{name: "same alias same field", query: "{a:viewer{clientId} a:viewer{clientId}}"},
		{name: "alias on two fields", query: "{a:viewer{clientId} a:apiKeys{clientId}}",
			wantErr: true},
		{name: "same arguments in another order",
			query: `mutation{r:rotateApiKey(clientId:"x",graceSeconds:1){name} ` +
				`r:rotateApiKey(graceSeconds:1,clientId:"x"){name}}`},
		{name: "differing arguments", query: `mutation{r:rotateApiKey(clientId:"x"){name} ` +
			`r:rotateApiKey(clientId:"y"){name}}`, wantErr: true},
		{name: "conflict nested under merged fields",
			query: "{viewer{c:clientId} viewer{c:name}}", wantErr: true},
		{name: "conflict through a fragment",
			query:   "{a:viewer{clientId} ...F} fragment F on Query{a:apiKeys{clientId}}",
			wantErr: true},
		{name: "conflict through an inline fragment",
			query: "{a:viewer{clientId} ... on Query{a:apiKeys{clientId}}}", wantErr: true},
		{name: "variables versus literals",
			query: `mutation($id:ID!){d:deleteApiKey(clientId:$id)` +
				` d:deleteApiKey(clientId:"x")}`, wantErr: true},
		{name: "equal list and object literals",
			query: `{a(x:[1,{b:"c"}]) a(x:[1,{b:"c"}])}`},
		{name: "different list literals", query: `{a(x:[1,2]) a(x:[1,3])}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.Parse(parser.ParseParams{Source: tc.query})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = checkFieldsMerge(doc)
			if (err != nil) != tc.wantErr {
				t.Fatalf("checkFieldsMerge = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestCheckFieldsMergeIsLinear(t *testing.T) {
	// graphql-go's own rule compares the 1,000 same-named fields pairwise,
	// printing arguments each time; this took over 20 seconds.
	q := "mutation{" + strings.Repeat(
		`a:login(loginInput:{clientId:"x",secretId:"y"}){accessToken} `, 1000) + "}"
	doc, err := parser.Parse(parser.ParseParams{Source: q})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := checkFieldsMerge(doc); err != nil {
		t.Fatalf("checkFieldsMerge: %v", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("checkFieldsMerge took %v", d)
	}
}
