package gqlgateway

import "github.com/graphql-go/graphql/language/ast"

// fieldOrder is the order in which the members of one response object are
// written: the order of the query's selection set, fragments expanded, as
// GraphQL's CollectFields (§6.3.2) gathers it and "Serialized Map Ordering"
// (§7.2.2) asks the response to keep. graphql-go returns Go maps, which
// have no order; the gateway writes "data" by walking a fieldOrder beside
// them (order_write.go).
type fieldOrder struct {
	// keys are the response names (aliases, else field names), each once.
	keys []string
	// sub[i], when sub is not nil, orders the value of keys[i]: the merged
	// sub-selections of every field with that response name. It is nil for
	// leaves.
	sub []*fieldOrder
}

// orderBuilder builds the fieldOrder of an operation. Type conditions are
// not checked: on object types (the only kind the built-in schema uses, see
// checkFieldsMerge) every valid fragment applies. On interfaces and unions
// keys of fragments that do not apply are absent from the result and are
// skipped, though a key could then come out earlier than the spec says.
type orderBuilder struct {
	frags map[string]*ast.FragmentDefinition
	// evaluate makes @skip and @include take effect, from vars and the
	// operation's variable defaults. Without it the builder only notes in
	// conditional that the operation has such directives, and the order it
	// builds must not be used: it is then built for each request instead.
	evaluate    bool
	vars        map[string]any
	defaults    map[string]ast.Value
	conditional bool
}

// newOrder returns the fieldOrder of op, or nil when op (or a fragment it
// spreads) uses @skip or @include, whose effect depends on the request's
// variables; requestOrder builds that one per request.
func newOrder(doc *ast.Document, op *ast.OperationDefinition) *fieldOrder {
	b := &orderBuilder{frags: fragmentsOf(doc)}
	o := b.build([]*ast.SelectionSet{op.SelectionSet})
	if b.conditional {
		return nil
	}
	return o
}

// requestOrder builds the fieldOrder of op for one request's variables.
func requestOrder(doc *ast.Document, op *ast.OperationDefinition,
	vars map[string]any) *fieldOrder {
	b := &orderBuilder{frags: fragmentsOf(doc), evaluate: true, vars: vars,
		defaults: make(map[string]ast.Value)}
	for _, v := range op.VariableDefinitions {
		if v != nil && v.Variable != nil && v.DefaultValue != nil {
			b.defaults[nameOf(v.Variable.Name)] = v.DefaultValue
		}
	}
	return b.build([]*ast.SelectionSet{op.SelectionSet})
}

func fragmentsOf(doc *ast.Document) map[string]*ast.FragmentDefinition {
	frags := make(map[string]*ast.FragmentDefinition)
	for _, def := range doc.Definitions {
		if f, ok := def.(*ast.FragmentDefinition); ok {
			frags[nameOf(f.Name)] = f
		}
	}
	return frags
}

// build orders merged selection sets and, below them, each key's value. It
// recurses once per field level: the guard has bounded the depth, and the
// expanded number of selections, before any order is built.
func (b *orderBuilder) build(sets []*ast.SelectionSet) *fieldOrder {
	keys, children := b.collect(sets)
	o := &fieldOrder{keys: keys}
	for i, k := range keys {
		c := children[k]
		if len(c) == 0 {
			continue
		}
		if o.sub == nil {
			o.sub = make([]*fieldOrder, len(keys))
		}
		o.sub[i] = b.build(c)
	}
	return o
}

// collect lists the response names of merged selection sets in the order
// of their first appearance, depth first through inline fragments and
// fragment spreads (each fragment once), with the sub-selections of each.
func (b *orderBuilder) collect(sets []*ast.SelectionSet) ([]string,
	map[string][]*ast.SelectionSet) {
	var keys []string
	children := make(map[string][]*ast.SelectionSet)
	seen := make(map[string]bool)
	visited := make(map[string]bool)
	type cursor struct {
		sels []ast.Selection
		next int
	}
	var stack []cursor
	for _, set := range sets {
		if set == nil {
			continue
		}
		stack = append(stack[:0], cursor{sels: set.Selections})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.sels) {
				stack = stack[:len(stack)-1]
				continue
			}
			sel := top.sels[top.next]
			top.next++
			switch s := sel.(type) {
			case *ast.Field:
				if b.skipped(s.Directives) {
					continue
				}
				k := responseKey(s)
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
				if s.SelectionSet != nil {
					children[k] = append(children[k], s.SelectionSet)
				}
			case *ast.InlineFragment:
				if s.SelectionSet != nil && !b.skipped(s.Directives) {
					stack = append(stack, cursor{sels: s.SelectionSet.Selections})
				}
			case *ast.FragmentSpread:
				n := nameOf(s.Name)
				f, ok := b.frags[n]
				if !ok || f.SelectionSet == nil || visited[n] || b.skipped(s.Directives) {
					continue
				}
				visited[n] = true
				stack = append(stack, cursor{sels: f.SelectionSet.Selections})
			}
		}
	}
	return keys, children
}

func responseKey(f *ast.Field) string {
	if f.Alias != nil && f.Alias.Value != "" {
		return f.Alias.Value
	}
	return nameOf(f.Name)
}

// skipped says whether @skip or @include leave a selection out (GraphQL
// §3.13). Only when the builder evaluates; otherwise it notes the directive.
func (b *orderBuilder) skipped(dirs []*ast.Directive) bool {
	for _, d := range dirs {
		name := nameOf(d.Name)
		if name != "skip" && name != "include" {
			continue
		}
		b.conditional = true
		if !b.evaluate {
			continue
		}
		if cond := b.ifArgument(d); cond == (name == "skip") {
			return true
		}
	}
	return false
}

// ifArgument is the value of a directive's "if": a literal, or a variable
// from the request or its default. Validation and graphql-go's coercion have
// already refused anything but a Boolean, so the fallback is never used in
// practice; it keeps the selection in.
func (b *orderBuilder) ifArgument(d *ast.Directive) bool {
	fallback := nameOf(d.Name) == "include"
	for _, a := range d.Arguments {
		if nameOf(a.Name) != "if" {
			continue
		}
		v := a.Value
		if ref, ok := v.(*ast.Variable); ok {
			name := nameOf(ref.Name)
			if val, ok := b.vars[name].(bool); ok {
				return val
			}
			v = b.defaults[name]
		}
		if lit, ok := v.(*ast.BooleanValue); ok {
			return lit.Value
		}
	}
	return fallback
}
