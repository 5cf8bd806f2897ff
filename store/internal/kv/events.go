package kv

import (
	"context"
	"fmt"
	"sync"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/contract"
)

// subscriberBuffer is how many events a subscriber may fall behind before
// its subscription is ended (and so reported as broken) rather than
// letting a revocation be lost silently or block the publisher.
const subscriberBuffer = 256

// hub fans revocation events out to the subscribers of this process: the
// embedded backends serve one process, so no event needs to leave it.
type hub struct {
	mu     sync.Mutex
	subs   map[chan store.Revocation]struct{}
	closed bool
}

func newHub() *hub {
	return &hub{subs: make(map[chan store.Revocation]struct{})}
}

// PublishRevocation hands r to every subscriber.
func (s *Store) PublishRevocation(ctx context.Context, r store.Revocation) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx, "publish revocation"); err != nil {
		return err
	}
	s.hub.publish(r)
	return nil
}

// SubscribeRevocations delivers events published from now on until ctx
// ends or the store closes.
func (s *Store) SubscribeRevocations(ctx context.Context) (<-chan store.Revocation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx, "subscribe to revocations"); err != nil {
		return nil, err
	}
	ch, err := s.hub.subscribe()
	if err != nil {
		return nil, fmt.Errorf("subscribe to revocations: %w", err)
	}
	context.AfterFunc(ctx, func() { s.hub.drop(ch) })
	return ch, nil
}

func (h *hub) subscribe() (chan store.Revocation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("store is closed: %w", store.ErrUnavailable)
	}
	ch := make(chan store.Revocation, subscriberBuffer)
	h.subs[ch] = struct{}{}
	return ch, nil
}

func (h *hub) publish(r store.Revocation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- contract.CopyRevocation(r):
		default:
			h.dropLocked(ch)
		}
	}
}

// drop ends one subscription; it is safe to call more than once.
func (h *hub) drop(ch chan store.Revocation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(ch)
}

func (h *hub) dropLocked(ch chan store.Revocation) {
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		h.dropLocked(ch)
	}
}
