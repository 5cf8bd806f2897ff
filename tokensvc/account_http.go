package tokensvc

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/positiveaction/tokens/store"
)

// bearerToken takes the token from "Authorization: Bearer <token>".
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticateBearer resolves the request's bearer token to an identity
// holding scope (none when scope is empty), answering 401, 403 or 503 itself
// (RFC 6750 §3).
func (s *Service) authenticateBearer(w http.ResponseWriter, r *http.Request, scope string) (Identity, bool) {
	token, ok := bearerToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tokensvc"`)
		writeAPIError(w, http.StatusUnauthorized, "unauthorized", "a bearer token is required")
		return Identity{}, false
	}
	id, err := s.Inspect(r.Context(), token)
	switch {
	case errors.Is(err, errInactive):
		w.Header().Set("WWW-Authenticate", `Bearer realm="tokensvc", error="invalid_token"`)
		writeAPIError(w, http.StatusUnauthorized, "unauthorized", "the token is invalid, expired or revoked")
		return Identity{}, false
	case err != nil:
		s.writeServiceError(w, r, err)
		return Identity{}, false
	}
	setRequestClientID(r, id.ClientID)
	if scope != "" && !id.HasScope(scope) {
		w.Header().Set("WWW-Authenticate",
			`Bearer realm="tokensvc", error="insufficient_scope", scope="`+scope+`"`)
		writeAPIError(w, http.StatusForbidden, "forbidden", "the token does not hold the scope "+scope)
		return Identity{}, false
	}
	return id, true
}

// accountKey reads {clientId} and answers 404 unless it is a key of the
// caller's account: another account's key looks exactly like a missing one.
func (s *Service) accountKey(w http.ResponseWriter, r *http.Request, id Identity) (store.Key, bool) {
	k, err := s.GetKey(r.Context(), chi.URLParam(r, "clientId"))
	if err == nil && k.Account != id.Account {
		err = store.ErrNotFound
	}
	if err != nil {
		s.writeServiceError(w, r, err)
		return store.Key{}, false
	}
	return k, true
}

type createKeyBody struct {
	Name    string    `json:"name"`
	Account string    `json:"account"`
	Scopes  *[]string `json:"scopes"`
}

type rotateBody struct {
	GraceSeconds int64 `json:"graceSeconds"`
}

func (s *Service) accountListKeys(w http.ResponseWriter, r *http.Request) {
	id, ok := s.authenticateBearer(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	p, err := pageFromQuery(r)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	keys, next, err := s.ListKeys(r.Context(), id.Account, p)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toKeyList(keys, next))
}

func (s *Service) accountCreateKey(w http.ResponseWriter, r *http.Request) {
	id, ok := s.authenticateBearer(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	var body createKeyBody
	if !decodeJSON(w, r, &body) {
		return
	}
	if body.Account != "" && body.Account != id.Account {
		writeAPIError(w, http.StatusForbidden, "forbidden", "a token manages the keys of its own account only")
		return
	}
	req := NewKeyRequest{Account: id.Account, Name: body.Name, Allowed: id.Scopes}
	if body.Scopes != nil {
		req.Scopes = *body.Scopes
	} else {
		req.Scopes = s.defaultScopesWithin(id.Scopes)
	}
	k, secret, err := s.CreateKey(r.Context(), req)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, "key:"+id.ClientID, "key.create", k.Account, k.ClientID, "name="+k.Name)
	writeJSON(w, http.StatusCreated, toKeyJSON(k, secret))
}

// defaultScopesWithin is the default key scopes the caller may grant.
func (s *Service) defaultScopesWithin(held []string) []string {
	out := []string{}
	for _, sc := range s.cfg.DefaultKeyScopes {
		for _, h := range held {
			if h == sc {
				out = append(out, sc)
			}
		}
	}
	return out
}

func (s *Service) accountRotateKey(w http.ResponseWriter, r *http.Request) {
	id, ok := s.authenticateBearer(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	k, ok := s.accountKey(w, r, id)
	if !ok {
		return
	}
	var body rotateBody
	if !decodeJSON(w, r, &body) {
		return
	}
	s.rotate(w, r, "key:"+id.ClientID, k.ClientID, body.GraceSeconds)
}

func (s *Service) rotate(w http.ResponseWriter, r *http.Request, actor, clientID string, graceSeconds int64) {
	if graceSeconds < 0 || graceSeconds > int64(maxGrace.Seconds()) {
		s.writeServiceError(w, r, inputErrorf("graceSeconds must be from 0 to %d", int(maxGrace.Seconds())))
		return
	}
	k, secret, err := s.RotateKey(r.Context(), clientID, time.Duration(graceSeconds)*time.Second)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, actor, "key.rotate", k.Account, k.ClientID, "graceSeconds="+itoa(graceSeconds))
	writeJSON(w, http.StatusOK, toKeyJSON(k, secret))
}

func (s *Service) accountDeleteKey(w http.ResponseWriter, r *http.Request) {
	id, ok := s.authenticateBearer(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	k, ok := s.accountKey(w, r, id)
	if !ok {
		return
	}
	if err := s.DeleteKey(r.Context(), k.ClientID); err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, "key:"+id.ClientID, "key.delete", k.Account, k.ClientID, "")
	w.WriteHeader(http.StatusNoContent)
}

// accountRevokeSelf is DELETE /account/token: any active token may end
// itself (the gateway's logout).
func (s *Service) accountRevokeSelf(w http.ResponseWriter, r *http.Request) {
	id, ok := s.authenticateBearer(w, r, "")
	if !ok {
		return
	}
	token, _ := bearerToken(r)
	if _, err := s.RevokeToken(r.Context(), token, id.ClientID); err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, "key:"+id.ClientID, "token.revoke", id.Account, id.ClientID, "logout")
	w.WriteHeader(http.StatusNoContent)
}
