package tokensvc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// Secret is a Secret ID, a token or the admin token held in memory. Its
// String and LogValue redact, so a careless %v or slog field cannot leak it.
type Secret string

// String redacts the secret.
func (Secret) String() string { return "[redacted]" }

// LogValue redacts the secret in structured logs.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// newID returns a random version 4 UUID from crypto/rand, the form of both
// Client IDs and Secret IDs.
func newID() (string, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return id.String(), nil
}

// hashSecret digests a Secret ID for storage. A Secret ID carries 122 random
// bits, so one SHA-256 resists guessing as well as a slow hash would, without
// making the token endpoint a CPU-exhaustion target.
func hashSecret(secret string) []byte {
	var buf [128]byte // Secret IDs are 36 bytes: no allocation for the input
	sum := sha256.Sum256(append(append(buf[:0], "secret-id\x00"...), secret...))
	return sum[:]
}

// secretMatches compares a presented Secret ID with a stored hash in
// constant time. An empty stored hash never matches.
func secretMatches(stored []byte, presented string) bool {
	if len(stored) != sha256.Size {
		// Still spend the same work, so timing tells nothing.
		_ = hashSecret(presented)
		return false
	}
	return subtle.ConstantTimeCompare(stored, hashSecret(presented)) == 1
}

// hashToken digests an access token; records are stored under it.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// TokenHashString is the wire form of a token hash (base64url, no padding),
// the key gateways cache introspection answers under.
func TokenHashString(token string) string {
	return base64.RawURLEncoding.EncodeToString(hashToken(token))
}

func encodeHash(h []byte) string { return base64.RawURLEncoding.EncodeToString(h) }
