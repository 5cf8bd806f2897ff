package gqlgateway

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"
)

// orderedCase is a result as graphql-go returns it, with its query.
type orderedCase struct {
	name  string
	query string
	data  map[string]any
}

func orderedCases() []orderedCase {
	viewer := map[string]any{"viewer": map[string]any{"clientId": "k1", "name": "Bench",
		"account": "acme", "scopes": []any{"read"}, "expiresAt": "2026-01-02T03:04:05Z"}}
	keys := make([]any, 50)
	for i := range keys {
		keys[i] = map[string]any{"clientId": fmt.Sprintf("key-%03d", i), "name": "CI runner",
			"account": "acme", "scopes": []any{"api", "keys:manage"},
			"createdAt": "2026-01-02T03:04:05Z", "lastUsedAt": nil}
	}
	return []orderedCase{
		{"viewer", "query Me { viewer { clientId name account scopes expiresAt } }", viewer},
		{"apiKeys50", "{ apiKeys { clientId name account scopes createdAt lastUsedAt } }",
			map[string]any{"apiKeys": keys}},
	}
}

func orderOf(b *testing.B, query string) *fieldOrder {
	b.Helper()
	doc, err := parser.Parse(parser.ParseParams{Source: query})
	if err != nil {
		b.Fatal(err)
	}
	return newOrder(doc, doc.Definitions[0].(*ast.OperationDefinition))
}

// BenchmarkEncodeData compares the encoding of "data" before (encoding/json
// of the maps, members sorted by name) and after (members in query order).
func BenchmarkEncodeData(b *testing.B) {
	for _, c := range orderedCases() {
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(executedBody{Data: c.data}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/query-order", func(b *testing.B) {
			o := orderOf(b, c.query)
			b.ReportAllocs()
			for b.Loop() {
				bp, err := encodeExecuted(nil, c.data, o)
				if err != nil {
					b.Fatal(err)
				}
				releaseBuffer(bp)
			}
		})
	}
}

// BenchmarkBuildOrder is the one-off cost of an order, paid when a document
// is prepared (or per request when @skip or @include are used).
func BenchmarkBuildOrder(b *testing.B) {
	doc, err := parser.Parse(parser.ParseParams{Source: orderedCases()[1].query})
	if err != nil {
		b.Fatal(err)
	}
	op := doc.Definitions[0].(*ast.OperationDefinition)
	b.ReportAllocs()
	for b.Loop() {
		newOrder(doc, op)
	}
}
