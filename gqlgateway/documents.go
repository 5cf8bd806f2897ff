package gqlgateway

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

// maxReportedErrors bounds the validation errors sent back, so a document
// full of mistakes does not turn into a huge answer.
const maxReportedErrors = 20

// document is a parsed, guarded and validated request document with the
// operation chosen, ready to execute as often as it is sent again.
type document struct {
	ast      *ast.Document
	opName   string
	mutation bool
	// rootFields are the names of the root fields the operation selects,
	// fragments expanded, for the authentication decision.
	rootFields []string
	// protected is true when any root field needs a valid token, and scopes
	// lists every scope the selected fields need.
	protected bool
	scopes    []string
	// op is the chosen operation; order is the order of its response keys,
	// nil when @skip or @include make it depend on the variables.
	op    *ast.OperationDefinition
	order *fieldOrder
}

type docKey struct{ query, opName string }

// documentCache keeps valid documents by query text and operation name, so
// a repeated query pays neither parse nor validation again.
type documentCache struct {
	schema *graphql.Schema
	lim    limits
	// nesting bounds bracket nesting before the parser runs.
	nesting int
	access  *accessRules
	rules   []graphql.ValidationRuleFn

	mu   sync.Mutex
	docs *lru[docKey, *document]
	// prepared counts documents parsed and validated (cache misses that got
	// as far as the parser), for tests and metrics.
	prepared atomic.Int64
}

// get returns the document for a request, preparing and caching it on a
// miss. Failures are request errors with status 400.
func (c *documentCache) get(query, opName string) (*document, *requestError) {
	key := docKey{query, opName}
	c.mu.Lock()
	d, ok := c.docs.get(key)
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d, rerr := c.prepare(query, opName)
	if rerr != nil {
		return nil, rerr
	}
	c.mu.Lock()
	c.docs.add(key, d)
	c.mu.Unlock()
	return d, nil
}

// prepare runs the steps in their safe order: bracket pre-scan, parse,
// guard, validate, operation choice.
func (c *documentCache) prepare(query, opName string) (*document, *requestError) {
	if err := checkNesting(query, c.nesting); err != nil {
		return nil, reqErr(http.StatusBadRequest, CodeTooComplex, "%s", limitMessage(err)).
			because(rejectNesting)
	}
	c.prepared.Add(1)
	doc, err := parser.Parse(parser.ParseParams{
		Source:  source.NewSource(&source.Source{Body: []byte(query), Name: "GraphQL request"}),
		Options: parser.ParseOptions{NoSource: true},
	})
	if err != nil {
		return nil, parseError(err)
	}
	if err := guardDocument(doc, c.lim); err != nil {
		code := CodeValidationFailed
		if errors.Is(err, errTooComplex) {
			code = CodeTooComplex
		}
		return nil, reqErr(http.StatusBadRequest, code, "%s", limitMessage(err)).
			because(guardReason(err))
	}
	if err := checkFieldsMerge(doc); err != nil {
		return nil, reqErr(http.StatusBadRequest, CodeValidationFailed, "%s", err.Error())
	}
	if errs, ok := c.validate(doc); !ok {
		return nil, validationError(query, errs)
	}
	return c.choose(doc, opName)
}

// validate runs graphql-go's validation. The guard keeps known crashes out;
// should another malformed document still make it panic, the request gets a
// 400 instead of a dropped connection.
func (c *documentCache) validate(doc *ast.Document) (errs []gqlerrors.FormattedError,
	ok bool) {
	defer func() {
		if r := recover(); r != nil {
			errs = []gqlerrors.FormattedError{{Message: "the query could not be validated"}}
			ok = false
		}
	}()
	res := graphql.ValidateDocument(c.schema, doc, c.rules)
	return res.Errors, res.IsValid
}

