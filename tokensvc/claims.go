package tokensvc

import (
	"encoding/json"
	"strconv"
	"time"
)

// tokenClaims are the RFC 9068 claims of one access token (§2.2), plus the
// key's account and Name.
type tokenClaims struct {
	issuer, audience string
	subject          string // the Client ID; also client_id
	issued, expires  time.Time
	id               string // jti
	scope            string // space-separated
	account, keyName string
}

// appendJSON appends the claims as one JSON object: iss, sub, aud (an array
// of one), exp, nbf (= iat), iat, jti, client_id, scope, account, name,
// times in whole seconds. It writes directly what encoding/json would make
// of the same claims through golang-jwt's types (the tests hold it to the
// byte), without reflection or a map per token.
func (c tokenClaims) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, "iss", c.issuer, true)
	b = appendField(b, "sub", c.subject, false)
	b = append(b, `,"aud":[`...)
	b = appendJSONString(b, c.audience)
	b = append(b, ']')
	b = appendSeconds(b, "exp", c.expires)
	b = appendSeconds(b, "nbf", c.issued)
	b = appendSeconds(b, "iat", c.issued)
	b = appendField(b, "jti", c.id, false)
	b = appendField(b, "client_id", c.subject, false)
	b = appendField(b, "scope", c.scope, false)
	b = appendField(b, "account", c.account, false)
	b = appendField(b, "name", c.keyName, false)
	return append(b, '}')
}

func appendField(b []byte, name, value string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendSeconds writes a NumericDate (RFC 7519 §2) in whole seconds,
// truncated as golang-jwt's default precision does.
func appendSeconds(b []byte, name string, t time.Time) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, t.Truncate(time.Second).Unix(), 10)
}

// appendJSONString writes s as a JSON string. Client IDs, token IDs,
// scopes and accounts are plain ASCII and are copied as they are; anything
// else (a Name with quotes or non-ASCII letters) is left to encoding/json,
// so its escaping rules (HTML-safe, U+2028, invalid UTF-8) hold exactly.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' ||
			c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
