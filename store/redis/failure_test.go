package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
)

// opTimeout is short so the failure tests stay quick; slack allows for a
// machine loaded by other tests. These tests do not run in parallel, as
// they time calls.
const (
	opTimeout = 400 * time.Millisecond
	slack     = time.Second
)

// calls are store calls of every kind, for the failure tests.
func calls(s *Store) map[string]func(context.Context) error {
	hash := []byte("0123456789abcdef0123456789abcdef")
	return map[string]func(context.Context) error{
		"Ping": s.Ping,
		"GetKey": func(ctx context.Context) error {
			_, err := s.GetKey(ctx, "c1")
			return err
		},
		"LookupToken": func(ctx context.Context) error {
			_, _, err := s.LookupToken(ctx, "c1", hash)
			return err
		},
		"SaveToken": func(ctx context.Context) error {
			return s.SaveToken(ctx, store.Token{ClientID: "c1", Hash: hash,
				ExpiresAt: time.Now().Add(time.Hour)})
		},
		"Incr": func(ctx context.Context) error {
			_, err := s.Incr(ctx, "n", time.Minute)
			return err
		},
		"ListKeys": func(ctx context.Context) error {
			_, _, err := s.ListKeys(ctx, store.KeyFilter{}, store.Page{})
			return err
		},
		"PublishRevocation": func(ctx context.Context) error {
			return s.PublishRevocation(ctx, store.Revocation{ClientID: "c1"})
		},
	}
}

// wantUnavailable runs every call and checks it fails with ErrUnavailable
// within the op timeout (and some slack for a loaded machine).
func wantUnavailable(t *testing.T, s *Store) {
	t.Helper()
	for name, call := range calls(s) {
		start := time.Now()
		err := call(t.Context())
		took := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s = %v, want ErrUnavailable", name, err)
		}
		if took > opTimeout+slack {
			t.Errorf("%s took %s to fail, want about the op timeout %s", name, took, opTimeout)
		}
	}
}

// wantRecovery waits until every call succeeds again, on the same store.
func wantRecovery(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for name, call := range calls(s) {
		for {
			err := call(t.Context())
			if err == nil || errors.Is(err, store.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still fails after the server came back: %v", name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func TestStoppedServerIsUnavailableThenRecovers(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: opTimeout})
	defer s.Close()
	k := store.Key{ClientID: "kept", Account: "acme"}
	if err := s.CreateKey(t.Context(), k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	srv.Stop()
	wantUnavailable(t, s)
	srv.Restart()
	wantRecovery(t, s)
	if _, err := s.GetKey(t.Context(), k.ClientID); err != nil {
		t.Errorf("GetKey after the restart: %v", err)
	}
}

func TestHungServerIsUnavailableWithinTheOpTimeout(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: opTimeout})
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	srv.Pause()
	start := time.Now()
	err := s.Ping(t.Context())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping of a hung server = %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took < opTimeout*3/4 || took > opTimeout+slack {
		t.Errorf("Ping of a hung server failed after %s, want about %s", took, opTimeout)
	}
	wantUnavailable(t, s)
	srv.Resume()
	wantRecovery(t, s)
}

func TestCallerCancellationIsNotUnavailability(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: opTimeout})
	defer s.Close()
	srv.Pause()
	defer srv.Resume()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := s.Ping(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping cancelled by its caller = %v, want context.Canceled only", err)
	}
}

func TestClusterNodeDownIsUnavailableThenRecovers(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	s := openStore(t, Config{Addrs: []string{c.Nodes[0].Addr}, Cluster: true},
		store.Options{OpTimeout: opTimeout})
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	c.Nodes[1].Stop()
	if err := s.Ping(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping with a master down = %v, want ErrUnavailable", err)
	}
	c.Nodes[1].Restart()
	c.WaitOK()
	wantRecovery(t, s)
}

func TestSubscriptionClosesWhenTheServerStops(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{OpTimeout: opTimeout})
	defer s.Close()
	ch, err := s.SubscribeRevocations(t.Context())
	if err != nil {
		t.Fatalf("SubscribeRevocations: %v", err)
	}
	srv.Stop()
	select {
	case _, open := <-ch:
		if open {
			t.Fatal("an event arrived from a stopped server")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the subscription is still open 3s after the server stopped")
	}
	if _, err := s.SubscribeRevocations(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("SubscribeRevocations while the server is down = %v, want ErrUnavailable", err)
	}
	srv.Restart()
	var again <-chan store.Revocation
	for deadline := time.Now().Add(10 * time.Second); ; {
		if again, err = s.SubscribeRevocations(t.Context()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SubscribeRevocations after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.PublishRevocation(t.Context(), store.Revocation{Account: "acme"}); err != nil {
		t.Fatalf("PublishRevocation: %v", err)
	}
	select {
	case e := <-again:
		if e.Account != "acme" {
			t.Errorf("event = %+v, want account acme", e)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no event on the new subscription")
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	srv := redistest.Start(t)
	s := openStore(t, Config{Addrs: []string{srv.Addr}}, store.Options{})
	ch, err := s.SubscribeRevocations(t.Context())
	if err != nil {
		t.Fatalf("SubscribeRevocations: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-ch:
	case <-time.After(3 * time.Second):
		t.Fatal("the subscription is still open 3s after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
