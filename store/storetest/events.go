package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func testEvents(t *testing.T, h *harness) {
	// Order is not part of the contract: a Redis Cluster relays publishes
	// between nodes, so two events may arrive swapped.
	t.Run("every subscriber receives every event", func(t *testing.T) {
		s := h.open(t)
		subs := make([]<-chan store.Revocation, 2)
		for i := range subs {
			ch, err := s.SubscribeRevocations(t.Context())
			must(t, "SubscribeRevocations", err)
			subs[i] = ch
		}
		at := now()
		events := []store.Revocation{
			{TokenHash: sum("token"), At: at},
			{ClientID: clientID(1), NotBefore: at.Add(-time.Second), At: at},
			{Account: "acme", NotBefore: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), At: at},
		}
		for _, e := range events {
			must(t, "PublishRevocation", s.PublishRevocation(t.Context(), e))
		}
		for i, ch := range subs {
			got := map[string]store.Revocation{}
			for range events {
				e := receive(t, ch)
				got[e.ClientID+"|"+e.Account+"|"+string(e.TokenHash)] = e
			}
			for _, want := range events {
				want.NotBefore, want.At = normTime(want.NotBefore), normTime(want.At)
				same(t, "event received by subscriber "+string(rune('A'+i)),
					got[want.ClientID+"|"+want.Account+"|"+string(want.TokenHash)], want)
			}
		}
	})

	t.Run("the channel closes when the context ends", func(t *testing.T) {
		s := h.open(t)
		ctx, cancel := context.WithCancel(t.Context())
		ch, err := s.SubscribeRevocations(ctx)
		must(t, "SubscribeRevocations", err)
		cancel()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case _, open := <-ch:
				if !open {
					return
				}
			case <-timeout:
				t.Fatal("the channel is still open 5s after its context ended")
			}
		}
	})

	t.Run("other subscribers go on when one leaves", func(t *testing.T) {
		s := h.open(t)
		ctx, cancel := context.WithCancel(t.Context())
		_, err := s.SubscribeRevocations(ctx)
		must(t, "SubscribeRevocations", err)
		stays, err := s.SubscribeRevocations(t.Context())
		must(t, "SubscribeRevocations", err)
		cancel()
		e := store.Revocation{ClientID: clientID(2), At: now()}
		must(t, "PublishRevocation", s.PublishRevocation(t.Context(), e))
		e.At = normTime(e.At)
		same(t, "event", receive(t, stays), e)
	})
}

// receive waits a while for the next event.
func receive(t *testing.T, ch <-chan store.Revocation) store.Revocation {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("the subscription closed while an event was due")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return store.Revocation{}
}
