package tokensvc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/golang-jwt/jwt/v5"

	"github.com/positiveaction/tokens/store"
)

// Signing algorithms the service can sign access tokens with.
const (
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// signer signs access tokens with one asymmetric key parsed once at start.
type signer struct {
	alg     string
	method  jwt.SigningMethod
	private crypto.Signer
	kid     string
	jwk     map[string]string // the public key as a JWK, for the JWKS
	// header is the encoded JWS header (alg, kid, typ at+jwt), the same for
	// every token, so it is made once.
	header string
}

// loadSigner reads the signing key from pemFile when given, else takes the
// one kept in the store, generating and storing it on first start so every
// instance and every restart signs with the same key.
func loadSigner(ctx context.Context, st store.Singletons, alg, pemFile string) (*signer, error) {
	var pemBytes []byte
	if pemFile != "" {
		b, err := os.ReadFile(pemFile)
		if err != nil {
			return nil, fmt.Errorf("reading signing key file: %w", err)
		}
		pemBytes = b
	} else {
		fresh, err := generatePEM(alg)
		if err != nil {
			return nil, err
		}
		pemBytes, err = st.PutIfAbsent(ctx, "signing-key-"+alg, fresh)
		if err != nil {
			return nil, fmt.Errorf("keeping the signing key in the store: %w", err)
		}
	}
	return parseSigner(alg, pemBytes)
}

func generatePEM(alg string) ([]byte, error) {
	var key any
	var err error
	switch alg {
	case AlgES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgEdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding %s key: %w", alg, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseSigner(alg string, pemBytes []byte) (*signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("signing key: no PEM block found")
	}
	var parsed any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("signing key: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s := &signer{alg: alg}
	switch k := parsed.(type) {
	case *ecdsa.PrivateKey:
		if alg != AlgES256 || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key: a P-256 EC key needs algorithm ES256, not %s", alg)
		}
		s.method, s.private = jwt.SigningMethodES256, k
		pub, err := k.PublicKey.ECDH()
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		raw := pub.Bytes() // 0x04 || X || Y
		s.jwk = map[string]string{
			"kty": "EC", "crv": "P-256",
			"x": b64(raw[1:33]), "y": b64(raw[33:65]),
		}
	case ed25519.PrivateKey:
		if alg != AlgEdDSA {
			return nil, fmt.Errorf("signing key: an Ed25519 key needs algorithm EdDSA, not %s", alg)
		}
		s.method, s.private = jwt.SigningMethodEdDSA, k
		s.jwk = map[string]string{
			"kty": "OKP", "crv": "Ed25519", "x": b64(k.Public().(ed25519.PublicKey)),
		}
	default:
		return nil, fmt.Errorf("signing key: unsupported key type %T", parsed)
	}
	s.kid = thumbprint(s.jwk)
	header, err := json.Marshal(map[string]string{"alg": alg, "kid": s.kid, "typ": "at+jwt"})
	if err != nil {
		return nil, fmt.Errorf("signing key: encoding the JWS header: %w", err)
	}
	s.header = b64(header)
	return s, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the required
// members in lexicographic order, which encoding/json gives for maps.
func thumbprint(jwk map[string]string) string {
	required := map[string]string{"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]}
	if y, ok := jwk["y"]; ok {
		required["y"] = y
	}
	b, _ := json.Marshal(required) // a map of strings always marshals
	sum := sha256.Sum256(b)
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign makes a compact JWS (RFC 7515 §7.1) of the claims with the RFC 9068
// header: the prepared header, the claims encoded straight into the
// buffer, and the signature of golang-jwt's signing method.
func (s *signer) sign(claims tokenClaims) (string, error) {
	var payload [512]byte
	body := claims.appendJSON(payload[:0])
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(s.header)+2+enc.EncodedLen(len(body))+maxSignatureB64)
	buf = append(buf, s.header...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, body)
	sig, err := s.signature(buf)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	buf = append(buf, '.')
	return string(enc.AppendEncode(buf, sig)), nil
}

// signature signs the JWS signing input. ES256 signatures are the
// deterministic ones of RFC 6979 (crypto/ecdsa with no random source):
// any verifier accepts them, they need no entropy per token, and they cost
// about a fifth less CPU than golang-jwt's randomised ones (BenchmarkSign).
// EdDSA signatures are deterministic by definition.
func (s *signer) signature(input []byte) ([]byte, error) {
	k, ok := s.private.(*ecdsa.PrivateKey)
	if !ok {
		return s.method.Sign(string(input), s.private)
	}
	digest := sha256.Sum256(input)
	der, err := k.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return rawECDSASignature(der, 32)
}

// rawECDSASignature turns an ASN.1 DER ECDSA signature, SEQUENCE {INTEGER
// r, INTEGER s}, into the JWS form (RFC 7518 §3.4): r and s big-endian,
// each left-padded to size bytes.
func rawECDSASignature(der []byte, size int) ([]byte, error) {
	bad := errors.New("malformed ECDSA signature")
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 || der[1] >= 0x80 {
		return nil, bad
	}
	rest := der[2:]
	out := make([]byte, 2*size)
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || int(rest[1]) > len(rest)-2 || rest[1] == 0 {
			return nil, bad
		}
		n := rest[2 : 2+int(rest[1])]
		rest = rest[2+len(n):]
		if n[0]&0x80 != 0 {
			return nil, bad // negative
		}
		if len(n) > 1 && n[0] == 0 {
			n = n[1:] // the sign byte before a high first byte
		}
		if len(n) > size {
			return nil, bad
		}
		copy(out[(i+1)*size-len(n):(i+1)*size], n)
	}
	if len(rest) != 0 {
		return nil, bad
	}
	return out, nil
}

// maxSignatureB64 is the encoded length of an ES256 or EdDSA signature
// (64 bytes each).
const maxSignatureB64 = 86

// publicJWK returns the public key with its use, algorithm and key ID.
func (s *signer) publicJWK() map[string]string {
	out := make(map[string]string, len(s.jwk)+3)
	for k, v := range s.jwk {
		out[k] = v
	}
	out["kid"], out["alg"], out["use"] = s.kid, s.alg, "sig"
	return out
}
