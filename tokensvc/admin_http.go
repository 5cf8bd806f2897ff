package tokensvc

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/positiveaction/tokens/store"
)

const adminActor = "admin"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Second).Seconds()) + 1)
}

// requireAdmin guards the admin API: the bearer token must equal the admin
// token, compared in constant time over digests so length leaks nothing.
func (s *Service) requireAdmin(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.AdminToken.Reveal()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := bearerToken(r)
		got := sha256.Sum256([]byte(token))
		if token == "" || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokensvc-admin"`)
			writeAPIError(w, http.StatusUnauthorized, "unauthorized", "the admin token is missing or wrong")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Service) adminCreateKey(w http.ResponseWriter, r *http.Request) {
	var body createKeyBody
	if !decodeJSON(w, r, &body) {
		return
	}
	req := NewKeyRequest{Account: body.Account, Name: body.Name}
	if body.Scopes != nil {
		req.Scopes = *body.Scopes
	}
	k, secret, err := s.CreateKey(r.Context(), req)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, adminActor, "key.create", k.Account, k.ClientID, "name="+k.Name)
	writeJSON(w, http.StatusCreated, toKeyJSON(k, secret))
}

func (s *Service) adminListKeys(w http.ResponseWriter, r *http.Request) {
	p, err := pageFromQuery(r)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	keys, next, err := s.ListKeys(r.Context(), r.URL.Query().Get("account"), p)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toKeyList(keys, next))
}

func (s *Service) adminGetKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.GetKey(r.Context(), chi.URLParam(r, "clientId"))
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toKeyJSON(k, ""))
}

func (s *Service) adminRotateKey(w http.ResponseWriter, r *http.Request) {
	var body rotateBody
	if !decodeJSON(w, r, &body) {
		return
	}
	s.rotate(w, r, adminActor, chi.URLParam(r, "clientId"), body.GraceSeconds)
}

func (s *Service) adminDeleteKey(w http.ResponseWriter, r *http.Request) {
	clientID := chi.URLParam(r, "clientId")
	k, err := s.GetKey(r.Context(), clientID)
	if err == nil {
		err = s.DeleteKey(r.Context(), clientID)
	}
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, adminActor, "key.delete", k.Account, k.ClientID, "")
	w.WriteHeader(http.StatusNoContent)
}

type revocationBody struct {
	Token    string `json:"token"`
	ClientID string `json:"clientId"`
	Account  string `json:"account"`
}

// adminRevoke is POST /admin/revocations with exactly one of token,
// clientId and account.
func (s *Service) adminRevoke(w http.ResponseWriter, r *http.Request) {
	var body revocationBody
	if !decodeJSON(w, r, &body) {
		return
	}
	set := 0
	for _, v := range []string{body.Token, body.ClientID, body.Account} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		writeAPIError(w, http.StatusBadRequest, "invalid_request",
			"give exactly one of token, clientId and account")
		return
	}
	var n int
	var err error
	var account, clientID, detail string
	switch {
	case body.Token != "":
		var revoked bool
		revoked, err = s.RevokeToken(r.Context(), body.Token, "")
		detail = "one token (not active: nothing revoked)"
		if revoked {
			var id string
			clientID, account, id = revokedTokenOwner(body.Token)
			n, detail = 1, "one token, id "+id
		}
	case body.ClientID != "":
		var k store.Key
		k, err = s.GetKey(r.Context(), body.ClientID)
		if err == nil {
			err = s.RevokeKeyTokens(r.Context(), body.ClientID)
			n, account, clientID, detail = 1, k.Account, k.ClientID, "every token of the key"
		}
	default:
		n, err = s.RevokeAccountTokens(r.Context(), body.Account)
		account, detail = body.Account, "every token of the account ("+keyCount(n)+")"
	}
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, adminActor, "tokens.revoke", account, clientID, detail)
	writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
}

type tokenJSON struct {
	ID        string    `json:"id"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Scopes    []string  `json:"scopes"`
}

// adminListTokens is GET /admin/keys/{clientId}/tokens: the key's live
// tokens by ID, never the token strings (which are not stored).
func (s *Service) adminListTokens(w http.ResponseWriter, r *http.Request) {
	p, err := pageFromQuery(r)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	k, err := s.GetKey(r.Context(), chi.URLParam(r, "clientId"))
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	toks, next, err := s.store.ListTokens(r.Context(), k.ClientID, p)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	out := struct {
		Tokens     []tokenJSON `json:"tokens"`
		NextCursor string      `json:"nextCursor,omitempty"`
	}{Tokens: make([]tokenJSON, 0, len(toks)), NextCursor: next}
	for _, t := range toks {
		if t.IssuedAt.Before(k.TokensNotBefore) {
			continue // revoked by the key's mark
		}
		sc := t.Scopes
		if sc == nil {
			sc = []string{}
		}
		out.Tokens = append(out.Tokens, tokenJSON{t.ID, t.IssuedAt.UTC(), t.ExpiresAt.UTC(), sc})
	}
	writeJSON(w, http.StatusOK, out)
}
