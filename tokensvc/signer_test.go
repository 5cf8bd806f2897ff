package tokensvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"
)

// Every ES256 signature verifies, whatever the lengths of r and s (about
// one in 128 has a 31-byte or shorter r or s, so 2,000 signatures meet
// both the short and the sign-byte forms), and the same input signs the
// same way (RFC 6979) while another input does not.
func TestES256SignaturesVerify(t *testing.T) {
	s := freshSigner(t, AlgES256)
	pub := &s.private.(*ecdsa.PrivateKey).PublicKey
	short := 0
	for i := range 2000 {
		input := fmt.Appendf(nil, "header.claims-%d", i)
		sig, err := s.signature(input)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Fatalf("signature %d: %d bytes, want 64", i, len(sig))
		}
		if sig[0] == 0 || sig[32] == 0 {
			short++
		}
		digest := sha256.Sum256(input)
		r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, digest[:], r, sv) {
			t.Fatalf("signature %d does not verify", i)
		}
		if i < 5 {
			again, _ := s.signature(input)
			if !bytes.Equal(again, sig) {
				t.Fatalf("signature %d is not deterministic", i)
			}
		}
	}
	if short == 0 {
		t.Fatal("no signature with a short r or s in 2,000: the padding went untested")
	}
}

func TestRawECDSASignature(t *testing.T) {
	pad := func(b byte, n int) string { return hex.EncodeToString(bytes.Repeat([]byte{b}, n)) }
	for _, tc := range []struct {
		name, der, want string // hex; want "" means an error
	}{
		{"one-byte r and s", "3006020101020102", pad(0, 31) + "01" + pad(0, 31) + "02"},
		{"sign bytes", "3046022100" + pad(0xff, 32) + "022100" + pad(0x80, 32), pad(0xff, 32) + pad(0x80, 32)},
		{"full length", "30440220" + pad(0x11, 32) + "0220" + pad(0x22, 32), pad(0x11, 32) + pad(0x22, 32)},
		{"empty", "", ""},
		{"not a sequence", "3106020101020102", ""},
		{"wrong sequence length", "3007020101020102", ""},
		{"one integer", "3003020101", ""},
		{"trailing bytes", "300702010102010200", ""},
		{"not an integer", "3006030101020102", ""},
		{"empty integer", "30050200020102", ""},
		{"integer past the end", "3006020101020202", ""},
		{"too long", "3047022200" + pad(0x11, 33) + "020102", ""},
		{"negative", "3006020181020102", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, _ := hex.DecodeString(tc.der)
			got, err := rawECDSASignature(der, 32)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted, got %x", got)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != tc.want {
				t.Fatalf("got %x, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// BenchmarkSign compares the service's ES256 signing with golang-jwt's
// randomised one and EdDSA.
func BenchmarkSign(b *testing.B) {
	input := []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9")
	for _, alg := range []string{AlgES256, AlgEdDSA} {
		s := freshSigner(b, alg)
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.signature(input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	s := freshSigner(b, AlgES256)
	b.Run("ES256-golang-jwt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.method.Sign(string(input), s.private); err != nil {
				b.Fatal(err)
			}
		}
	})
}
