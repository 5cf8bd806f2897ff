package tokensvc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/positiveaction/tokens/store"
)

// recordAudit appends an entry to the audit trail. A change that succeeded
// stays done if its audit write fails; the failure is logged at Error so an
// operator sees the gap.
func (s *Service) recordAudit(r *http.Request, actor, action, account, clientID, detail string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
	defer cancel()
	e := store.AuditEntry{
		At:       s.now(),
		Actor:    actor,
		Action:   action,
		Account:  account,
		ClientID: clientID,
		Remote:   s.clientAddr(r),
		Detail:   detail,
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", action, "client_id", clientID, "err", err)
	}
}

// revokedTokenOwner reads the Client ID, account and token ID (jti) of a
// token that was just revoked, for its audit entry. The claims are read
// without checking the signature, which is sound only because a record
// stored under this token's hash existed: the service alone writes those.
func revokedTokenOwner(token string) (clientID, account, id string) {
	_, payload, _ := strings.Cut(token, ".")
	payload, _, _ = strings.Cut(payload, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", "", ""
	}
	var claims struct {
		ClientID string `json:"client_id"`
		Account  string `json:"account"`
		ID       string `json:"jti"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return "", "", ""
	}
	return claims.ClientID, claims.Account, claims.ID
}

func keyCount(n int) string {
	if n == 1 {
		return "1 key"
	}
	return itoa(int64(n)) + " keys"
}

type auditJSON struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Account  string    `json:"account,omitempty"`
	ClientID string    `json:"clientId,omitempty"`
	Remote   string    `json:"remote,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// adminAudit is GET /admin/audit?account=&clientId=&since=&until=.
func (s *Service) adminAudit(w http.ResponseWriter, r *http.Request) {
	p, err := pageFromQuery(r)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{Account: q.Get("account"), ClientID: q.Get("clientId")}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.writeServiceError(w, r, inputErrorf("%s must be an RFC 3339 time", t.name))
				return
			}
			*t.dst = parsed
		}
	}
	entries, next, err := s.store.ListAudit(r.Context(), f, p)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	out := struct {
		Entries    []auditJSON `json:"entries"`
		NextCursor string      `json:"nextCursor,omitempty"`
	}{Entries: make([]auditJSON, 0, len(entries)), NextCursor: next}
	for _, e := range entries {
		out.Entries = append(out.Entries, auditJSON{e.ID, e.At.UTC(), e.Actor, e.Action,
			e.Account, e.ClientID, e.Remote, e.Detail})
	}
	writeJSON(w, http.StatusOK, out)
}
