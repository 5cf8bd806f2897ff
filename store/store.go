// Package store defines what the token service keeps and the contract every
// backend honours: API keys, issued-token records, shared failure counters,
// the signing key, the audit trail and the revocation event bus.
//
// The package knows nothing of HTTP, OAuth2 wire formats or GraphQL. Secrets
// and tokens reach it only as hashes: callers hash at their own edge.
//
// Every backend lives in a sub-package and must pass the conformance suite in
// store/storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Callers branch on them with errors.Is; backends wrap them
// with context but never replace them.
var (
	// ErrNotFound means the record does not exist (or has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists means a create met an existing record with the same ID.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrUnavailable means the backend could not be reached or did not answer
	// in time. The service turns it into 503 and retries on the next request.
	ErrUnavailable = errors.New("store: unavailable")
)

// Key is an API key (an OAuth2 client) as stored. SecretHash is a digest of
// the Secret ID, never the secret itself.
type Key struct {
	ClientID string
	Name     string
	Account  string
	Scopes   []string

	SecretHash []byte
	// PrevSecretHash stays valid until PrevSecretExpiresAt, so a rotation can
	// give callers a grace period. Empty when there is none.
	PrevSecretHash      []byte
	PrevSecretExpiresAt time.Time

	CreatedAt time.Time
	// LastUsedAt is the zero time until the key first obtains a token.
	LastUsedAt time.Time
	// TokensNotBefore revokes, in one write, every token of this key issued
	// before it: a token is active only if its IssuedAt is not before this
	// mark. Revoking a key's or an account's tokens therefore costs one write
	// per key, whatever the number of live tokens.
	TokensNotBefore time.Time
}

// Token is the record of one issued access token. Hash is a digest of the
// token string; the raw token is never stored.
type Token struct {
	Hash      []byte
	ID        string // the JWT's jti
	ClientID  string
	Account   string
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Page asks for one page of a listing. An empty Cursor starts at the
// beginning; Limit <= 0 means the backend's default of 100.
type Page struct {
	Cursor string
	Limit  int
}

// KeyFilter narrows a key listing. An empty Account lists every account.
type KeyFilter struct {
	Account string
}

// Keys stores API keys.
type Keys interface {
	// CreateKey stores a new key; ErrAlreadyExists if the Client ID is taken.
	CreateKey(ctx context.Context, k Key) error
	// GetKey returns the key or ErrNotFound.
	GetKey(ctx context.Context, clientID string) (Key, error)
	// UpdateKey replaces a stored key (rotation); ErrNotFound if it is gone.
	// It leaves LastUsedAt as stored (TouchKey owns it) and never lowers
	// TokensNotBefore, so a rotation racing a revocation cannot undo it.
	UpdateKey(ctx context.Context, k Key) error
	// MarkTokensNotBefore raises the key's TokensNotBefore to at (never
	// lowers it) without rewriting the rest of the record, so it cannot undo
	// a concurrent UpdateKey either. ErrNotFound if the key is gone.
	MarkTokensNotBefore(ctx context.Context, clientID string, at time.Time) error
	// TouchKey sets LastUsedAt; a missing key is not an error.
	TouchKey(ctx context.Context, clientID string, at time.Time) error
	// DeleteKey removes the key and its token index; ErrNotFound if absent.
	// Token records of the key become inactive because lookups join the key.
	DeleteKey(ctx context.Context, clientID string) error
	// ListKeys returns keys ordered by Client ID, and the cursor of the next
	// page ("" on the last page).
	ListKeys(ctx context.Context, f KeyFilter, p Page) (keys []Key, next string, err error)
}

// Tokens stores issued-token records, each expiring at its ExpiresAt.
type Tokens interface {
	// SaveToken records an issued token until it expires.
	SaveToken(ctx context.Context, t Token) error
	// LookupToken returns the token recorded under hash for clientID together
	// with the key it belongs to, in one round trip. ErrNotFound when either
	// the token record or the key is missing.
	LookupToken(ctx context.Context, clientID string, hash []byte) (Token, Key, error)
	// DeleteToken removes one token record; ErrNotFound if absent.
	DeleteToken(ctx context.Context, clientID string, hash []byte) error
	// ListTokens returns the unexpired token records of a key, oldest first.
	ListTokens(ctx context.Context, clientID string, p Page) (tokens []Token, next string, err error)
}

// Counters are shared, expiring counters (failed-authentication limits),
// so every instance on the same store sees the same counts.
type Counters interface {
	// Incr adds one to the counter named name and returns the new value. The
	// counter starts its window on first increment and vanishes after it.
	Incr(ctx context.Context, name string, window time.Duration) (int64, error)
	// Count returns the counter's value (0 when absent).
	Count(ctx context.Context, name string) (int64, error)
}

// Singletons hold small service-wide values such as the signing key.
type Singletons interface {
	// PutIfAbsent stores value under name unless one is there, and returns
	// the value that is stored afterwards (the caller's or the earlier one),
	// so racing instances agree on one.
	PutIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Revocation is an event published when tokens are revoked, so every
// instance and every subscribed gateway can evict cached answers.
type Revocation struct {
	// Exactly one of TokenHash, ClientID and Account is set.
	TokenHash []byte
	ClientID  string
	Account   string
	// NotBefore is the mark for key and account revocations: tokens issued
	// before it are revoked. A ClientID event with a zero NotBefore revokes
	// nothing: the token service announces a changed key (a rotation) that
	// way, so other instances drop their cached copy of it.
	NotBefore time.Time
	At        time.Time
}

// Events carries revocation events between the instances sharing a store.
type Events interface {
	// PublishRevocation announces a revocation to every subscriber. Events
	// may arrive in another order than published (a Redis Cluster relays
	// them between nodes); none depends on another.
	PublishRevocation(ctx context.Context, r Revocation) error
	// SubscribeRevocations delivers events until ctx ends. The channel is
	// closed when the subscription ends or breaks; the caller resubscribes.
	// The subscription is established before the call returns.
	SubscribeRevocations(ctx context.Context) (<-chan Revocation, error)
}

// AuditEntry is one change made by an operator or an account.
type AuditEntry struct {
	ID       string // assigned by the store, ordered by time
	At       time.Time
	Actor    string // "admin" or "key:<clientId>"
	Action   string // e.g. "key.create", "key.rotate", "tokens.revoke"
	Account  string
	ClientID string
	Remote   string // client address
	Detail   string // never a secret
}

// AuditFilter narrows an audit listing; zero fields match everything.
type AuditFilter struct {
	Account  string
	ClientID string
	Since    time.Time
	Until    time.Time
}

// Audit keeps the audit trail with a bounded retention.
type Audit interface {
	// AppendAudit stores an entry; the store sets ID (and At when zero).
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns matching entries, oldest first.
	ListAudit(ctx context.Context, f AuditFilter, p Page) (entries []AuditEntry, next string, err error)
}

// Store is everything the token service needs from a backend.
type Store interface {
	Keys
	Tokens
	Counters
	Singletons
	Events
	Audit
	// Ping reports whether the backend answers; it feeds /readyz.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}

// Options tune a backend. Zero values pick the documented defaults.
type Options struct {
	// OpTimeout bounds every store call (default 2s), so a stalled backend
	// turns into ErrUnavailable instead of a hung request.
	OpTimeout time.Duration
	// AuditRetention is how long audit entries are kept (default 90 days).
	AuditRetention time.Duration
}
