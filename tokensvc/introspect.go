package tokensvc

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/positiveaction/tokens/store"
)

// Scopes with a meaning to the token service itself.
const (
	ScopeIntrospect = "tokens:introspect"
	ScopeKeysManage = "keys:manage"
)

// authenticateFormCaller authenticates the caller of introspection,
// revocation or the stream (Basic or body credentials) and, when scope is
// set, requires it. It answers the request itself on failure.
func (s *Service) authenticateFormCaller(w http.ResponseWriter, r *http.Request, form map[string][]string,
	scope string) (store.Key, bool) {
	cc, oerr := readClientCredentials(r, form)
	if oerr != nil {
		s.metrics.authFailed(authMalformed)
		if oerr.code == "invalid_client" {
			if wait := s.limiter.failed(r.Context(), cc.clientID, s.clientAddr(r)); wait > 0 {
				writeRateLimited(w, wait)
				return store.Key{}, false
			}
		}
		writeOAuthError(w, *oerr, oerr.code == "invalid_client")
		return store.Key{}, false
	}
	setRequestClientID(r, cc.clientID)
	if wait := s.limiter.blocked(cc.clientID, s.clientAddr(r)); wait > 0 {
		w.Header().Set("Retry-After", retryAfter(wait))
		writeOAuthError(w, oauthError{http.StatusTooManyRequests, "temporarily_unavailable",
			"too many failed client authentications; retry later"}, false)
		return store.Key{}, false
	}
	k, err := s.authenticateKey(r.Context(), cc.clientID, cc.secret.Reveal())
	switch {
	case errors.Is(err, errBadCredentials):
		s.metrics.authFailed(authBadCredentials)
		if wait := s.limiter.failed(r.Context(), cc.clientID, s.clientAddr(r)); wait > 0 {
			writeRateLimited(w, wait)
			return store.Key{}, false
		}
		writeOAuthError(w, oauthError{http.StatusUnauthorized, "invalid_client",
			"client authentication failed"}, true)
		return store.Key{}, false
	case err != nil:
		s.writeOAuthStoreError(w, r, err)
		return store.Key{}, false
	}
	if wait := s.limiter.sharedWait(r.Context(), k.ClientID, s.clientAddr(r)); wait > 0 {
		writeRateLimited(w, wait)
		return store.Key{}, false
	}
	if scope != "" && !slices.Contains(k.Scopes, scope) {
		writeOAuthError(w, oauthError{http.StatusForbidden, "insufficient_scope",
			"this key does not hold the scope " + scope}, false)
		return store.Key{}, false
	}
	return k, true
}

func (s *Service) writeOAuthStoreError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrUnavailable) {
		s.log.WarnContext(r.Context(), "store unavailable", "err", err)
		writeOAuthError(w, oauthError{http.StatusServiceUnavailable, "temporarily_unavailable",
			"the token service cannot reach its store; try again shortly"}, false)
		return
	}
	s.log.ErrorContext(r.Context(), "request failed", "err", err)
	writeOAuthError(w, oauthError{http.StatusInternalServerError, "server_error", "internal error"}, false)
}

// introspection is the RFC 7662 §2.2 answer for an active token.
type introspection struct {
	Active    bool   `json:"active"`
	TokenType string `json:"token_type,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Subject   string `json:"sub,omitempty"`
	Scope     string `json:"scope"`
	Audience  string `json:"aud,omitempty"`
	Issuer    string `json:"iss,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
	IssuedAt  int64  `json:"iat,omitempty"`
	NotBefore int64  `json:"nbf,omitempty"`
	TokenID   string `json:"jti,omitempty"`
	Account   string `json:"account,omitempty"`
	Name      string `json:"name,omitempty"`
}

// handleIntrospect is POST /oauth2/introspect (RFC 7662). The caller must
// hold tokens:introspect; an inactive token answers exactly
// {"active":false}.
func (s *Service) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	if _, ok := s.authenticateFormCaller(w, r, form, ScopeIntrospect); !ok {
		return
	}
	token := form.Get("token")
	if token == "" {
		writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_request", "token is required"}, false)
		return
	}
	id, err := s.Inspect(r.Context(), token)
	switch {
	case errors.Is(err, errInactive):
		s.metrics.introspected(introspectInactive)
		writeNoStoreBody(w, inactiveAnswer)
		return
	case err != nil:
		s.metrics.introspected(introspectError)
		s.writeOAuthStoreError(w, r, err)
		return
	}
	s.metrics.introspected(introspectActive)
	var buf [768]byte
	writeNoStoreBody(w, introspection{
		Active:    true,
		TokenType: "Bearer",
		ClientID:  id.ClientID,
		Subject:   id.ClientID,
		Scope:     strings.Join(id.Scopes, " "),
		Audience:  s.cfg.Audience,
		Issuer:    s.cfg.Issuer,
		ExpiresAt: id.ExpiresAt.Unix(),
		IssuedAt:  id.IssuedAt.Unix(),
		NotBefore: id.IssuedAt.Unix(),
		TokenID:   id.TokenID,
		Account:   id.Account,
		Name:      id.Name,
	}.appendJSON(buf[:0]))
}

// appendJSON appends what encoding/json makes of an active answer (the
// tests hold it to the byte), without reflection: introspection is the
// service's busiest path.
func (in introspection) appendJSON(b []byte) []byte {
	b = append(b, `{"active":true`...)
	optional := func(b []byte, name, v string) []byte {
		if v == "" {
			return b
		}
		return appendField(b, name, v, false)
	}
	seconds := func(b []byte, name string, v int64) []byte {
		if v == 0 {
			return b
		}
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		return strconv.AppendInt(b, v, 10)
	}
	b = optional(b, "token_type", in.TokenType)
	b = optional(b, "client_id", in.ClientID)
	b = optional(b, "sub", in.Subject)
	b = appendField(b, "scope", in.Scope, false)
	b = optional(b, "aud", in.Audience)
	b = optional(b, "iss", in.Issuer)
	b = seconds(b, "exp", in.ExpiresAt)
	b = seconds(b, "iat", in.IssuedAt)
	b = seconds(b, "nbf", in.NotBefore)
	b = optional(b, "jti", in.TokenID)
	b = optional(b, "account", in.Account)
	b = optional(b, "name", in.Name)
	return append(b, '}', '\n')
}

// inactiveAnswer is RFC 7662's answer for any token not active, exactly.
var inactiveAnswer = []byte(`{"active":false}` + "\n")

// Header values set on every introspection answer, shared read-only.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
	noCache         = []string{"no-cache"}
)

// writeNoStoreBody answers 200 with a JSON body made beforehand.
func writeNoStoreBody(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"], h["Cache-Control"], h["Pragma"] = jsonContentType, noStore, noCache
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// handleRevoke is POST /oauth2/revoke (RFC 7009): a key revokes one of its
// own tokens. Unknown, inactive or other keys' tokens answer 200 and change
// nothing (§2.2).
func (s *Service) handleRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	k, ok := s.authenticateFormCaller(w, r, form, "")
	if !ok {
		return
	}
	token := form.Get("token")
	if token == "" {
		writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_request", "token is required"}, false)
		return
	}
	revoked, err := s.RevokeToken(r.Context(), token, k.ClientID)
	if err != nil {
		s.writeOAuthStoreError(w, r, err)
		return
	}
	if revoked {
		s.recordAudit(r, "key:"+k.ClientID, "token.revoke", k.Account, k.ClientID, "RFC 7009 revocation")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
