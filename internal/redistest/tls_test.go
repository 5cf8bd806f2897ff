package redistest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestTLSServer checks the TLS listener from a client's side: a client that
// trusts CAFile talks to it, one that trusts only OtherCAFile is refused
// by its own certificate check, and a plain-text client gets no answer.
func TestTLSServer(t *testing.T) {
	t.Parallel()
	s := StartTLS(t)
	if s.TLSURL != "rediss://"+s.TLSAddr+"/0" {
		t.Errorf("TLSURL = %q", s.TLSURL)
	}
	ping := func(cfg *tls.Config) error {
		c := redis.NewClient(&redis.Options{Addr: s.TLSAddr, TLSConfig: cfg,
			DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	}
	trusting := func(caFile string) *tls.Config {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("%s holds no certificate", caFile)
		}
		return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}

	if err := ping(trusting(s.CAFile)); err != nil {
		t.Fatalf("PING over TLS trusting the server's authority: %v", err)
	}
	var unknown x509.UnknownAuthorityError
	if err := ping(trusting(s.OtherCAFile)); !errors.As(err, &unknown) {
		t.Errorf("PING trusting another authority: %v; want an unknown-authority error", err)
	}
	if err := ping(nil); err == nil {
		t.Error("a plain-text PING on the TLS port was answered")
	}
	if reply, err := s.Do("PING"); err != nil || reply != "PONG" {
		t.Errorf("plain-text PING on Addr = %q, %v", reply, err)
	}
}
