package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/contract"
)

const (
	revocationChannel = "pa:rev"
	// eventBuffer is how many events a slow subscriber may fall behind.
	eventBuffer = 64
)

// event is the wire form of a store.Revocation on the channel: JSON with
// short names, zero fields left out.
type event struct {
	TokenHash []byte    `json:"h,omitempty"`
	ClientID  string    `json:"c,omitempty"`
	Account   string    `json:"a,omitempty"`
	NotBefore time.Time `json:"nb,omitzero"`
	At        time.Time `json:"at,omitzero"`
}

// PublishRevocation announces r to every subscriber of every instance.
func (s *Store) PublishRevocation(ctx context.Context, r store.Revocation) error {
	payload, err := json.Marshal(event(contract.CopyRevocation(r)))
	if err != nil {
		return fmt.Errorf("publish revocation: %w", err)
	}
	ctx, cancel, err := s.op(ctx, "publish revocation")
	if err != nil {
		return err
	}
	defer cancel()
	err = s.c.Publish(ctx, revocationChannel, payload).Err()
	return s.fail(ctx, "publish revocation", err)
}

// SubscribeRevocations subscribes and waits for Redis to confirm before it
// returns, so no event published afterwards is missed. The channel closes
// when ctx ends, the store closes, the connection breaks or the
// subscription stops hearing its own echoes (see echo.go); then the caller
// subscribes again. go-redis's silent reconnection is not used, as it
// would hide the events lost meanwhile.
func (s *Store) SubscribeRevocations(ctx context.Context) (<-chan store.Revocation, error) {
	opCtx, cancel, err := s.op(ctx, "subscribe to revocations")
	if err != nil {
		return nil, err
	}
	defer cancel()
	ec := newEcho(time.Now())
	ps := s.c.Subscribe(opCtx, revocationChannel, ec.channel)
	for confirmed := 0; confirmed < 2; { // one confirmation per channel
		msg, err := ps.ReceiveTimeout(opCtx, s.opts.OpTimeout)
		if err != nil {
			_ = ps.Close()
			return nil, s.fail(opCtx, "subscribe to revocations", err)
		}
		if _, ok := msg.(*redis.Subscription); ok {
			confirmed++
		}
	}
	ec.heard = time.Now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ps.Close()
		return nil, fmt.Errorf("subscribe to revocations: store is closed: %w",
			store.ErrUnavailable)
	}
	s.subs[ps] = struct{}{}
	s.mu.Unlock()

	out := make(chan store.Revocation, eventBuffer)
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	go func() {
		defer close(out)
		defer stop()
		defer s.forget(ps)
		s.receive(ctx, ps, ec, out)
	}()
	return out, nil
}

// receive delivers messages until the subscription ends, breaks or goes
// deaf.
func (s *Store) receive(ctx context.Context, ps *redis.PubSub, ec *echo,
	out chan<- store.Revocation) {
	for {
		now := time.Now()
		if ec.deaf(now) {
			s.log.WarnContext(ctx, "revocation subscription hears nothing; subscribing again",
				"silent_for", now.Sub(ec.heard).Round(time.Millisecond))
			return
		}
		s.sendEcho(ctx, ec, now)
		msg, err := ps.ReceiveTimeout(ctx, ec.wait(time.Now()))
		if err != nil {
			if ctx.Err() == nil && isTimeout(err) {
				continue
			}
			if ctx.Err() == nil && !s.isClosed() {
				s.log.WarnContext(ctx, "revocation subscription lost", "err", err)
			}
			return
		}
		m, ok := msg.(*redis.Message)
		if !ok {
			continue // a subscription notice
		}
		if m.Channel == ec.channel {
			ec.heard = time.Now()
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
			s.log.WarnContext(ctx, "revocation event not understood", "err", err)
			continue
		}
		select {
		case out <- contract.CopyRevocation(store.Revocation(e)):
		case <-ctx.Done():
			return
		}
	}
}

func (s *Store) forget(ps *redis.PubSub) {
	s.mu.Lock()
	delete(s.subs, ps)
	s.mu.Unlock()
	_ = ps.Close()
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
