package redis

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
)

// TestHungServerEndsTheSubscriptionWithinTheEchoDeadline freezes the
// server: the connection stays open but no echo comes back, so the
// subscription must end soon after echoDeadline.
func TestHungServerEndsTheSubscriptionWithinTheEchoDeadline(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: opTimeout})
	defer s.Close()
	ch, err := s.SubscribeRevocations(t.Context())
	if err != nil {
		t.Fatalf("SubscribeRevocations: %v", err)
	}
	time.Sleep(2 * echoEvery) // a few echoes come back first
	srv.Pause()
	defer srv.Resume()
	paused := time.Now()
	select {
	case _, open := <-ch:
		if open {
			t.Fatal("an event arrived from a frozen server")
		}
	case <-time.After(echoDeadline + echoEvery + slack):
		t.Fatalf("the subscription is still open %v after the server froze",
			time.Since(paused).Round(time.Millisecond))
	}
	t.Logf("the subscription ended %v after the server froze",
		time.Since(paused).Round(time.Millisecond))
}

// TestSubscriptionFollowsASentinelFailover forces a failover while the old
// master stays up. go-redis sends commands to the new master at once but
// leaves a subscription where it is, on the old master, which hears
// nothing of what is published on the new one; the echo ends it, and a new
// subscription (as the token service's relay makes) hears revocations
// published after the switch within a second.
func TestSubscriptionFollowsASentinelFailover(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	replica := redistest.StartReplica(t, master)
	g := redistest.StartSentinels(t, master, 1, redistest.SentinelOptions{})
	g.WaitAcquainted(1)
	s := openStore(t, Config{Addrs: []string{g.Nodes[0].Addr}, MasterName: redistest.MasterName},
		store.Options{OpTimeout: opTimeout})
	defer s.Close()
	first, err := s.SubscribeRevocations(t.Context())
	if err != nil {
		t.Fatalf("SubscribeRevocations: %v", err)
	}
	events := make(chan store.Revocation, 16)
	go relay(t, s, first, events) // subscribes again whenever a subscription ends

	g.Failover()
	g.WaitMaster(replica.Addr, 20*time.Second)
	waitWritesReach(t, s, replica)
	if role, err := master.Do("ROLE"); err != nil || !strings.HasPrefix(role, "master") {
		t.Fatalf("the old master answers ROLE %q, %v: the test needs it still a master", role,
			err)
	}
	switched := time.Now()
	for n := 0; ; n++ {
		if err := s.PublishRevocation(t.Context(), store.Revocation{Account: "acme"}); err != nil {
			t.Logf("PublishRevocation %d: %v", n, err)
		}
		select {
		case <-events:
			took := time.Since(switched)
			t.Logf("a revocation published after the failover was heard after %v",
				took.Round(time.Millisecond))
			if took > time.Second {
				t.Errorf("revocations were lost for %v after the failover, want under 1s", took)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(switched) > 5*time.Second {
			t.Fatal("no revocation published after the failover was heard within 5s")
		}
	}
}

// relay forwards what subscription ch hears, and subscribes again
// whenever a subscription ends, until the test ends.
func relay(t *testing.T, s *Store, ch <-chan store.Revocation, out chan<- store.Revocation) {
	for {
		for e := range ch {
			select {
			case out <- e:
			default:
			}
		}
		for {
			if t.Context().Err() != nil {
				return
			}
			var err error
			if ch, err = s.SubscribeRevocations(t.Context()); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// waitWritesReach waits until the store's writes land on newMaster: its
// client has followed the failover.
func waitWritesReach(t *testing.T, s *Store, newMaster *redistest.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := s.Incr(t.Context(), "failover-probe", time.Minute)
		got, _ := newMaster.Do("GET", counterKey("failover-probe"))
		if err == nil && got == strconv.FormatInt(n, 10) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store's writes do not reach the new master: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
