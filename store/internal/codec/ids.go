package codec

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/positiveaction/tokens/store"
)

// appendID writes an identifier, in 17 bytes instead of 37 when it is a
// UUID in canonical lowercase form (as every JWT ID this service issues is):
// a zero tag, then the 16 bytes. Any other string is written with its
// length plus one in front.
func appendID(b []byte, s string) []byte {
	if u, ok := parseUUID(s); ok {
		b = append(b, 0)
		return append(b, u[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

func (r *reader) id() string {
	tag := r.uvarint()
	if r.err != nil {
		return ""
	}
	if tag == 0 {
		return formatUUID(r.fixed(16))
	}
	n := tag - 1
	if n > uint64(len(r.b)) {
		r.fail("identifier length %d exceeds the %d bytes left", n, len(r.b))
		return ""
	}
	return string(r.fixed(int(n)))
}

// parseUUID accepts only the canonical lowercase form, so formatUUID gives
// back exactly the same string.
func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	// Every group has an even number of digits, so a pair never spans a dash.
	for i, j := 0, 0; i < len(s); {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++ // a dash, checked above
			continue
		}
		hi, okHi := lowerHexDigit(s[i])
		lo, okLo := lowerHexDigit(s[i+1])
		if !okHi || !okLo {
			return u, false
		}
		u[j] = hi<<4 | lo
		i, j = i+2, j+1
	}
	return u, true
}

func lowerHexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func formatUUID(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// AppendOrdered writes n as eight bytes whose byte order is the numeric
// order of n, negative numbers included, for index keys that must sort by
// time.
func AppendOrdered(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

// Ordered reads eight bytes written by AppendOrdered.
func Ordered(b []byte) (int64, error) {
	if len(b) < 8 {
		return 0, fmt.Errorf("ordered number: %w: truncated", ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), nil
}

// AuditID formats the ID of an audit entry from the millisecond it was
// appended in and its sequence number within that millisecond, as 32 hex
// digits: string order is append order in every backend.
func AuditID(ms int64, seq uint64) string {
	return fmt.Sprintf("%016x%016x", uint64(ms), seq)
}

// ParseAuditID reverses AuditID.
func ParseAuditID(id string) (ms int64, seq uint64, err error) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 16 || hex.EncodeToString(b) != id {
		return 0, 0, fmt.Errorf("audit id %q: %w", id, ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(b)), binary.BigEndian.Uint64(b[8:]), nil
}

// TokenCursor is the opaque cursor of a token listing: the position of the
// last token returned in the order of expiry, then hash.
func TokenCursor(t store.Token) string {
	b := AppendOrdered(nil, t.ExpiresAt.UnixNano())
	return base64.RawURLEncoding.EncodeToString(append(b, t.Hash...))
}

// ParseTokenCursor reverses TokenCursor.
func ParseTokenCursor(c string) (expires int64, hash []byte, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 8 {
		return 0, nil, fmt.Errorf("token cursor: %w", ErrCorrupt)
	}
	expires, err = Ordered(b)
	return expires, b[8:], err
}
