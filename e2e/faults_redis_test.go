package e2e

import (
	"testing"
	"time"
)

// TestFaultsRedisStoppedHungAndSlowed keeps traffic on the token service
// and the gateway while Redis is stopped and restarted, hung, and slowed.
// Every answer is right or a clear 503 within the budget, no token is
// handed out that the store did not record, nothing protected passes, and
// afterwards the same processes serve again with every key still there.
func TestFaultsRedisStoppedHungAndSlowed(t *testing.T) {
	s := newFaultStack(t)
	f := newLoadFixture(t, s)
	svcPid, gwPid := s.svc.pid(), s.gw.pid()
	scenarios := []struct {
		name  string
		fault func()
		// wantUnavailable: the fault is long enough that some answers must
		// have been 503, or the test did not test anything.
		wantUnavailable bool
	}{
		{"stopped then restarted", func() {
			s.redis.Stop()
			time.Sleep(1500 * time.Millisecond)
			s.redis.Restart()
		}, true},
		{"hung then resumed", func() {
			s.redis.Pause()
			time.Sleep(1500 * time.Millisecond)
			s.redis.Resume()
		}, true},
		{"slowed by stalls shorter and longer than the store deadline", func() {
			for range 4 {
				s.redis.Pause()
				time.Sleep(storeTimeout / 2)
				s.redis.Resume()
				time.Sleep(100 * time.Millisecond)
			}
			s.redis.Pause()
			time.Sleep(2 * storeTimeout)
			s.redis.Resume()
		}, true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			l := faultWindow(t, f.ops(), sc.fault, s.svc.url+"/readyz")
			if sc.wantUnavailable && l.seen(503) == 0 {
				t.Error("no 503 during the fault: the fault did not reach the service")
			}
			f.verifyNothingLost(t, l)
		})
	}
	if s.svc.pid() != svcPid || s.gw.pid() != gwPid || !s.svc.running() || !s.gw.running() {
		t.Error("a process was restarted or died: the services must resume by themselves")
	}
}
