package gqlgateway

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// validationRules are graphql-go's specified rules except
// OverlappingFieldsCanBeMerged. That rule compares every pair of fields
// that share a response name, printing their arguments each time, so a few
// hundred aliases take seconds; in v0.8.1 it also overflows the stack on
// fragment cycles. checkFieldsMerge replaces it.
func validationRules() []graphql.ValidationRuleFn {
	return []graphql.ValidationRuleFn{
		graphql.ArgumentsOfCorrectTypeRule,
		graphql.DefaultValuesOfCorrectTypeRule,
		graphql.FieldsOnCorrectTypeRule,
		graphql.FragmentsOnCompositeTypesRule,
		graphql.KnownArgumentNamesRule,
		graphql.KnownDirectivesRule,
		graphql.KnownFragmentNamesRule,
		graphql.KnownTypeNamesRule,
		graphql.LoneAnonymousOperationRule,
		graphql.NoFragmentCyclesRule,
		graphql.NoUndefinedVariablesRule,
		graphql.NoUnusedFragmentsRule,
		graphql.NoUnusedVariablesRule,
		graphql.PossibleFragmentSpreadsRule,
		graphql.ProvidedNonNullArgumentsRule,
		graphql.ScalarLeafsRule,
		graphql.UniqueArgumentNamesRule,
		graphql.UniqueFragmentNamesRule,
		graphql.UniqueInputFieldNamesRule,
		graphql.UniqueOperationNamesRule,
		graphql.UniqueVariableNamesRule,
		graphql.VariablesAreInputTypesRule,
		graphql.VariablesInAllowedPositionRule,
	}
}

// checkFieldsMerge enforces GraphQL's FieldsInSetCanMerge (§5.3.2) for
// every operation, in time linear in the expanded document: fields that
// share a response name must be the same field with the same arguments,
// and their sub-selections are merged and checked the same way.
//
// It is stricter than the spec in one corner: it ignores parent types, so
// two aliases on different object types of an interface or union may not
// differ. The built-in schema has neither, and added fields should not use
// them (graphql-go fills their maps lazily, unsafely under concurrency).
// It must run after guardDocument, which rules out fragment cycles.
func checkFieldsMerge(doc *ast.Document) error {
	frags := make(map[string]*ast.FragmentDefinition)
	for _, def := range doc.Definitions {
		if f, ok := def.(*ast.FragmentDefinition); ok {
			frags[nameOf(f.Name)] = f
		}
	}
	keys := make(map[*ast.Field]string)
	for _, def := range doc.Definitions {
		op, ok := def.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		work := [][]*ast.SelectionSet{{op.SelectionSet}}
		for len(work) > 0 {
			sets := work[len(work)-1]
			work = work[:len(work)-1]
			order, groups := collectResponseNames(sets, frags)
			for _, name := range order {
				group := groups[name]
				first := fieldKey(group[0], keys)
				var children []*ast.SelectionSet
				for _, f := range group {
					if k := fieldKey(f, keys); k != first {
						return fmt.Errorf("fields named %q conflict: %s and %s differ in name or "+
							"arguments; use different aliases", name, nameOf(group[0].Name),
							nameOf(f.Name))
					}
					if f.SelectionSet != nil {
						children = append(children, f.SelectionSet)
					}
				}
				if len(children) > 0 {
					work = append(work, children)
				}
			}
		}
	}
	return nil
}

// collectResponseNames gathers the fields of merged selection sets by
// response name, through inline fragments and fragment spreads (each
// fragment once per merged set).
func collectResponseNames(sets []*ast.SelectionSet,
	frags map[string]*ast.FragmentDefinition) ([]string, map[string][]*ast.Field) {
	var order []string
	groups := make(map[string][]*ast.Field)
	seen := make(map[string]bool)
	stack := slices.Clone(sets)
	for len(stack) > 0 {
		set := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if set == nil {
			continue
		}
		for _, sel := range set.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				name := nameOf(s.Name)
				if s.Alias != nil {
					name = s.Alias.Value
				}
				if _, ok := groups[name]; !ok {
					order = append(order, name)
				}
				groups[name] = append(groups[name], s)
			case *ast.InlineFragment:
				stack = append(stack, s.SelectionSet)
			case *ast.FragmentSpread:
				n := nameOf(s.Name)
				if f, ok := frags[n]; ok && !seen[n] {
					seen[n] = true
					stack = append(stack, f.SelectionSet)
				}
			}
		}
	}
	return order, groups
}

// fieldKey is a field's name and arguments in a canonical text (arguments
// sorted by name), computed once per field node.
func fieldKey(f *ast.Field, memo map[*ast.Field]string) string {
	if k, ok := memo[f]; ok {
		return k
	}
	var b strings.Builder
	b.WriteString(nameOf(f.Name))
	args := slices.Clone(f.Arguments)
	slices.SortFunc(args, func(x, y *ast.Argument) int {
		return strings.Compare(nameOf(x.Name), nameOf(y.Name))
	})
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(nameOf(a.Name))
		b.WriteByte(':')
		writeValue(&b, a.Value)
	}
	memo[f] = b.String()
	return memo[f]
}

// writeValue prints a literal value canonically, with an explicit stack.
func writeValue(b *strings.Builder, v ast.Value) {
	type item struct {
		v   ast.Value
		raw string // printed as is when v is nil
	}
	stack := []item{{v: v}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch t := it.v.(type) {
		case nil:
			b.WriteString(it.raw)
		case *ast.Variable:
			b.WriteString("$" + nameOf(t.Name))
		case *ast.StringValue:
			b.WriteString(strconv.Quote(t.Value))
		case *ast.ListValue:
			b.WriteByte('[')
			stack = append(stack, item{raw: "]"})
			for i := len(t.Values) - 1; i >= 0; i-- {
				stack = append(stack, item{v: t.Values[i]}, item{raw: ","})
			}
		case *ast.ObjectValue:
			b.WriteByte('{')
			stack = append(stack, item{raw: "}"})
			for i := len(t.Fields) - 1; i >= 0; i-- {
				stack = append(stack, item{v: t.Fields[i].Value},
					item{raw: "," + nameOf(t.Fields[i].Name) + ":"})
			}
		default:
			fmt.Fprintf(b, "%v", it.v.GetValue())
		}
	}
}
