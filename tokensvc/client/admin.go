package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The methods in this file call the admin API of the token service (its
// admin listener): make the Client with the admin URL and pass the admin
// token to each call. Errors name the operation and, where one is involved,
// the Client ID; never the admin token, a Secret ID or an access token.

// NewKey asks the admin API for a key. Scopes nil lets the service give
// its default key scopes; an empty, non-nil Scopes asks for a key with none.
type NewKey struct {
	Name    string
	Account string
	Scopes  []string
}

// TokenInfo is one live token of a key as the admin API lists it: its ID
// (the JWT's jti), times and scopes, never the token string itself.
type TokenInfo struct {
	ID        string    `json:"id"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Scopes    []string  `json:"scopes"`
}

// TokenList is one page of a key's tokens; NextCursor is empty on the last
// page.
type TokenList struct {
	Tokens     []TokenInfo `json:"tokens"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

// RevokeTarget picks what POST /admin/revocations ends: one token, every
// token of the key with ClientID, or every token of Account. Exactly one
// field must be set.
type RevokeTarget struct {
	Token    string `json:"token,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	Account  string `json:"account,omitempty"`
}

// ConsoleLink is a sign-in link for the web console of one account. URL
// carries a token in its fragment: hand it only to the account's owner.
type ConsoleLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// AuditEntry is one change recorded in the audit trail. Actor is "admin"
// or "key:<clientId>"; Detail never holds a secret.
type AuditEntry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Account  string    `json:"account,omitempty"`
	ClientID string    `json:"clientId,omitempty"`
	Remote   string    `json:"remote,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// AuditPage is one page of the audit trail, oldest entry first;
// NextCursor is empty on the last page.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

// AuditQuery narrows an audit listing. Zero fields match everything; Limit
// 0 lets the service choose (100), Cursor "" starts at the oldest entry.
type AuditQuery struct {
	Account  string
	ClientID string
	Since    time.Time
	Until    time.Time
	Limit    int
	Cursor   string
}

// CreateKey creates a key in any account (POST /admin/keys). The answer is
// the only one that ever carries the key's Secret ID.
func (c *Client) CreateKey(ctx context.Context, adminToken string, nk NewKey) (*Key, error) {
	in := struct {
		Name    string    `json:"name"`
		Account string    `json:"account"`
		Scopes  *[]string `json:"scopes,omitempty"`
	}{Name: nk.Name, Account: nk.Account}
	if nk.Scopes != nil {
		in.Scopes = &nk.Scopes
	}
	var out Key
	if err := c.doJSON(ctx, http.MethodPost, "/admin/keys", adminToken, in, &out); err != nil {
		return nil, fmt.Errorf("creating key: %w", err)
	}
	return &out, nil
}

// ListKeys lists one page of keys (GET /admin/keys), of one account or, with
// account "", of every account. Limit 0 lets the service choose.
func (c *Client) ListKeys(ctx context.Context, adminToken, account string, limit int,
	cursor string) (*KeyList, error) {
	q := pageQuery(limit, cursor)
	if account != "" {
		q.Set("account", account)
	}
	var out KeyList
	path := withQuery("/admin/keys", q)
	if err := c.doJSON(ctx, http.MethodGet, path, adminToken, nil, &out); err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return &out, nil
}

// GetKey reads one key (GET /admin/keys/{clientId}), without its secret.
// An unknown Client ID answers *Error with Code "not_found".
func (c *Client) GetKey(ctx context.Context, adminToken, clientID string) (*Key, error) {
	var out Key
	if err := c.doJSON(ctx, http.MethodGet, keyPath(clientID), adminToken, nil, &out); err != nil {
		return nil, fmt.Errorf("reading key %s: %w", clientID, err)
	}
	return &out, nil
}

// RotateKey gives a key a new Secret ID (POST /admin/keys/{clientId}/rotate)
// and keeps the previous one valid for graceSeconds (0: not at all). The
// answer carries the new Secret ID, shown this once.
func (c *Client) RotateKey(ctx context.Context, adminToken, clientID string,
	graceSeconds int) (*Key, error) {
	in := struct {
		GraceSeconds int `json:"graceSeconds"`
	}{graceSeconds}
	var out Key
	path := keyPath(clientID) + "/rotate"
	if err := c.doJSON(ctx, http.MethodPost, path, adminToken, in, &out); err != nil {
		return nil, fmt.Errorf("rotating key %s: %w", clientID, err)
	}
	return &out, nil
}

// DeleteKey deletes a key (DELETE /admin/keys/{clientId}), which revokes
// every token issued to it.
func (c *Client) DeleteKey(ctx context.Context, adminToken, clientID string) error {
	err := c.doJSON(ctx, http.MethodDelete, keyPath(clientID), adminToken, nil, nil)
	if err != nil {
		return fmt.Errorf("deleting key %s: %w", clientID, err)
	}
	return nil
}

// errRevokeTarget is a RevokeTarget without exactly one field set; it is
// refused before anything is sent.
var errRevokeTarget = errors.New("revoking: give exactly one of token, Client ID and account")

// Revoke ends tokens (POST /admin/revocations) and returns the service's
// count: 1 or 0 for a token, the number of keys marked for a key or an
// account.
func (c *Client) Revoke(ctx context.Context, adminToken string, t RevokeTarget) (int, error) {
	set := 0
	for _, v := range []string{t.Token, t.ClientID, t.Account} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return 0, errRevokeTarget
	}
	var out struct {
		Revoked int `json:"revoked"`
	}
	err := c.doJSON(ctx, http.MethodPost, "/admin/revocations", adminToken, t, &out)
	if err != nil {
		return 0, fmt.Errorf("revoking: %w", err)
	}
	return out.Revoked, nil
}

// ListTokens lists one page of a key's live tokens
// (GET /admin/keys/{clientId}/tokens). Limit 0 lets the service choose.
func (c *Client) ListTokens(ctx context.Context, adminToken, clientID string, limit int,
	cursor string) (*TokenList, error) {
	path := withQuery(keyPath(clientID)+"/tokens", pageQuery(limit, cursor))
	var out TokenList
	if err := c.doJSON(ctx, http.MethodGet, path, adminToken, nil, &out); err != nil {
		return nil, fmt.Errorf("listing tokens of key %s: %w", clientID, err)
	}
	return &out, nil
}

// ConsoleLink mints a short-lived web-console sign-in link for an account
// (POST /admin/console-links).
func (c *Client) ConsoleLink(ctx context.Context, adminToken,
	account string) (*ConsoleLink, error) {
	in := struct {
		Account string `json:"account"`
	}{account}
	var out ConsoleLink
	path := "/admin/console-links"
	if err := c.doJSON(ctx, http.MethodPost, path, adminToken, in, &out); err != nil {
		return nil, fmt.Errorf("minting console link: %w", err)
	}
	return &out, nil
}

// Audit reads one page of the audit trail (GET /admin/audit), oldest first.
func (c *Client) Audit(ctx context.Context, adminToken string, aq AuditQuery) (*AuditPage, error) {
	q := pageQuery(aq.Limit, aq.Cursor)
	for name, v := range map[string]string{"account": aq.Account, "clientId": aq.ClientID} {
		if v != "" {
			q.Set(name, v)
		}
	}
	for name, t := range map[string]time.Time{"since": aq.Since, "until": aq.Until} {
		if !t.IsZero() {
			q.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	var out AuditPage
	path := withQuery("/admin/audit", q)
	if err := c.doJSON(ctx, http.MethodGet, path, adminToken, nil, &out); err != nil {
		return nil, fmt.Errorf("reading audit trail: %w", err)
	}
	return &out, nil
}

func keyPath(clientID string) string { return "/admin/keys/" + url.PathEscape(clientID) }

func pageQuery(limit int, cursor string) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
