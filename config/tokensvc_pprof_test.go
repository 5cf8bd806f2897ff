package config

import (
	"strings"
	"testing"
)

func TestPprofAddrIsLoopbackOnly(t *testing.T) {
	cases := []struct {
		name, addr string
		ok         bool
	}{
		{"unset is off", "", true},
		{"IPv4 loopback", "127.0.0.1:6060", true},
		{"IPv6 loopback", "[::1]:6060", true},
		{"localhost", "localhost:6060", true},
		{"every interface", ":6060", false},
		{"a routable address", "10.0.0.5:6060", false},
		{"all IPv4 interfaces", "0.0.0.0:6060", false},
		{"no port", "127.0.0.1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadTokenService(MapEnv(map[string]string{"TOKENSVC_PPROF_ADDR": tc.addr}), true)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("TOKENSVC_PPROF_ADDR=%q refused: %v", tc.addr, err)
			case !tc.ok && (err == nil || !strings.Contains(err.Error(), "TOKENSVC_PPROF_ADDR")):
				t.Fatalf("TOKENSVC_PPROF_ADDR=%q: error %v, want a refusal naming the setting",
					tc.addr, err)
			case tc.ok && c.PprofAddr != tc.addr:
				t.Fatalf("PprofAddr = %q, want %q", c.PprofAddr, tc.addr)
			}
		})
	}
}
