package gqlgateway

import (
	"fmt"
	"regexp"

	"github.com/graphql-go/graphql"
)

// ProtectedField is a root field that a program embedding the gateway adds
// to the schema. The gateway runs its resolver only for a caller whose token
// is active and holds every scope in Scopes; the resolver reads who that is
// with IdentityFrom. See the package example.
type ProtectedField struct {
	// Name is the root field's name; it must not clash with a built-in one.
	Name string
	// Field is the graphql-go definition, resolver included.
	Field *graphql.Field
	// Scopes the token must hold; empty means any active token will do.
	Scopes []string
}

var graphQLName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// buildSchema assembles the schema once, with any added protected fields.
// Only object types are used: graphql-go fills maps of abstract types
// lazily, which is not safe under concurrent requests.
func buildSchema(r *resolvers, rules *accessRules, queryExtra,
	mutationExtra []ProtectedField) (graphql.Schema, error) {
	t := newTypes()
	query := graphql.Fields{
		"viewer": {
			Type:        graphql.NewNonNull(t.viewer),
			Description: "The caller, as the bearer token describes it.",
			Resolve:     r.viewer,
		},
		"apiKeys": {
			Type:        graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(t.apiKey))),
			Description: "The keys of the caller's account (needs keys:manage).",
			Resolve:     r.apiKeys,
		},
	}
	mutation := graphql.Fields{
		"login": {
			Type:        t.loginPayload,
			Description: "Exchanges a key's Client ID and Secret ID for an access token.",
			Args: graphql.FieldConfigArgument{
				"loginInput": {Type: graphql.NewNonNull(t.loginInput)},
			},
			Resolve: r.login,
		},
		"logout": {
			Type:        graphql.NewNonNull(graphql.Boolean),
			Description: "Revokes the caller's token.",
			Resolve:     r.logout,
		},
		"createApiKey": {
			Type: graphql.NewNonNull(t.newAPIKey),
			Description: "Creates a key in the caller's account; the answer holds its " +
				"Secret ID, shown only this once (needs keys:manage).",
			Args: graphql.FieldConfigArgument{
				"input": {Type: graphql.NewNonNull(t.createInput)},
			},
			Resolve: r.createAPIKey,
		},
		"rotateApiKey": {
			Type:        graphql.NewNonNull(t.newAPIKey),
			Description: "Gives a key a new Secret ID (needs keys:manage).",
			Args: graphql.FieldConfigArgument{
				"clientId":     {Type: graphql.NewNonNull(graphql.ID)},
				"graceSeconds": {Type: graphql.Int},
			},
			Resolve: r.rotateAPIKey,
		},
		"deleteApiKey": {
			Type:        graphql.NewNonNull(graphql.Boolean),
			Description: "Deletes a key, revoking its tokens (needs keys:manage).",
			Args: graphql.FieldConfigArgument{
				"clientId": {Type: graphql.NewNonNull(graphql.ID)},
			},
			Resolve: r.deleteAPIKey,
		},
	}
	if err := addProtected(query, rules.query, queryExtra); err != nil {
		return graphql.Schema{}, fmt.Errorf("query fields: %w", err)
	}
	if err := addProtected(mutation, rules.mutation, mutationExtra); err != nil {
		return graphql.Schema{}, fmt.Errorf("mutation fields: %w", err)
	}
	s, err := graphql.NewSchema(graphql.SchemaConfig{
		Query:    graphql.NewObject(graphql.ObjectConfig{Name: "Query", Fields: query}),
		Mutation: graphql.NewObject(graphql.ObjectConfig{Name: "Mutation", Fields: mutation}),
	})
	if err != nil {
		return graphql.Schema{}, fmt.Errorf("building the schema: %w", err)
	}
	return s, nil
}

// addProtected adds fields to a root type and records their scopes.
func addProtected(fields graphql.Fields, scopes map[string][]string, extra []ProtectedField) error {
	for _, pf := range extra {
		switch {
		case !graphQLName.MatchString(pf.Name) || len(pf.Name) > 2 && pf.Name[:2] == "__":
			return fmt.Errorf("%q is not a usable field name", pf.Name)
		case pf.Field == nil || pf.Field.Type == nil:
			return fmt.Errorf("field %q has no definition or type", pf.Name)
		case fields[pf.Name] != nil || isPublicRootField(pf.Name):
			return fmt.Errorf("field %q already exists", pf.Name)
		}
		fields[pf.Name] = pf.Field
		scopes[pf.Name] = append([]string(nil), pf.Scopes...)
	}
	return nil
}
