package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/positiveaction/tokens/store"
)

// Format bytes at the head of each record, so a later layout can be told
// apart from this one.
const (
	keyFormat   = 1
	auditFormat = 1
	// tokenFormatDelta stores IssuedAt as nanoseconds before ExpiresAt (the
	// usual, compact case); tokenFormatTime stores it as a full time.
	tokenFormatDelta = 1
	tokenFormatTime  = 2
)

// TokenExpiryOffset is where a token record keeps ExpiresAt: eight bytes,
// big-endian, nanoseconds since the Unix epoch. The position is fixed so a
// Redis script can read the expiry without decoding the whole record.
const TokenExpiryOffset = 1

// EncodeKey encodes everything of k but its Client ID, which is the
// storage key.
func EncodeKey(k store.Key) []byte {
	b := make([]byte, 0, 96+len(k.Name)+len(k.SecretHash)+len(k.PrevSecretHash))
	b = append(b, keyFormat)
	b = appendString(b, k.Name)
	b = appendString(b, k.Account)
	b = appendStrings(b, k.Scopes)
	b = appendBytes(b, k.SecretHash)
	b = appendBytes(b, k.PrevSecretHash)
	b = AppendTime(b, k.PrevSecretExpiresAt)
	b = AppendTime(b, k.CreatedAt)
	b = AppendTime(b, k.LastUsedAt)
	return AppendTime(b, k.TokensNotBefore)
}

// DecodeKey decodes a record written by EncodeKey for clientID.
func DecodeKey(clientID string, b []byte) (store.Key, error) {
	r := reader{b: b}
	r.version(keyFormat)
	k := store.Key{
		ClientID:            clientID,
		Name:                r.string(),
		Account:             r.string(),
		Scopes:              r.strings(),
		SecretHash:          r.bytes(),
		PrevSecretHash:      r.bytes(),
		PrevSecretExpiresAt: r.time(),
		CreatedAt:           r.time(),
		LastUsedAt:          r.time(),
		TokensNotBefore:     r.time(),
	}
	if err := r.finish(); err != nil {
		return store.Key{}, fmt.Errorf("decode key %q: %w", clientID, err)
	}
	return k, nil
}

// EncodeToken encodes everything of t but its Client ID and hash, which are
// the storage key. ExpiresAt must lie within the years 1678 to 2262 (the
// range of int64 nanoseconds); contract.CheckToken ensures it does.
func EncodeToken(t store.Token) ([]byte, error) {
	exp := t.ExpiresAt.UnixNano()
	if !time.Unix(0, exp).Equal(t.ExpiresAt) {
		return nil, fmt.Errorf("token expiry %s is out of range", t.ExpiresAt)
	}
	b := make([]byte, 0, 48+len(t.Account))
	iss, delta := t.IssuedAt.UnixNano(), false
	if time.Unix(0, iss).Equal(t.IssuedAt) && iss >= 0 && iss <= exp {
		delta = true
		b = append(b, tokenFormatDelta)
	} else {
		b = append(b, tokenFormatTime)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(exp))
	if delta {
		b = binary.AppendUvarint(b, uint64(exp-iss))
	} else {
		b = AppendTime(b, t.IssuedAt)
	}
	b = appendID(b, t.ID)
	b = appendString(b, t.Account)
	return appendStrings(b, t.Scopes), nil
}

// DecodeToken decodes a record written by EncodeToken.
func DecodeToken(clientID string, hash, b []byte) (store.Token, error) {
	r := reader{b: b}
	format := r.byte()
	exp := int64(r.uint64be())
	t := store.Token{ClientID: clientID, ExpiresAt: time.Unix(0, exp).UTC()}
	switch format {
	case tokenFormatDelta:
		d := r.uvarint()
		if r.err == nil && d > uint64(exp) {
			r.fail("issue time before 1970 in the compact form")
		}
		t.IssuedAt = time.Unix(0, exp-int64(min(d, math.MaxInt64))).UTC()
	case tokenFormatTime:
		t.IssuedAt = r.time()
	default:
		r.fail("unknown format %d", format)
	}
	t.ID = r.id()
	t.Account = r.string()
	t.Scopes = r.strings()
	if err := r.finish(); err != nil {
		return store.Token{}, fmt.Errorf("decode token of key %q: %w", clientID, err)
	}
	t.Hash = append([]byte(nil), hash...)
	return t, nil
}

// TokenExpiry reads only the expiry of an encoded token, in nanoseconds
// since the Unix epoch.
func TokenExpiry(b []byte) (int64, error) {
	if len(b) < TokenExpiryOffset+8 {
		return 0, fmt.Errorf("token expiry: %w: truncated", ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(b[TokenExpiryOffset:])), nil
}

// EncodeAudit encodes everything of e but its ID, which is the storage key.
func EncodeAudit(e store.AuditEntry) []byte {
	b := make([]byte, 0, 32+len(e.Actor)+len(e.Action)+len(e.Account)+
		len(e.ClientID)+len(e.Remote)+len(e.Detail))
	b = append(b, auditFormat)
	b = AppendTime(b, e.At)
	for _, s := range []string{e.Actor, e.Action, e.Account, e.ClientID, e.Remote, e.Detail} {
		b = appendString(b, s)
	}
	return b
}

// DecodeAudit decodes a record written by EncodeAudit for the entry id.
func DecodeAudit(id string, b []byte) (store.AuditEntry, error) {
	r := reader{b: b}
	r.version(auditFormat)
	e := store.AuditEntry{
		ID:       id,
		At:       r.time(),
		Actor:    r.string(),
		Action:   r.string(),
		Account:  r.string(),
		ClientID: r.string(),
		Remote:   r.string(),
		Detail:   r.string(),
	}
	if err := r.finish(); err != nil {
		return store.AuditEntry{}, fmt.Errorf("decode audit entry %s: %w", id, err)
	}
	return e, nil
}
