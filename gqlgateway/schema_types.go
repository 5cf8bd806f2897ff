package gqlgateway

import (
	"time"

	"github.com/graphql-go/graphql"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// types are the schema's object and input types, made fresh for each
// schema so two gateways in one process share nothing mutable.
type types struct {
	viewer, apiKey, newAPIKey, loginPayload *graphql.Object
	loginInput, createInput                 *graphql.InputObject
}

func newTypes() *types {
	nonNullString := graphql.NewNonNull(graphql.String)
	nonNullID := graphql.NewNonNull(graphql.ID)
	nonNullInt := graphql.NewNonNull(graphql.Int)
	scopes := graphql.NewNonNull(graphql.NewList(nonNullString))
	t := &types{}
	t.viewer = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Viewer",
		Description: "The caller behind the bearer token.",
		Fields: graphql.Fields{
			"clientId":  {Type: nonNullID, Resolve: viewerField(fieldClientID)},
			"name":      {Type: nonNullString, Resolve: viewerField(fieldName)},
			"account":   {Type: nonNullString, Resolve: viewerField(fieldAccount)},
			"scopes":    {Type: scopes, Resolve: viewerField(fieldScopes)},
			"expiresAt": {Type: nonNullString, Resolve: viewerField(fieldExpiresAt)},
		},
	})
	keyFields := func(withSecret bool) graphql.Fields {
		f := graphql.Fields{
			"clientId":   {Type: nonNullID, Resolve: keyField(fieldClientID)},
			"name":       {Type: nonNullString, Resolve: keyField(fieldName)},
			"account":    {Type: nonNullString, Resolve: keyField(fieldAccount)},
			"scopes":     {Type: scopes, Resolve: keyField(fieldScopes)},
			"createdAt":  {Type: nonNullString, Resolve: keyField(fieldCreatedAt)},
			"lastUsedAt": {Type: graphql.String, Resolve: keyField(fieldLastUsedAt)},
		}
		if withSecret {
			f["secretId"] = &graphql.Field{Type: nonNullString, Resolve: keyField(fieldSecretID)}
		}
		return f
	}
	t.apiKey = graphql.NewObject(graphql.ObjectConfig{
		Name: "ApiKey", Description: "An API key, without its secret.", Fields: keyFields(false),
	})
	t.newAPIKey = graphql.NewObject(graphql.ObjectConfig{
		Name:        "NewApiKey",
		Description: "An API key with its Secret ID, which is never shown again.",
		Fields:      keyFields(true),
	})
	t.loginPayload = graphql.NewObject(graphql.ObjectConfig{
		Name: "LoginPayload",
		Fields: graphql.Fields{
			"accessToken": {Type: nonNullString, Resolve: loginField(fieldAccessToken)},
			"tokenType":   {Type: nonNullString, Resolve: loginField(fieldTokenType)},
			"expiresIn":   {Type: nonNullInt, Resolve: loginField(fieldExpiresIn)},
			"scope":       {Type: nonNullString, Resolve: loginField(fieldScope)},
		},
	})
	t.loginInput = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: "LoginInput",
		Fields: graphql.InputObjectConfigFieldMap{
			"clientId": {Type: nonNullString},
			"secretId": {Type: nonNullString},
		},
	})
	t.createInput = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: "CreateApiKeyInput",
		Fields: graphql.InputObjectConfigFieldMap{
			"name":   {Type: nonNullString},
			"scopes": {Type: scopes},
		},
	})
	return t
}

// Field selectors of the object types; resolvers switch on them instead of
// letting graphql-go find struct fields by reflection on every request.
const (
	fieldClientID = iota
	fieldName
	fieldAccount
	fieldScopes
	fieldExpiresAt
	fieldCreatedAt
	fieldLastUsedAt
	fieldSecretID
	fieldAccessToken
	fieldTokenType
	fieldExpiresIn
	fieldScope
)

func viewerField(which int) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		id, ok := p.Source.(*Identity)
		if !ok {
			return nil, nil
		}
		switch which {
		case fieldClientID:
			return ref(id.ClientID), nil
		case fieldName:
			return ref(id.Name), nil
		case fieldAccount:
			return ref(id.Account), nil
		case fieldScopes:
			return refs(id.Scopes), nil
		default:
			return ref(rfc3339(id.ExpiresAt)), nil
		}
	}
}

func keyField(which int) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		k, ok := p.Source.(*client.Key)
		if !ok {
			return nil, nil
		}
		switch which {
		case fieldClientID:
			return ref(k.ClientID), nil
		case fieldName:
			return ref(k.Name), nil
		case fieldAccount:
			return ref(k.Account), nil
		case fieldScopes:
			return refs(k.Scopes), nil
		case fieldCreatedAt:
			return ref(rfc3339(k.CreatedAt)), nil
		case fieldLastUsedAt:
			if k.LastUsedAt == nil || k.LastUsedAt.IsZero() {
				return nil, nil
			}
			return ref(rfc3339(*k.LastUsedAt)), nil
		default:
			return ref(k.SecretID), nil
		}
	}
}

func loginField(which int) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		t, ok := p.Source.(*client.TokenResponse)
		if !ok {
			return nil, nil
		}
		switch which {
		case fieldAccessToken:
			return ref(t.AccessToken), nil
		case fieldTokenType:
			return ref(t.TokenType), nil
		case fieldExpiresIn:
			return int(t.ExpiresIn), nil
		default:
			return ref(t.Scope), nil
		}
	}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ref and refs hand graphql-go strings by pointer: its String and ID
// types serialise a *string as it is but pass a plain string through
// fmt.Sprintf("%v"), which was 8% of a login's CPU in the gateway
// (BenchmarkLogin's profile).
func ref(s string) *string { return &s }

func refs(ss []string) []*string {
	out := make([]*string, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}
