package gqlgateway

import (
	"errors"
	"fmt"

	"github.com/graphql-go/graphql/language/ast"
)

// limits are the bounds the guard holds every document to before graphql-go
// validates it: validation recurses and is superlinear, and in v0.8.1 a
// fragment cycle overflows its stack, which kills the process.
type limits struct {
	// maxDepth bounds the field depth of every operation and fragment,
	// fragments expanded: a root field is at depth 1.
	maxDepth int
	// maxFields bounds selections (fields, aliases included, fragment spreads
	// and inline fragments): both as written and as expanded through
	// fragments for each operation.
	maxFields int
	// maxNodes bounds everything else the validator walks: arguments,
	// directives, variable definitions and the nodes of literal values.
	maxNodes int
}

// errFragmentCycle is returned for fragments that spread each other in a
// loop; the spec forbids them and graphql-go v0.8.1 crashes on them.
var errFragmentCycle = errors.New("fragments spread each other in a cycle")

// errNotExecutable is returned for type-system definitions in a request.
var errNotExecutable = errors.New("only operations and fragments may be sent")

// errMalformed is returned for a document the parser let through with parts
// missing, which graphql-go's validation would dereference.
var errMalformed = errors.New("malformed document")

// defInfo is what the guard learns of one operation or fragment by itself,
// fragments not expanded.
type defInfo struct {
	depth   int
	count   int
	spreads []spreadAt
}

// spreadAt is a fragment spread and the depth of the field it sits in.
type spreadAt struct {
	name  string
	depth int
}

// guardDocument checks doc against lim without recursion, so neither the
// document's depth nor its fragments can exhaust the stack. Errors wrap
// errTooComplex, errFragmentCycle or errNotExecutable.
func guardDocument(doc *ast.Document, lim limits) error {
	w := walker{lim: lim}
	frags := make(map[string]*defInfo)
	var ops []*defInfo
	for _, def := range doc.Definitions {
		switch d := def.(type) {
		case *ast.OperationDefinition:
			for _, v := range d.VariableDefinitions {
				if v == nil || v.Variable == nil || !wellFormedType(v.Type) {
					return fmt.Errorf("%w: a variable is missing its type", errMalformed)
				}
				w.nodes++
				w.value(v.DefaultValue)
			}
			w.directives(d.Directives)
			info, err := w.walkSelections(d.SelectionSet)
			if err != nil {
				return err
			}
			ops = append(ops, info)
		case *ast.FragmentDefinition:
			name := nameOf(d.Name)
			if _, dup := frags[name]; dup {
				return fmt.Errorf("fragment %q is defined more than once", name)
			}
			w.directives(d.Directives)
			info, err := w.walkSelections(d.SelectionSet)
			if err != nil {
				return err
			}
			frags[name] = info
		default:
			return errNotExecutable
		}
		if err := w.err(); err != nil {
			return err
		}
	}
	order, err := fragmentOrder(frags)
	if err != nil {
		return err
	}
	expanded := make(map[string]defInfo, len(frags))
	for _, name := range order {
		e := expand(frags[name], expanded, lim.maxFields)
		if e.depth > lim.maxDepth {
			return tooComplex(rejectDepth, "fragment %s is deeper than %d", name, lim.maxDepth)
		}
		expanded[name] = e
	}
	total := 0 // every operation is validated, so all of them count
	for _, op := range ops {
		e := expand(op, expanded, lim.maxFields)
		if e.depth > lim.maxDepth {
			return tooComplex(rejectDepth, "the query is deeper than %d", lim.maxDepth)
		}
		if total = min(total+e.count, lim.maxFields+1); total > lim.maxFields {
			return tooComplex(rejectSelections, "the query selects more than %d fields",
				lim.maxFields)
		}
	}
	return nil
}

// expand computes the depth and selection count of a definition with its
// fragments expanded, from the already expanded fragments it spreads.
// Counts saturate just above max so a fan-out of fragments cannot overflow.
func expand(d *defInfo, done map[string]defInfo, limit int) defInfo {
	out := defInfo{depth: d.depth, count: d.count}
	for _, s := range d.spreads {
		f, ok := done[s.name] // unknown fragments are left to validation
		if !ok {
			continue
		}
		out.depth = max(out.depth, s.depth+f.depth)
		out.count = min(out.count+f.count, limit+1)
	}
	return out
}

// fragmentOrder returns the fragment names so that each comes after every
// fragment it spreads, or errFragmentCycle. It walks the spread graph with
// an explicit stack.
func fragmentOrder(frags map[string]*defInfo) ([]string, error) {
	const (
		unseen = iota
		onStack
		finished
	)
	state := make(map[string]int, len(frags))
	order := make([]string, 0, len(frags))
	type frame struct {
		name string
		next int
	}
	for root := range frags {
		if state[root] != unseen {
			continue
		}
		stack := []frame{{name: root}}
		state[root] = onStack
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			spreads := frags[top.name].spreads
			if top.next == len(spreads) {
				state[top.name] = finished
				order = append(order, top.name)
				stack = stack[:len(stack)-1]
				continue
			}
			next := spreads[top.next].name
			top.next++
			if _, known := frags[next]; !known {
				continue
			}
			switch state[next] {
			case onStack:
				return nil, fmt.Errorf("%w: %s spreads %s", errFragmentCycle, top.name, next)
			case unseen:
				state[next] = onStack
				stack = append(stack, frame{name: next})
			}
		}
	}
	return order, nil
}

func nameOf(n *ast.Name) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// wellFormedType walks a type reference ([Int!]! and the like) without
// recursion and reports whether it ends in a named type. graphql-go v0.8.1
// parses "$v:" and "$v:!" into references with nothing inside.
func wellFormedType(t ast.Type) bool {
	for {
		switch tt := t.(type) {
		case *ast.Named:
			return tt != nil && tt.Name != nil
		case *ast.List:
			if tt == nil {
				return false
			}
			t = tt.Type
		case *ast.NonNull:
			if tt == nil {
				return false
			}
			t = tt.Type
		default:
			return false
		}
	}
}
