package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
)

// stackAdminToken is the admin token of every token service started here.
const stackAdminToken = "hardening-admin-token-0123456789abcdef-xyz"

// storeTimeout is the token service's store deadline in these tests: short,
// so a fault turns into 503 answers quickly.
const storeTimeout = 500 * time.Millisecond

// tokenService is a running cmd/tokensvc.
type tokenService struct {
	*serviceProcess
	url      string // public listener, also the issuer
	adminURL string
}

// startTokenService runs cmd/tokensvc on storeURL, signing with the key in
// keyFile, with extra settings in env.
func startTokenService(t testing.TB, storeURL, keyFile string, env ...string) *tokenService {
	t.Helper()
	pub, adm := testenv.FreeAddr(t), testenv.FreeAddr(t)
	s := &tokenService{url: "http://" + pub, adminURL: "http://" + adm}
	s.serviceProcess = startProcess(t, "tokensvc", binaryPath(t, "tokensvc"), s.url+"/readyz",
		append(tokenServiceEnv(pub, adm, storeURL, keyFile), env...))
	return s
}

// tokenServiceEnv is the token service's settings for listeners on pub and
// adm, the store at storeURL and the signing key in keyFile.
func tokenServiceEnv(pub, adm, storeURL, keyFile string) []string {
	return []string{
		"TOKENSVC_ADDR=" + pub, "TOKENSVC_ADMIN_ADDR=" + adm,
		"TOKENSVC_ADMIN_TOKEN=" + stackAdminToken, "TOKENSVC_STORE=" + storeURL,
		"TOKENSVC_ISSUER=http://" + pub, "TOKENSVC_SIGNING_KEY_FILE=" + keyFile,
		"TOKENSVC_STORE_TIMEOUT=" + storeTimeout.String(), "TOKENSVC_SHUTDOWN_GRACE=10s",
		"TOKENSVC_LOG_LEVEL=debug",
	}
}

// gatewayService is a running cmd/gqlgateway.
type gatewayService struct {
	*serviceProcess
	url        string
	metricsURL string
}

// startGatewayProcess runs cmd/gqlgateway in front of the token service at
// tokensvcURL with the gateway's own key.
func startGatewayProcess(t testing.TB, tokensvcURL string, key keyPair,
	env ...string) *gatewayService {
	t.Helper()
	addr, metrics := testenv.FreeAddr(t), testenv.FreeAddr(t)
	g := &gatewayService{url: "http://" + addr, metricsURL: "http://" + metrics}
	base := []string{
		"GQLGATEWAY_ADDR=" + addr, "GQLGATEWAY_METRICS_ADDR=" + metrics,
		"GQLGATEWAY_TOKENSVC_URL=" + tokensvcURL, "GQLGATEWAY_LOG_LEVEL=debug",
		"GQLGATEWAY_CLIENT_ID=" + key.ClientID, "GQLGATEWAY_CLIENT_SECRET=" + key.SecretID,
	}
	g.serviceProcess = startProcess(t, "gqlgateway", binaryPath(t, "gqlgateway"),
		g.url+"/healthz", append(base, env...))
	return g
}

// faultStack is Redis, a token service on it and a gateway in front: the
// production shape, on loopback.
type faultStack struct {
	redis   *redistest.Server
	svc     *tokenService
	gw      *gatewayService
	gwKey   keyPair
	keyFile string
	signer  *ecdsa.PrivateKey // the token service's real signing key
}

// newFaultStack starts the stack; env adds settings of the token service
// (TOKENSVC_*) and of the gateway (GQLGATEWAY_*).
func newFaultStack(t testing.TB, env ...string) *faultStack {
	t.Helper()
	var svcEnv, gwEnv []string
	for _, e := range env {
		if strings.HasPrefix(e, "GQLGATEWAY_") {
			gwEnv = append(gwEnv, e)
		} else {
			svcEnv = append(svcEnv, e)
		}
	}
	s := &faultStack{redis: redistest.Start(t)}
	s.keyFile, s.signer = writeSigningKey(t)
	s.svc = startTokenService(t, s.redis.URL, s.keyFile, svcEnv...)
	s.gwKey = s.svc.createKey(t, "platform", "Gateway", "tokens:introspect")
	s.gw = startGatewayProcess(t, s.svc.url, s.gwKey, gwEnv...)
	return s
}

// writeSigningKey writes a fresh P-256 key as PKCS#8 PEM and returns the
// file and the key, so tests can sign tokens with the service's own key.
func writeSigningKey(t testing.TB) (string, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		0o600); err != nil {
		t.Fatal(err)
	}
	return path, k
}

// forge signs claims with the service's real key and its published kid.
func (s *faultStack) forge(t testing.TB, claims jwt.MapClaims, edit func(h map[string]any)) string {
	t.Helper()
	status, body := getJSON(t, s.svc.url+"/.well-known/jwks.json")
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &set) != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %d %s", status, body)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["typ"], tok.Header["kid"] = "at+jwt", set.Keys[0].Kid
	if edit != nil {
		edit(tok.Header)
	}
	signed, err := tok.SignedString(s.signer)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// claimsFor are the claims the service would put in a token of k, issued
// now; tests change them to forge.
func (s *faultStack) claimsFor(k keyPair, account string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": s.svc.url, "sub": k.ClientID, "aud": []string{"positive-action-api"},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"jti": "6f1c7f8e-8a0e-4b8e-9d7e-3a6f7b1c2d3e", "client_id": k.ClientID,
		"scope": "api keys:manage", "account": account, "name": "Forged",
	}
}
