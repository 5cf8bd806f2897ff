package tokensvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/positiveaction/tokens/store"
)

// RevokeToken ends one token. It reports whether a record was removed; an
// unknown or already inactive token is not an error (RFC 7009 §2.2).
// When onlyClientID is set, a token of another key is left alone.
func (s *Service) RevokeToken(ctx context.Context, token, onlyClientID string) (bool, error) {
	clientID, ok := unverifiedClientID(token)
	if !ok || (onlyClientID != "" && clientID != onlyClientID) {
		return false, nil
	}
	hash := hashToken(token)
	err := s.store.DeleteToken(ctx, clientID, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("revoking token: %w", err)
	}
	s.announce(ctx, store.Revocation{TokenHash: hash, At: s.now()})
	return true, nil
}

// RevokeKeyTokens ends every token of a key issued until now with one write:
// the key's not-before mark moves to now.
func (s *Service) RevokeKeyTokens(ctx context.Context, clientID string) error {
	k, err := s.store.GetKey(ctx, clientID)
	if err != nil {
		return fmt.Errorf("reading key: %w", err)
	}
	now := s.now()
	if err := s.markKey(ctx, k, now); err != nil {
		return err
	}
	s.announce(ctx, store.Revocation{ClientID: clientID, NotBefore: now, At: now})
	return nil
}

// RevokeAccountTokens ends every token of every key of an account, one write
// per key whatever the number of tokens, and returns how many keys it marked.
func (s *Service) RevokeAccountTokens(ctx context.Context, account string) (int, error) {
	if err := validateAccount(account); err != nil {
		return 0, err
	}
	now := s.now()
	marked, cursor := 0, ""
	for {
		keys, next, err := s.store.ListKeys(ctx, store.KeyFilter{Account: account},
			store.Page{Cursor: cursor, Limit: 500})
		if err != nil {
			return marked, fmt.Errorf("listing keys of account: %w", err)
		}
		for _, k := range keys {
			if err := s.markKey(ctx, k, now); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // deleted meanwhile: its tokens are dead already
				}
				return marked, err
			}
			marked++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.announce(ctx, store.Revocation{Account: account, NotBefore: now, At: now})
	return marked, nil
}

// markKey raises the key's revocation mark with a store operation of its
// own, which a concurrent rotation's UpdateKey cannot undo.
func (s *Service) markKey(ctx context.Context, k store.Key, at time.Time) error {
	if !k.TokensNotBefore.Before(at) {
		return nil
	}
	if err := s.store.MarkTokensNotBefore(ctx, k.ClientID, at); err != nil {
		return fmt.Errorf("marking key revoked: %w", err)
	}
	return nil
}

// announce publishes a revocation through the store so every instance, and
// every gateway streaming from any of them, evicts what it cached. The
// revocation itself is already durable; a failed announcement is logged and
// gateways fall back on their stream-loss rule.
func (s *Service) announce(ctx context.Context, r store.Revocation) {
	s.metrics.revoked(r)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := s.store.PublishRevocation(ctx, r); err != nil {
		s.log.Warn("publishing revocation failed", "err", err)
	}
}

// relayRevocations subscribes to the store's revocation events and hands
// them to local listeners, resubscribing with backoff until ctx ends.
func (s *Service) relayRevocations(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		events, err := s.store.SubscribeRevocations(ctx)
		if err != nil {
			s.log.Warn("revocation subscription failed", "err", err, "retry_in", backoff)
			s.hub.setLive(false)
			s.keys.setLive(false)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		s.hub.setLive(true)
		s.keys.setLive(true)
		for r := range events {
			if r.ClientID != "" {
				s.keys.forget(r.ClientID)
			}
			if !isKeyChange(r) {
				s.hub.broadcast(r)
			}
		}
		s.hub.setLive(false)
		s.keys.setLive(false)
	}
}

// announceKeyChange tells every instance that a key's record changed (a
// rotation), so each drops the key from its cache at once. It travels as a
// revocation event of the key with a zero NotBefore, which revokes no
// token; instances do not pass it on to gateways. If it cannot be
// published, other instances may accept the previous secret for up to
// keyCacheTTL.
func (s *Service) announceKeyChange(ctx context.Context, clientID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	err := s.store.PublishRevocation(ctx, store.Revocation{ClientID: clientID, At: s.now()})
	if err != nil {
		s.log.Warn("publishing key change failed", "client_id", clientID, "err", err)
	}
}

// isKeyChange tells announceKeyChange's events from revocations.
func isKeyChange(r store.Revocation) bool {
	return r.ClientID != "" && len(r.TokenHash) == 0 && r.NotBefore.IsZero()
}

// revocationHub fans revocation events out to the streams of subscribed
// gateways. live says whether this instance's store subscription is up: a
// stream is only healthy while it is.
type revocationHub struct {
	log  *slog.Logger
	mu   sync.Mutex
	subs map[chan store.Revocation]struct{}
	live bool
	// liveChanged is closed and replaced whenever live flips.
	liveChanged chan struct{}
}

func newRevocationHub(log *slog.Logger) *revocationHub {
	return &revocationHub{
		log:         log,
		subs:        make(map[chan store.Revocation]struct{}),
		liveChanged: make(chan struct{}),
	}
}

func (h *revocationHub) setLive(live bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live != live {
		h.live = live
		close(h.liveChanged)
		h.liveChanged = make(chan struct{})
	}
}

func (h *revocationHub) status() (bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.live, h.liveChanged
}

func (h *revocationHub) subscribe() chan store.Revocation {
	ch := make(chan store.Revocation, 256)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *revocationHub) unsubscribe(ch chan store.Revocation) {
	h.mu.Lock()
	delete(h.subs, ch)
	h.mu.Unlock()
}

// broadcast delivers r to every subscriber. A subscriber too slow to take it
// is dropped (its channel closed), so it reconnects and distrusts its cache
// instead of silently missing a revocation.
func (h *revocationHub) broadcast(r store.Revocation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- r:
		default:
			h.log.Warn("revocation stream subscriber too slow; dropping it")
			delete(h.subs, ch)
			close(ch)
		}
	}
}
