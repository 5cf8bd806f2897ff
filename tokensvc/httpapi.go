package tokensvc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/positiveaction/tokens/store"
)

// maxJSONBody caps admin and account request bodies.
const maxJSONBody = 64 << 10

// apiError is the JSON error of the admin API and the account REST.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, apiError{Code: code, Message: msg})
}

// writeServiceError maps a service error to its answer: input errors 400,
// missing records 404, an unreachable store 503, anything else 500 (logged,
// never shown).
func (s *Service) writeServiceError(w http.ResponseWriter, r *http.Request, err error) {
	var in *InputError
	switch {
	case errors.As(err, &in):
		writeAPIError(w, http.StatusBadRequest, "invalid_request", in.Msg)
	case errors.Is(err, store.ErrNotFound):
		writeAPIError(w, http.StatusNotFound, "not_found", "no such key")
	case errors.Is(err, store.ErrAlreadyExists):
		writeAPIError(w, http.StatusConflict, "conflict", "the record exists already")
	case errors.Is(err, store.ErrUnavailable):
		s.log.WarnContext(r.Context(), "store unavailable", "err", err)
		writeAPIError(w, http.StatusServiceUnavailable, "unavailable",
			"the token service cannot reach its store; try again shortly")
	default:
		s.log.ErrorContext(r.Context(), "request failed", "err", err)
		writeAPIError(w, http.StatusInternalServerError, "internal", "internal error")
	}
}

// decodeJSON reads a JSON object body into v: application/json only, at
// most maxJSONBody bytes, no unknown fields, nothing after the object.
// It answers the request itself and returns false on any problem.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeAPIError(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"send the body as application/json")
		return false
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "payload_too_large",
				fmt.Sprintf("the body is over %d bytes", maxJSONBody))
			return false
		}
		writeAPIError(w, http.StatusBadRequest, "invalid_request", "the body is not valid JSON for this request: "+jsonProblem(err))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeAPIError(w, http.StatusBadRequest, "invalid_request", "the body holds more than one JSON value")
		return false
	}
	return true
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "field " + strconv.Quote(typ.Field) + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or cut short"
	}
	if msg := err.Error(); len(msg) < 120 {
		return msg // "json: unknown field \"x\"" and the like
	}
	return "malformed"
}

// keyJSON is a key as the admin API and the account REST show it.
type keyJSON struct {
	ClientID   string     `json:"clientId"`
	Name       string     `json:"name"`
	Account    string     `json:"account"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	SecretID   string     `json:"secretId,omitempty"`
}

func toKeyJSON(k store.Key, secret Secret) keyJSON {
	out := keyJSON{
		ClientID:  k.ClientID,
		Name:      k.Name,
		Account:   k.Account,
		Scopes:    k.Scopes,
		CreatedAt: k.CreatedAt.UTC(),
		SecretID:  secret.Reveal(),
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if !k.LastUsedAt.IsZero() {
		t := k.LastUsedAt.UTC()
		out.LastUsedAt = &t
	}
	return out
}

type keyListJSON struct {
	Keys       []keyJSON `json:"keys"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

func toKeyList(keys []store.Key, next string) keyListJSON {
	out := keyListJSON{Keys: make([]keyJSON, 0, len(keys)), NextCursor: next}
	for _, k := range keys {
		out.Keys = append(out.Keys, toKeyJSON(k, ""))
	}
	return out
}

// pageFromQuery reads limit (1–1000, default 100) and cursor.
func pageFromQuery(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Cursor: q.Get("cursor"), Limit: 100}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return p, inputErrorf("limit must be a whole number from 1 to 1000")
		}
		p.Limit = n
	}
	if len(p.Cursor) > 512 {
		return p, inputErrorf("cursor is too long")
	}
	return p, nil
}
