package tokensvc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/positiveaction/tokens/store"
)

// mint signs an access token for key k with the granted scopes and returns
// it with the record to store. It does not store anything itself.
func (s *Service) mint(k store.Key, scopes []string, issued time.Time,
	ttl time.Duration) (string, store.Token, error) {
	jti, err := newID()
	if err != nil {
		return "", store.Token{}, err
	}
	exp := issued.Add(ttl)
	claims := tokenClaims{
		issuer:   s.cfg.Issuer,
		audience: s.cfg.Audience,
		subject:  k.ClientID,
		issued:   issued,
		expires:  exp,
		id:       jti,
		scope:    strings.Join(scopes, " "),
		account:  k.Account,
		keyName:  k.Name,
	}
	tok, err := s.signer.sign(claims)
	if err != nil {
		return "", store.Token{}, err
	}
	rec := store.Token{
		Hash:      hashToken(tok),
		ID:        jti,
		ClientID:  k.ClientID,
		Account:   k.Account,
		Scopes:    scopes,
		IssuedAt:  issued,
		ExpiresAt: exp,
	}
	return tok, rec, nil
}

// Identity is who an active token speaks for: what introspection answers
// and what protected handlers act on.
type Identity struct {
	ClientID  string
	Name      string
	Account   string
	Scopes    []string
	TokenID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	hash      []byte
}

// HasScope reports whether the token was granted scope.
func (id Identity) HasScope(scope string) bool {
	for _, sc := range id.Scopes {
		if sc == scope {
			return true
		}
	}
	return false
}

// errInactive means the token is not one this service issued, or has
// expired, or was revoked. Callers answer all three alike.
var errInactive = errors.New("token is not active")

// maxTokenLen bounds what is even looked at; real tokens are under 1 KiB.
const maxTokenLen = 4096

// Inspect decides whether token is active with one store read: the record
// under the token's hash joined with its key. A token is active only while
// its record exists, it has not expired, and neither its key's nor its
// account's revocation mark is after its issue time.
func (s *Service) Inspect(ctx context.Context, token string) (Identity, error) {
	clientID, ok := unverifiedClientID(token)
	if !ok {
		return Identity{}, errInactive
	}
	hash := hashToken(token)
	rec, key, err := s.store.LookupToken(ctx, clientID, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Identity{}, errInactive
	case err != nil:
		return Identity{}, fmt.Errorf("looking token up: %w", err)
	}
	now := s.now()
	if !now.Before(rec.ExpiresAt) || rec.IssuedAt.Before(key.TokensNotBefore) {
		return Identity{}, errInactive
	}
	return Identity{
		ClientID:  rec.ClientID,
		Name:      key.Name,
		Account:   rec.Account,
		Scopes:    rec.Scopes,
		TokenID:   rec.ID,
		IssuedAt:  rec.IssuedAt,
		ExpiresAt: rec.ExpiresAt,
		hash:      hash,
	}, nil
}

// unverifiedClientID reads client_id from a JWT's payload without checking
// the signature: it only picks where to look. The record, keyed by the
// token's hash, is what proves the token is ours, so a forged payload can
// at worst pick a key under which nothing is found.
func unverifiedClientID(token string) (string, bool) {
	if len(token) > maxTokenLen {
		return "", false
	}
	_, rest, ok1 := strings.Cut(token, ".")
	encoded, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || encoded == "" || strings.Contains(sig, ".") {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return "", false
	}
	id, found := plainClientID(payload)
	if !found {
		var claims struct {
			ClientID string `json:"client_id"`
		}
		if json.Unmarshal(payload, &claims) != nil {
			return "", false
		}
		id = claims.ClientID
	}
	if id == "" || len(id) > 100 {
		return "", false
	}
	return id, true
}

// clientIDClaim is how tokenClaims.appendJSON writes the claim's start.
var clientIDClaim = []byte(`"client_id":"`)

// plainClientID finds the client_id claim as this service writes it (an
// unescaped string) without decoding the rest of the payload; anything
// else is left to encoding/json. In a payload this service signed the
// pattern can only be the claim itself (a quote inside a JSON string is
// escaped); in a forged one it may pick another value, under which no
// record of that token can exist.
func plainClientID(payload []byte) (string, bool) {
	i := bytes.Index(payload, clientIDClaim)
	if i < 0 {
		return "", false
	}
	value := payload[i+len(clientIDClaim):]
	end := bytes.IndexByte(value, '"')
	if end < 0 || bytes.IndexByte(value[:end], '\\') >= 0 {
		return "", false
	}
	return string(value[:end]), true
}
