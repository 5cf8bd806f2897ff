package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// TokenResponse is a successful access-token answer (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is the token's lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`
	// Scope is the granted scope, space-separated.
	Scope string `json:"scope"`
}

// HasCode reports whether err is an answer of the token service with the
// given error code ("invalid_client", "not_found", …), so callers can branch
// on a refusal without unpicking *Error themselves.
func HasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Token exchanges a key's Client ID and Secret ID for an access token with
// the client-credentials grant (RFC 6749 §4.4), authenticating with
// client_secret_basic. An empty scopes asks for all of the key's scopes.
// Bad credentials come back as *Error with Code "invalid_client".
func (c *Client) Token(ctx context.Context, clientID, secret string,
	scopes []string) (*TokenResponse, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	var out TokenResponse
	if err := c.postForm(ctx, "/oauth2/token", clientID, secret, form, &out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, fmt.Errorf("token answer without access_token")
	}
	return &out, nil
}

// Ready asks the token service whether it can serve (GET /readyz), for the
// readiness probes of the programs that depend on it. Any answer but 2xx,
// or none, is an error wrapping ErrUnavailable.
func (c *Client) Ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if err := c.do(req, nil); err != nil {
		if errors.Is(err, ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// postForm sends a form POST authenticated as a key with client_secret_basic
// and decodes the JSON answer into out.
func (c *Client) postForm(ctx context.Context, path, clientID, secret string,
	form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path,
		strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", basicAuth(clientID, secret))
	return c.do(req, out)
}

// basicAuth builds a client_secret_basic header value. RFC 6749 §2.3.1 asks
// that the Client ID and the secret be form-urlencoded before they are
// joined and base64-encoded, so a ':' or '%' in either survives the trip.
func basicAuth(clientID, secret string) string {
	pair := url.QueryEscape(clientID) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}
