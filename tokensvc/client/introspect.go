package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Introspection is the token service's answer about one token (RFC 7662
// §2.2). An inactive token carries Active false and nothing else.
type Introspection struct {
	Active    bool     `json:"active"`
	TokenType string   `json:"token_type,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	Audience  Audience `json:"aud,omitempty"`
	Issuer    string   `json:"iss,omitempty"`
	// Exp, Iat and Nbf are seconds since the epoch.
	Exp     int64  `json:"exp,omitempty"`
	Iat     int64  `json:"iat,omitempty"`
	Nbf     int64  `json:"nbf,omitempty"`
	JTI     string `json:"jti,omitempty"`
	Account string `json:"account,omitempty"`
	// Name is the Name of the key the token was issued to.
	Name string `json:"name,omitempty"`
}

// Scopes splits Scope into its space-separated values.
func (i *Introspection) Scopes() []string { return strings.Fields(i.Scope) }

// ExpiresAt is Exp as a time.
func (i *Introspection) ExpiresAt() time.Time { return time.Unix(i.Exp, 0).UTC() }

// Audience is the aud member, which RFC 7662 §2.2 lets be one string or an
// array of strings; both decode into a list.
type Audience []string

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud is neither a string nor a list of strings: %w", err)
	}
	*a = many
	return nil
}

// Introspect asks the token service whether token is active (RFC 7662),
// authenticating as a key holding the scope tokens:introspect. Bad caller
// credentials come back as *Error with Status 401, a key without the scope
// as *Error with Status 403; an unreachable service wraps ErrUnavailable.
func (c *Client) Introspect(ctx context.Context, callerID, callerSecret,
	token string) (*Introspection, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	var out Introspection
	err := c.postForm(ctx, "/oauth2/introspect", callerID, callerSecret, form, &out)
	if err != nil {
		return nil, err
	}
	if !out.Active {
		return &Introspection{}, nil
	}
	return &out, nil
}
