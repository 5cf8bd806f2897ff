package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Key is an API key as the account and admin REST show it. SecretID is set
// only in the answer that creates or rotates the key, and never again.
type Key struct {
	ClientID   string     `json:"clientId"`
	Name       string     `json:"name"`
	Account    string     `json:"account"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	SecretID   string     `json:"secretId,omitempty"`
}

// KeyList is one page of keys; NextCursor is empty on the last page.
type KeyList struct {
	Keys       []Key  `json:"keys"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// ListAccountKeys lists one page of the keys of the account that token
// belongs to (GET /account/keys). The token needs keys:manage; limit 0 lets
// the service choose, cursor "" starts at the beginning.
func (c *Client) ListAccountKeys(ctx context.Context, token string, limit int,
	cursor string) (*KeyList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	path := "/account/keys"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out KeyList
	if err := c.doJSON(ctx, http.MethodGet, path, token, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateAccountKey creates a key in the token's own account
// (POST /account/keys). The answer carries the Secret ID, shown only once.
func (c *Client) CreateAccountKey(ctx context.Context, token, name string,
	scopes []string) (*Key, error) {
	if scopes == nil {
		scopes = []string{}
	}
	in := struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}{name, scopes}
	var out Key
	if err := c.doJSON(ctx, http.MethodPost, "/account/keys", token, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateAccountKey gives a key of the token's account a new Secret ID,
// keeping the old one valid for graceSeconds (0: not at all).
func (c *Client) RotateAccountKey(ctx context.Context, token, clientID string,
	graceSeconds int) (*Key, error) {
	in := struct {
		GraceSeconds int `json:"graceSeconds"`
	}{graceSeconds}
	path := "/account/keys/" + url.PathEscape(clientID) + "/rotate"
	var out Key
	if err := c.doJSON(ctx, http.MethodPost, path, token, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAccountKey deletes a key of the token's account, which revokes every
// token issued to it. Another account's key answers 404 (Code "not_found").
func (c *Client) DeleteAccountKey(ctx context.Context, token, clientID string) error {
	path := "/account/keys/" + url.PathEscape(clientID)
	if err := c.doJSON(ctx, http.MethodDelete, path, token, nil, nil); err != nil {
		return fmt.Errorf("deleting key: %w", err)
	}
	return nil
}

// RevokeSelf revokes token with itself as the credential
// (DELETE /account/token), which is how a caller logs out. An inactive token
// answers *Error with Status 401.
func (c *Client) RevokeSelf(ctx context.Context, token string) error {
	if err := c.doJSON(ctx, http.MethodDelete, "/account/token", token, nil, nil); err != nil {
		return fmt.Errorf("revoking own token: %w", err)
	}
	return nil
}
