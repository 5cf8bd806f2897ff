package gqlgateway

import (
	"net/http"
	"strings"
	"testing"
)

func TestGuardRejectionReasons(t *testing.T) {
	g, err := New(Config{ClientID: "a", ClientSecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query, want string
	}{
		{"deep query", nested(13), rejectDepth},
		{"deep fragment", "{...F} fragment F on Query {" + strings.Repeat("a{", 12) + "b" +
			strings.Repeat("}", 13), rejectDepth},
		{"bracket nesting", strings.Repeat("{", 100), rejectNesting},
		{"too many selections", "{" + strings.Repeat("__typename ", 2001) + "}", rejectSelections},
		{"fragment fan-out", fanOut(5, 10), rejectSelections},
		{"too many nodes", "{viewer(" + strings.Repeat("a:1 ", 9000) + "){name}}", rejectNodes},
		{"fragment cycle", "{...A} fragment A on Query {...B} fragment B on Query {...A}",
			rejectFragmentCycle},
		{"type definition", "type T { a: Int }", rejectNotExecutable},
		{"variable without type", "query($v:){__typename}", rejectMalformed},
		{"unknown field is validation, not the guard", "{ nope }", ""},
		{"parse error is not the guard", "{ viewer { ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rerr := g.docs.prepare(tc.query, "")
			if rerr == nil {
				t.Fatal("prepare accepted the document")
			}
			if rerr.reason != tc.want {
				t.Errorf("reason = %q (%s), want %q", rerr.reason, rerr.message, tc.want)
			}
		})
	}
}

func TestRequestLimitReasons(t *testing.T) {
	tg := startGateway(t, newFakeTokenService(t), func(c *Config) { c.MaxBodyBytes = 2048 })
	before := scrapeMetrics(t, tg.gw)
	big := []byte(`{"query":"{__typename}","x":"` + strings.Repeat("a", 3000) + `"}`)
	if a := tg.do(t, http.MethodPost, "/graphql", "", "application/json", big); a.status != 413 {
		t.Fatalf("big body: %d %s", a.status, a.raw)
	}
	deep := []byte(`{"query":"{__typename}","variables":{"v":` + strings.Repeat("[", 100) +
		strings.Repeat("]", 100) + `}}`)
	if a := tg.do(t, http.MethodPost, "/graphql", "", "application/json", deep); a.status != 400 {
		t.Fatalf("deep variables: %d %s", a.status, a.raw)
	}
	after := scrapeMetrics(t, tg.gw)
	for _, reason := range []string{rejectBodySize, rejectNesting} {
		l := map[string]string{"reason": reason}
		family := "gqlgateway_guard_rejections_total"
		if got := seriesValue(after, family, l) - seriesValue(before, family, l); got != 1 {
			t.Errorf("%s{reason=%q} moved by %v, want 1", family, reason, got)
		}
	}
}
