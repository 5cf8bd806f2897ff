package gqlgateway

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Bounds of what can be an access token of the token service. They are
// generous: the point is to turn away garbage without a network call, and
// leave the real decision to introspection.
const (
	minTokenLen  = 24
	maxTokenLen  = 8192
	maxHeaderLen = 1024
)

// looksLikeAccessToken reports whether token has the shape of an RFC 9068
// access token: a compact JWS (three base64url parts, RFC 7515 §7.1) whose
// header says typ at+jwt and names a real algorithm. The signature is not
// checked: the token service decides whether a token is active.
func looksLikeAccessToken(token string) bool {
	if len(token) < minTokenLen || len(token) > maxTokenLen {
		return false
	}
	header, rest, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || header == "" || payload == "" || sig == "" || len(header) > maxHeaderLen {
		return false
	}
	if !isBase64URL(header) || !isBase64URL(payload) || !isBase64URL(sig) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return false
	}
	var h struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	typ := strings.ToLower(h.Typ)
	if typ != "at+jwt" && typ != "application/at+jwt" {
		return false
	}
	return h.Alg != "" && !strings.EqualFold(h.Alg, "none")
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet
// (the third part failing this also catches a fourth dot).
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_') {
			return false
		}
	}
	return true
}
