package gqlgateway

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckNesting(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("{a", n) + strings.Repeat("}", n) }
	tests := []struct {
		name    string
		src     string
		max     int
		wantErr bool
	}{
		{name: "flat query", src: "{ viewer { clientId } }", max: 2},
		{name: "one level too deep", src: "{ viewer { clientId } }", max: 1, wantErr: true},
		{name: "10,000 deep braces", src: deep(10000), max: 40, wantErr: true},
		{name: "deep list in an argument", src: "{a(x:" + strings.Repeat("[", 5000) + "1" +
			strings.Repeat("]", 5000) + ")}", max: 40, wantErr: true},
		{name: "deep input object", src: "{a(x:" + strings.Repeat("{b:", 100) + "1" +
			strings.Repeat("}", 100) + ")}", max: 40, wantErr: true},
		{name: "deep list type of a variable", src: "query($v:" + strings.Repeat("[", 100) +
			"Int" + strings.Repeat("]", 100) + "){a}", max: 40, wantErr: true},
		{name: "parentheses count too", src: "{a(" + strings.Repeat("(", 50) + ")}", max: 40,
			wantErr: true},
		{name: "braces in a string do not count",
			src: `{a(x:"` + strings.Repeat("{", 500) + `")}`, max: 3},
		{name: "escaped quote keeps the string open",
			src: `{a(x:"\"` + strings.Repeat("{", 500) + `")}`, max: 3},
		{name: "braces in a block string do not count",
			src: `{a(x:"""` + strings.Repeat("{", 500) + `""")}`, max: 3},
		{name: "escaped triple quote keeps the block string open",
			src: `{a(x:"""\"""` + strings.Repeat("[", 500) + `""")}`, max: 3},
		{name: "braces in a comment do not count",
			src: "{a # " + strings.Repeat("{", 500) + "\n}", max: 3},
		{name: "a comment ends at a carriage return",
			src: "{a # x\r" + strings.Repeat("{", 50) + "}", max: 40, wantErr: true},
		{name: "a newline ends an unterminated string",
			src: "{a(x:\"open\n" + strings.Repeat("{", 50) + ")}", max: 40, wantErr: true},
		{name: "stray closers do not lower the count below zero",
			src: strings.Repeat("}", 100) + deep(41), max: 40, wantErr: true},
		{name: "empty document", src: "", max: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkNesting(tc.src, tc.max)
			if (err != nil) != tc.wantErr {
				t.Fatalf("checkNesting = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, errTooComplex) {
				t.Errorf("error %v does not wrap errTooComplex", err)
			}
		})
	}
}

func TestCheckNestingIsLinear(t *testing.T) {
	src := strings.Repeat(`{a(x:"""\"""""") # {{{`+"\n}", 20000)
	start := time.Now()
	if err := checkNesting(src, 40); err != nil {
		t.Fatalf("checkNesting: %v", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("scanning %d bytes took %v", len(src), d)
	}
}
