package tokensvc

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/positiveaction/tokens/store"
)

// InputError is a caller's mistake; its message is safe to show to the
// caller and becomes a 400 (or invalid_request) answer.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

var (
	accountPattern = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	scopePattern   = regexp.MustCompile(`^[a-z][a-z0-9:._-]*$`)
)

// maxScopes and maxScopeLen bound a key's scope list, so a key record and a
// token stay small.
const (
	maxScopes   = 32
	maxScopeLen = 64
	maxGrace    = 30 * 24 * time.Hour
)

func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n < 1 || n > 100 {
		return inputErrorf("name must be 1 to 100 printable characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return inputErrorf("name must be 1 to 100 printable characters")
		}
	}
	if strings.TrimSpace(name) == "" {
		return inputErrorf("name must not be blank")
	}
	return nil
}

func validateAccount(account string) error {
	if !accountPattern.MatchString(account) {
		return inputErrorf("account must be 1 to 64 of a-z 0-9 _ -")
	}
	return nil
}

// normalizeScopes checks each scope and returns them sorted without
// duplicates.
func normalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) > maxScopes {
		return nil, inputErrorf("at most %d scopes", maxScopes)
	}
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if len(sc) > maxScopeLen || !scopePattern.MatchString(sc) {
			return nil, inputErrorf("scope %q is not of the form [a-z][a-z0-9:._-]* (at most %d)",
				truncate(sc, 70), maxScopeLen)
		}
		out = append(out, sc)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isConsoleKey tells the internal keys that back console sessions apart from
// customers' keys; they never appear in listings and hold no secret.
func isConsoleKey(clientID string) bool { return strings.HasPrefix(clientID, consoleKeyPrefix) }

const consoleKeyPrefix = "console-"

// NewKeyRequest asks for a key. Scopes nil means the default key scopes.
type NewKeyRequest struct {
	Account string
	Name    string
	Scopes  []string
	// Allowed, when not nil, limits Scopes to those the caller holds.
	Allowed []string
}

// CreateKey makes a key and returns it with its Secret ID, the only time the
// secret is ever seen.
func (s *Service) CreateKey(ctx context.Context, req NewKeyRequest) (store.Key, Secret, error) {
	if err := validateAccount(req.Account); err != nil {
		return store.Key{}, "", err
	}
	if err := validateName(req.Name); err != nil {
		return store.Key{}, "", err
	}
	requested := req.Scopes
	if requested == nil {
		requested = s.cfg.DefaultKeyScopes
	}
	scopes, err := normalizeScopes(requested)
	if err != nil {
		return store.Key{}, "", err
	}
	if req.Allowed != nil {
		for _, sc := range scopes {
			if !slices.Contains(req.Allowed, sc) {
				return store.Key{}, "", inputErrorf("scope %q is not one the caller holds", sc)
			}
		}
	}
	clientID, err := newID()
	if err != nil {
		return store.Key{}, "", err
	}
	secret, err := newID()
	if err != nil {
		return store.Key{}, "", err
	}
	k := store.Key{
		ClientID:   clientID,
		Name:       req.Name,
		Account:    req.Account,
		Scopes:     scopes,
		SecretHash: hashSecret(secret),
		CreatedAt:  s.now(),
	}
	if err := s.store.CreateKey(ctx, k); err != nil {
		return store.Key{}, "", fmt.Errorf("creating key: %w", err)
	}
	return k, Secret(secret), nil
}

// GetKey returns a customer key; console-session keys answer ErrNotFound.
func (s *Service) GetKey(ctx context.Context, clientID string) (store.Key, error) {
	if isConsoleKey(clientID) {
		return store.Key{}, store.ErrNotFound
	}
	k, err := s.store.GetKey(ctx, clientID)
	if err != nil {
		return store.Key{}, fmt.Errorf("reading key: %w", err)
	}
	return k, nil
}

// maxListReads bounds the store pages one listing page is filled from.
// Console-session keys are one per account at most, so a second read is
// already rare; past the bound the page is returned short, with its cursor.
const maxListReads = 8

