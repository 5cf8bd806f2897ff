package e2e

import (
	"testing"
	"time"
)

// TestFaultsTokenServiceKilledUnderTheGateway kills the token service
// (SIGKILL, as a crash) while traffic flows through the gateway, and starts
// it again a second later. The gateway answers 503 SERVICE_UNAVAILABLE
// meanwhile, never lets a protected operation through, and serves again by
// itself; every token handed out is recorded and every key is there.
func TestFaultsTokenServiceKilledUnderTheGateway(t *testing.T) {
	s := newFaultStack(t)
	f := newLoadFixture(t, s)
	f.svcMayBeDown = true
	gwPid := s.gw.pid()
	l := faultWindow(t, f.ops(), func() {
		s.svc.kill()
		time.Sleep(time.Second)
		s.svc.start()
	}, s.gw.url+"/readyz")
	if n := l.counts["gateway login"][503] + l.counts["gateway viewer, good token"][503]; n == 0 {
		t.Error("the gateway never answered 503 while the token service was down")
	}
	f.verifyNothingLost(t, l)
	if !s.gw.running() || s.gw.pid() != gwPid {
		t.Error("the gateway died or was restarted: it must resume by itself")
	}
}
