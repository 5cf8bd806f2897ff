package tokensvc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/positiveaction/tokens/store"
)

// streamPing is how often the revocation stream proves it is alive; a
// subscriber that hears nothing for four pings treats the stream as lost.
const streamPing = 250 * time.Millisecond

// revocationJSON is one event on the revocation stream.
type revocationJSON struct {
	TokenHash string     `json:"tokenHash,omitempty"`
	ClientID  string     `json:"clientId,omitempty"`
	Account   string     `json:"account,omitempty"`
	NotBefore *time.Time `json:"notBefore,omitempty"`
}

func toRevocationJSON(r store.Revocation) revocationJSON {
	out := revocationJSON{ClientID: r.ClientID, Account: r.Account}
	if len(r.TokenHash) > 0 {
		out.TokenHash = encodeHash(r.TokenHash)
	}
	if !r.NotBefore.IsZero() {
		nb := r.NotBefore.UTC()
		out.NotBefore = &nb
	}
	return out
}

// handleRevocationStream is GET /oauth2/revocations: server-sent events of
// every revocation, for gateways that cache introspection answers. Only
// Basic authentication of a key holding tokens:introspect is accepted. The
// stream is ended whenever this instance loses its store subscription, so
// the subscriber knows it may have missed events.
func (s *Service) handleRevocationStream(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticateFormCaller(w, r, nil, ScopeIntrospect); !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeAPIError(w, http.StatusInternalServerError, "internal", "streaming unsupported")
		return
	}
	live, liveChanged := s.hub.status()
	if !live {
		writeAPIError(w, http.StatusServiceUnavailable, "unavailable",
			"the revocation feed from the store is down; try again shortly")
		return
	}
	// The stream outlives the server's write timeout.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})

	events := s.hub.subscribe()
	defer s.hub.unsubscribe(events)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "event: ready\ndata: {}\n\n"); err != nil {
		return
	}
	flusher.Flush()

	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-s.draining:
			return
		case <-liveChanged:
			return // the store feed flipped; make the subscriber reconnect
		case ev, ok := <-events:
			if !ok {
				return // too slow: dropped by the hub
			}
			b, _ := json.Marshal(toRevocationJSON(ev)) // plain strings and a time
			_, err = fmt.Fprintf(w, "event: revoked\ndata: %s\n\n", b)
		case <-ping.C:
			_, err = fmt.Fprint(w, "event: ping\ndata: {}\n\n")
		}
		if err != nil {
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		flusher.Flush()
		_ = rc.SetWriteDeadline(time.Time{})
	}
}
