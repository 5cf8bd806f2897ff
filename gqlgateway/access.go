package gqlgateway

import (
	"slices"
	"sort"
)

// ScopeKeysManage is the scope the key operations need, as the token
// service's account REST does.
const ScopeKeysManage = "keys:manage"

// isPublicRootField names the only root fields that run without a token.
// Every other root field, built in or added, is protected: a field nobody
// listed is refused rather than let through.
func isPublicRootField(name string) bool {
	switch name {
	case "login", "__typename", "__schema", "__type":
		return true
	}
	return false
}

// accessRules holds the scopes each protected root field needs, per
// operation type. It is built once in New and only read afterwards.
type accessRules struct {
	query    map[string][]string
	mutation map[string][]string
}

func newAccessRules() *accessRules {
	return &accessRules{
		query: map[string][]string{
			"viewer":  nil,
			"apiKeys": {ScopeKeysManage},
		},
		mutation: map[string][]string{
			"logout":       nil,
			"createApiKey": {ScopeKeysManage},
			"rotateApiKey": {ScopeKeysManage},
			"deleteApiKey": {ScopeKeysManage},
		},
	}
}

// decide says whether an operation selecting fields needs a token and,
// if so, every scope it must hold (sorted, without repeats).
func (a *accessRules) decide(mutation bool, fields []string) (bool, []string) {
	rules := a.query
	if mutation {
		rules = a.mutation
	}
	protected := false
	var scopes []string
	for _, f := range fields {
		if isPublicRootField(f) {
			continue
		}
		protected = true
		for _, s := range rules[f] {
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	sort.Strings(scopes)
	return protected, scopes
}