// choose picks the operation to run, as GraphQL §6.1 says: by name, or the
// only one when no name is given; then records what the auth step needs.
func (c *documentCache) choose(doc *ast.Document, opName string) (*document, *requestError) {
	var op *ast.OperationDefinition
	for _, def := range doc.Definitions {
		o, ok := def.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		if opName == "" && op != nil {
			return nil, reqErr(http.StatusBadRequest, CodeBadRequest,
				"operationName is required when the document has several operations")
		}
		if opName == "" || nameOf(o.Name) == opName {
			op = o
		}
	}
	if op == nil {
		return nil, reqErr(http.StatusBadRequest, CodeBadRequest,
			"the document has no operation named %q", opName)
	}
	d := &document{ast: doc, opName: opName, rootFields: rootFields(op, doc), op: op,
		order: newOrder(doc, op)}
	switch op.Operation {
	case ast.OperationTypeQuery:
	case ast.OperationTypeMutation:
		d.mutation = true
	default:
		return nil, reqErr(http.StatusBadRequest, CodeBadRequest,
			"%s operations are not supported", op.Operation)
	}
	d.protected, d.scopes = c.access.decide(d.mutation, d.rootFields)
	return d, nil
}

// rootFields lists the distinct field names an operation selects at its
// root, through inline fragments and fragment spreads. Directives such as
// @skip are ignored on purpose: a field that might run counts as selected.
func rootFields(op *ast.OperationDefinition, doc *ast.Document) []string {
	frags := make(map[string]*ast.FragmentDefinition)
	for _, def := range doc.Definitions {
		if f, ok := def.(*ast.FragmentDefinition); ok {
			frags[nameOf(f.Name)] = f
		}
	}
	var names []string
	seenName := make(map[string]bool)
	seenFrag := make(map[string]bool)
	stack := []*ast.SelectionSet{op.SelectionSet}
	for len(stack) > 0 {
		set := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if set == nil {
			continue
		}
		for _, sel := range set.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				if n := nameOf(s.Name); !seenName[n] {
					seenName[n] = true
					names = append(names, n)
				}
			case *ast.InlineFragment:
				stack = append(stack, s.SelectionSet)
			case *ast.FragmentSpread:
				n := nameOf(s.Name)
				if f, ok := frags[n]; ok && !seenFrag[n] {
					seenFrag[n] = true
					stack = append(stack, f.SelectionSet)
				}
			}
		}
	}
	return names
}

func parseError(err error) *requestError {
	msg := gqlerrors.FormatError(err).Message
	// graphql-go appends an excerpt of the source after a blank line; the
	// first line names the position and the problem, which is enough.
	msg, _, _ = strings.Cut(msg, "\n")
	return reqErr(http.StatusBadRequest, CodeParseFailed, "%s", truncate(msg, 300))
}

func validationError(query string, errs []gqlerrors.FormattedError) *requestError {
	rerr := reqErr(http.StatusBadRequest, CodeValidationFailed, "the query is not valid")
	lines := lineStarts(query)
	for i, e := range errs {
		if i == maxReportedErrors {
			break
		}
		rerr.details = append(rerr.details, wireError{
			Message:    truncate(e.Message, 300),
			Locations:  relocate(lines, e.Locations),
			Extensions: map[string]any{"code": CodeValidationFailed},
		})
	}
	return rerr
}

// lineStarts returns the byte offset at which each line of src begins; a
// line ends at \r\n, \n or \r, as in the GraphQL lexer.
func lineStarts(src string) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			starts = append(starts, i+1)
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		}
	}
	return starts
}

// relocate turns the locations graphql-go reports for a document parsed
// without its source (line 1, column = byte offset + 1) into real lines and
// columns. The parser keeps no source on purpose: with it, graphql-go scans
// the whole text for every error, which is quadratic in a hostile document.
func relocate(lines []int, locs []location.SourceLocation) []location.SourceLocation {
	out := make([]location.SourceLocation, 0, len(locs))
	for _, l := range locs {
		offset := l.Column - 1
		line := sort.Search(len(lines), func(i int) bool { return lines[i] > offset })
		if line == 0 {
			line = 1
		}
		out = append(out, location.SourceLocation{Line: line, Column: offset - lines[line-1] + 1})
	}
	return out
}

// limitMessage turns a guard error into the sentence shown to the caller.
func limitMessage(err error) string {
	return strings.TrimPrefix(err.Error(), errTooComplex.Error()+": ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
