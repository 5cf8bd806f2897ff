package kv

import (
	"encoding/binary"

	"github.com/positiveaction/tokens/store/internal/codec"
)

// Buckets, each a sorted map from key bytes to value bytes.
const (
	// bucketKeys: Client ID -> codec key record.
	bucketKeys = "keys"
	// bucketAccounts: prefixed(account) + Client ID -> empty.
	bucketAccounts = "accounts"
	// bucketTokens: prefixed(Client ID) + hash -> codec token record.
	bucketTokens = "tokens"
	// bucketKeyTokens: prefixed(Client ID) + ordered(expiry) + hash ->
	// empty: a key's tokens in listing order.
	bucketKeyTokens = "key-tokens"
	// bucketExpiries: ordered(expiry) + prefixed(Client ID) + hash ->
	// empty: every token in expiry order, for the sweep.
	bucketExpiries = "token-expiries"
	// bucketCounters: name -> ordered(expiry) + big-endian count.
	bucketCounters = "counters"
	// bucketCounterExpiries: ordered(expiry) + name -> empty.
	bucketCounterExpiries = "counter-expiries"
	// bucketSingletons: name -> value.
	bucketSingletons = "singletons"
	// bucketAudit: big-endian millisecond + sequence -> codec audit record.
	bucketAudit = "audit"
)

// Buckets lists every bucket an Engine must provide.
var Buckets = []string{
	bucketKeys, bucketAccounts, bucketTokens, bucketKeyTokens, bucketExpiries,
	bucketCounters, bucketCounterExpiries, bucketSingletons, bucketAudit,
}

// prefixed writes s with its length in front, so that a prefix scan for one
// account or Client ID never runs into a longer one.
func prefixed(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// splitPrefixed reverses prefixed, returning the string and what follows.
func splitPrefixed(b []byte) (s string, rest []byte, ok bool) {
	n, size := binary.Uvarint(b)
	if size <= 0 || n > uint64(len(b)-size) {
		return "", nil, false
	}
	end := size + int(n)
	return string(b[size:end]), b[end:], true
}

func accountKey(account, clientID string) []byte {
	return append(prefixed(nil, account), clientID...)
}

func tokenKey(clientID string, hash []byte) []byte {
	return append(prefixed(nil, clientID), hash...)
}

func keyTokenKey(clientID string, expires int64, hash []byte) []byte {
	return append(codec.AppendOrdered(prefixed(nil, clientID), expires), hash...)
}

func expiryKey(expires int64, clientID string, hash []byte) []byte {
	return append(prefixed(codec.AppendOrdered(nil, expires), clientID), hash...)
}

func counterExpiryKey(expires int64, name string) []byte {
	return append(codec.AppendOrdered(nil, expires), name...)
}

func auditKey(ms int64, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(ms))
	return binary.BigEndian.AppendUint64(b, seq)
}
