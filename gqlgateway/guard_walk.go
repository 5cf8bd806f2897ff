package gqlgateway

import "github.com/graphql-go/graphql/language/ast"

// walker visits selection sets and literal values with explicit stacks,
// counting as it goes; it stops early once a count passes its limit.
type walker struct {
	lim limits
	// selections counts every selection written in the document.
	selections int
	// nodes counts arguments, directives, variables and value nodes.
	nodes int
	// values is a scratch stack reused across value walks.
	values []ast.Value
}

// err reports a document-wide count that passed its limit.
func (w *walker) err() error {
	if w.selections > w.lim.maxFields {
		return tooComplex(rejectSelections, "the document has more than %d selections",
			w.lim.maxFields)
	}
	if w.nodes > w.lim.maxNodes {
		return tooComplex(rejectNodes, "the document has more than %d arguments, "+
			"directives and values", w.lim.maxNodes)
	}
	return nil
}

// walkSelections walks one definition's selection set: its depth (fields only;
// fragments add none), its selection count and its fragment spreads.
func (w *walker) walkSelections(root *ast.SelectionSet) (*defInfo, error) {
	info := &defInfo{}
	type frame struct {
		set   *ast.SelectionSet
		depth int // depth of the field that owns set; 0 at the root
	}
	stack := []frame{{set: root}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if f.set == nil {
			continue
		}
		for _, sel := range f.set.Selections {
			w.selections++
			info.count++
			switch s := sel.(type) {
			case *ast.Field:
				d := f.depth + 1
				info.depth = max(info.depth, d)
				w.arguments(s.Arguments)
				w.directives(s.Directives)
				if s.SelectionSet != nil {
					stack = append(stack, frame{set: s.SelectionSet, depth: d})
				}
			case *ast.InlineFragment:
				w.directives(s.Directives)
				stack = append(stack, frame{set: s.SelectionSet, depth: f.depth})
			case *ast.FragmentSpread:
				w.directives(s.Directives)
				info.spreads = append(info.spreads, spreadAt{name: nameOf(s.Name), depth: f.depth})
			}
			if info.depth > w.lim.maxDepth {
				return nil, tooComplex(rejectDepth, "the query is deeper than %d", w.lim.maxDepth)
			}
			if err := w.err(); err != nil {
				return nil, err
			}
		}
	}
	return info, nil
}

func (w *walker) directives(ds []*ast.Directive) {
	for _, d := range ds {
		w.nodes++
		w.arguments(d.Arguments)
	}
}

func (w *walker) arguments(args []*ast.Argument) {
	for _, a := range args {
		w.nodes++
		w.value(a.Value)
	}
}

// value counts the nodes of a literal value (lists and input objects nest).
func (w *walker) value(v ast.Value) {
	if v == nil {
		return
	}
	w.values = append(w.values[:0], v)
	for len(w.values) > 0 && w.nodes <= w.lim.maxNodes {
		top := w.values[len(w.values)-1]
		w.values = w.values[:len(w.values)-1]
		w.nodes++
		switch t := top.(type) {
		case *ast.ListValue:
			w.values = append(w.values, t.Values...)
		case *ast.ObjectValue:
			for _, of := range t.Fields {
				if of != nil && of.Value != nil {
					w.values = append(w.values, of.Value)
				}
			}
		}
	}
}
