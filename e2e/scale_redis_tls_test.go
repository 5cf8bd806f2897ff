package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
)

// TestRedisOverTLS runs the token service binary on a rediss:// store whose
// certificate comes from a private authority, trusted the way any Go program
// trusts one: SSL_CERT_FILE (or SSL_CERT_DIR) names it. Keys and tokens go
// through the TLS listener, the only address the service is given. A service
// that does not trust the authority refuses to start and says why.
func TestRedisOverTLS(t *testing.T) {
	r := redistest.StartTLS(t)
	keyFile, _ := writeSigningKey(t)

	t.Run("trusted authority", func(t *testing.T) {
		svc := startTokenService(t, r.TLSURL, keyFile, "SSL_CERT_FILE="+r.CAFile)
		caller := svc.createKey(t, "platform", "Introspector", "tokens:introspect")
		k := svc.createKey(t, "acme", "Over TLS", "api")
		token := svc.token(t, k)
		if !svc.active(t, caller, token) {
			t.Fatal("a token just issued over a TLS store is not active")
		}
		// What the service stored is on the server: counted over the
		// plain-text listener, which the service was never given.
		n, err := r.Do("DBSIZE")
		if err != nil {
			t.Fatalf("DBSIZE: %v", err)
		}
		if keys, _ := strconv.Atoi(n); keys < 3 { // two keys and a token hash at least
			t.Errorf("DBSIZE = %s after two keys and a token; want at least 3", n)
		}
		if logs := svc.logs(); strings.Contains(logs, k.SecretID) || strings.Contains(logs, token) {
			t.Error("the service logged a Secret ID or a token")
		}
	})

	t.Run("unknown authority", func(t *testing.T) {
		env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"SSL_CERT_FILE=" + r.OtherCAFile, "SSL_CERT_DIR=" + t.TempDir()},
			tokenServiceEnv(testenv.FreeAddr(t), testenv.FreeAddr(t), r.TLSURL, keyFile)...)
		p := startScaleProc(t, "tokensvc", binaryPath(t, "tokensvc"), nil, env)
		select {
		case <-p.exited:
			if p.cmd.ProcessState.ExitCode() == 0 {
				t.Fatalf("tokensvc exited 0 on an untrusted store; output:\n%s", p.out)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("tokensvc kept running on a store whose certificate it cannot verify; "+
				"output:\n%s", p.out)
		}
		if logs := p.out.String(); !strings.Contains(logs, "certificate signed by unknown authority") {
			t.Errorf("tokensvc's exit does not name the certificate problem:\n%s", logs)
		}
	})
}
