package tokensvc_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/memory"
	"github.com/positiveaction/tokens/tokensvc"
)

// stepClock is a service clock a test moves by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestFailureLimitReachedElsewhereIsEnforcedEverywhere runs two instances on
// one store: failures counted by one block the Client ID on the other, for
// wrong Secret IDs at once and for the right one within the shared-check
// interval (one second), on the token endpoint and on introspection.
func TestFailureLimitReachedElsewhereIsEnforcedEverywhere(t *testing.T) {
	st := memory.New(store.Options{}, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { st.Close() })
	clock := &stepClock{now: time.Now()}
	cfg := tokensvc.Config{AuthFailureLimit: 3, AuthFailureIPLimit: 1000, Now: clock.Now}
	a := testenv.StartTokenService(t, testenv.Options{Store: st, Config: cfg})
	b := testenv.StartTokenService(t, testenv.Options{Store: st, Config: cfg})
	k := a.CreateKey(t, "acme", "Job", "api", tokensvc.ScopeIntrospect)
	cc := url.Values{"grant_type": {"client_credentials"}}

	// B lets k in and so has just read the shared counts.
	wantStatus(t, form(t, b.URL+"/oauth2/token", cc, k.ClientID, k.SecretID), http.StatusOK)
	for i := range 3 {
		r := form(t, a.URL+"/oauth2/token", cc, k.ClientID, "wrong")
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d on A: %d, want 401", i+1, r.Status)
		}
	}
	// An instance that never read k's counts refuses the right Secret ID.
	c := testenv.StartTokenService(t, testenv.Options{Store: st, Config: cfg})
	for name, target := range map[string]string{
		"token endpoint": c.URL + "/oauth2/token",
		"introspection":  c.URL + "/oauth2/introspect",
	} {
		values := url.Values{"grant_type": {"client_credentials"}, "token": {"x.y.z"}}
		if r := form(t, target, values, k.ClientID, k.SecretID); r.Status != 429 {
			t.Errorf("%s on an instance that saw no failure: %d, want 429", name, r.Status)
		}
	}
	// B read the counts a moment ago; within a second it reads them again.
	clock.Advance(time.Second)
	r := form(t, b.URL+"/oauth2/token", cc, k.ClientID, k.SecretID)
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// A wrong Secret ID elsewhere is counted past the limit: 429 at once.
	d := testenv.StartTokenService(t, testenv.Options{Store: st, Config: cfg})
	wantStatus(t, form(t, d.URL+"/oauth2/token", cc, k.ClientID, "wrong"),
		http.StatusTooManyRequests)
}
