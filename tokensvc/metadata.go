package tokensvc

import (
	"encoding/json"
	"net/http"
	"strings"
)

// handleJWKS is GET /.well-known/jwks.json: the public signing key.
func (s *Service) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSONBody(w, map[string]any{"keys": []map[string]string{s.signer.publicJWK()}})
}

// handleMetadata is GET /.well-known/oauth-authorization-server (RFC 8414).
// The issuer is the URL this document is served under (§3.3).
func (s *Service) handleMetadata(w http.ResponseWriter, _ *http.Request) {
	base := strings.TrimRight(s.cfg.Issuer, "/")
	authMethods := []string{"client_secret_basic", "client_secret_post"}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSONBody(w, map[string]any{
		"issuer":                                base,
		"token_endpoint":                        base + "/oauth2/token",
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"introspection_endpoint":                base + "/oauth2/introspect",
		"revocation_endpoint":                   base + "/oauth2/revoke",
		"grant_types_supported":                 []string{"client_credentials"},
		"response_types_supported":              []string{},
		"token_endpoint_auth_methods_supported": authMethods,
		"introspection_endpoint_auth_methods_supported": authMethods,
		"revocation_endpoint_auth_methods_supported":    authMethods,
		"scopes_supported":                          []string{ScopeIntrospect, ScopeKeysManage},
		"access_token_signing_alg_values_supported": []string{s.cfg.SigningAlg},
	})
}

// handleHealthz is GET /healthz: the process is up.
func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz is GET /readyz: the store answers.
func (s *Service) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err)
		writeAPIError(w, http.StatusServiceUnavailable, "unavailable", "the store is unreachable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSONBody(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}