// ListKeys lists customer keys, of one account or of all, p.Limit at most.
// The keys behind console sessions are left out, and the page is topped up
// from the keys after them, so that only the last page is short.
func (s *Service) ListKeys(ctx context.Context, account string, p store.Page) ([]store.Key, string, error) {
	if account != "" {
		if err := validateAccount(account); err != nil {
			return nil, "", err
		}
	}
	filter, limit := store.KeyFilter{Account: account}, p.Limit
	var out []store.Key
	for range maxListReads {
		keys, next, err := s.store.ListKeys(ctx, filter, p)
		if err != nil {
			return nil, "", fmt.Errorf("listing keys: %w", err)
		}
		for _, k := range keys {
			if !isConsoleKey(k.ClientID) {
				out = append(out, k)
			}
		}
		if next == "" || limit <= 0 || len(out) >= limit {
			return out, next, nil
		}
		p = store.Page{Cursor: next, Limit: limit - len(out)}
	}
	return out, p.Cursor, nil
}

// RotateKey gives the key a new Secret ID. The previous one stays valid for
// grace (0 ends it at once).
func (s *Service) RotateKey(ctx context.Context, clientID string, grace time.Duration) (store.Key, Secret, error) {
	if grace < 0 || grace > maxGrace {
		return store.Key{}, "", inputErrorf("graceSeconds must be from 0 to %d", int(maxGrace.Seconds()))
	}
	k, err := s.GetKey(ctx, clientID)
	if err != nil {
		return store.Key{}, "", err
	}
	secret, err := newID()
	if err != nil {
		return store.Key{}, "", err
	}
	k.PrevSecretHash, k.PrevSecretExpiresAt = nil, time.Time{}
	if grace > 0 {
		k.PrevSecretHash, k.PrevSecretExpiresAt = k.SecretHash, s.now().Add(grace)
	}
	k.SecretHash = hashSecret(secret)
	if err := s.store.UpdateKey(ctx, k); err != nil {
		return store.Key{}, "", fmt.Errorf("rotating key: %w", err)
	}
	s.keys.forget(clientID)
	s.announceKeyChange(ctx, clientID)
	return k, Secret(secret), nil
}

// DeleteKey removes a key, which revokes every token issued to it.
func (s *Service) DeleteKey(ctx context.Context, clientID string) error {
	if isConsoleKey(clientID) {
		return store.ErrNotFound
	}
	if err := s.store.DeleteKey(ctx, clientID); err != nil {
		return fmt.Errorf("deleting key: %w", err)
	}
	s.keys.forget(clientID)
	s.announce(ctx, store.Revocation{ClientID: clientID, NotBefore: farFuture, At: s.now()})
	return nil
}

// farFuture is the not-before mark of a deleted key: every token is older.
var farFuture = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// verifyKeySecret checks a presented Secret ID against the key's current
// secret and, during a rotation's grace period, its previous one.
func (s *Service) verifyKeySecret(k store.Key, presented string) bool {
	ok := secretMatches(k.SecretHash, presented)
	prev := len(k.PrevSecretHash) > 0 && s.now().Before(k.PrevSecretExpiresAt)
	okPrev := secretMatches(k.PrevSecretHash, presented)
	return ok || (prev && okPrev)
}

// authenticateKey looks a key up (through the key cache) and checks its
// secret, doing the same work for an unknown Client ID so timing does not
// reveal which exist. It authenticates the callers of introspection,
// revocation and the revocation stream.
func (s *Service) authenticateKey(ctx context.Context, clientID, secret string) (store.Key, error) {
	k, err := s.lookupKey(ctx, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		secretMatches(nil, secret)
		return store.Key{}, errBadCredentials
	case err != nil:
		return store.Key{}, fmt.Errorf("reading key: %w", err)
	}
	if !s.verifyKeySecret(k, secret) {
		return store.Key{}, errBadCredentials
	}
	return k, nil
}

// errBadCredentials is an unknown Client ID or a wrong Secret ID, which get
// the same answer.
var errBadCredentials = errors.New("bad client credentials")
