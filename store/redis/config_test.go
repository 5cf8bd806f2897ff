package redis

import (
	"crypto/tls"
	"strings"
	"testing"
)

// TestConfigString checks what logs and errors say of a store: its kind,
// addresses, database and whether it is TLS, never its password.
func TestConfigString(t *testing.T) {
	const secret = "s3cret-password"
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Addrs: []string{"10.0.0.1:6379"}, Password: secret},
			"redis at 10.0.0.1:6379 db 0"},
		{Config{Addrs: []string{"cache:6380"}, DB: 2, Username: "svc", Password: secret,
			TLS: &tls.Config{ServerName: "cache"}},
			"redis at cache:6380 db 2 over TLS"},
		{Config{Addrs: []string{"a:7000", "b:7000"}, Cluster: true, TLS: &tls.Config{}},
			"redis cluster at a:7000,b:7000 db 0 over TLS"},
		{Config{Addrs: []string{"s:26379"}, MasterName: "mymaster", Password: secret},
			"redis sentinel master mymaster at s:26379 db 0"},
	}
	for _, tt := range tests {
		got := tt.cfg.String()
		if got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if strings.Contains(got, secret) || strings.Contains(tt.cfg.LogValue().String(), secret) {
			t.Errorf("%q shows the password", got)
		}
	}
}
