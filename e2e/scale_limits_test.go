package e2e

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// Failure-limit settings of the scale fleets: small, so the checks are
// quick.
const (
	fleetFailureLimit  = 3
	fleetFailureWindow = 2 * time.Second
	// sharedCountStaleness is how long an instance may go on letting a
	// right Secret ID through after other instances' failures reached the
	// limit: it reads the shared count for a success at most once a second
	// (tokensvc/ratelimit_shared.go).
	sharedCountStaleness = time.Second
)

// scaleTokenStatus asks ts for a token for k and returns the HTTP status
// of the answer and its Retry-After.
func scaleTokenStatus(t *testing.T, ts *testenv.TokenService, k testenv.Key) (int,
	time.Duration) {
	t.Helper()
	_, err := scaleIssue(ts.URL, k)
	var e *client.Error
	switch {
	case err == nil:
		return http.StatusOK, 0
	case errors.As(err, &e):
		return e.Status, e.RetryAfter
	}
	t.Fatalf("token request to %s: %v", ts.URL, err)
	return 0, 0
}

// wrongSecret is k with a Secret ID that is not its own.
func wrongSecret(k testenv.Key) testenv.Key {
	k.SecretID = "00000000-0000-4000-8000-000000000000"
	return k
}

// checkSharedFailureLimit shows how the failure limit behaves across
// instances. Failed authentications of a Client ID are counted in the
// store, so failures on any instance add to one count. The failures up to
// the limit are answered 401; any later one, on any instance, 429 at once
// (its own count returns the shared total). A right Secret ID is refused
// with 429 by an instance that has seen the count reach the limit, and by
// every other one within a second, as each reads the shared count for a
// succeeding Client ID at most once a second. Each instance then refuses
// for a window from the moment it learned of the block.
func (f *fleet) checkSharedFailureLimit(t *testing.T, label string) {
	t.Helper()
	first, last := f.ts[0], f.ts[len(f.ts)-1]
	spread := first.CreateKey(t, "limits-"+slug(label), "Spread", "read")
	local := first.CreateKey(t, "limits-"+slug(label), "Local", "read")
	// The last instance has just read the shared count for a success: the
	// slowest case for it to learn of a block reached elsewhere.
	if st, _ := scaleTokenStatus(t, last, spread); st != http.StatusOK {
		t.Fatalf("%s: first token: %d", label, st)
	}
	var limited time.Time // when the failure that reached the limit was answered
	for i := range fleetFailureLimit {
		spreadAt := f.ts[i%len(f.ts)]
		if i == fleetFailureLimit-1 {
			spreadAt = first // the failure that reaches the limit
		}
		for _, guess := range []struct {
			ts *testenv.TokenService
			k  testenv.Key
		}{{spreadAt, spread}, {first, local}} {
			st, _ := scaleTokenStatus(t, guess.ts, wrongSecret(guess.k))
			if st != http.StatusUnauthorized {
				t.Fatalf("%s: wrong guess %d for %s: status %d, want 401",
					label, i+1, guess.k.Name, st)
			}
			if guess.k.ClientID == spread.ClientID {
				limited = time.Now()
			}
		}
	}
	for i, ts := range f.ts[1:] {
		st, wait := scaleTokenStatus(t, ts, wrongSecret(local))
		if st != http.StatusTooManyRequests || wait <= 0 {
			t.Errorf("%s: instance %d, a wrong guess past a limit reached on instance 1: "+
				"%d (Retry-After %v), want 429 at once", label, i+2, st, wait)
		}
	}
	for i, ts := range f.ts {
		accepted, refused := lastAccepted(t, ts, spread, limited)
		if accepted < 0 {
			t.Logf("%s: instance %d refused the right Secret ID at once", label, i+1)
		} else {
			t.Logf("%s: instance %d let the right Secret ID through until %v after the "+
				"limit, then refused it", label, i+1, accepted.Round(time.Millisecond))
		}
		if !refused || accepted > sharedCountStaleness {
			t.Errorf("%s: instance %d let the right Secret ID through until %v after the "+
				"limit (refused after: %v), want at most %v", label, i+1, accepted, refused,
				sharedCountStaleness)
		}
	}

	time.Sleep(fleetFailureWindow + 200*time.Millisecond)
	for i, ts := range f.ts {
		for _, k := range []testenv.Key{spread, local} {
			if st, _ := scaleTokenStatus(t, ts, k); st != http.StatusOK {
				t.Errorf("%s: instance %d a window later: %s got %d, want 200",
					label, i+1, k.Name, st)
			}
		}
	}
}

// lastAccepted asks ts for tokens with k's right Secret ID until it answers
// 429 (for at most twice sharedCountStaleness), and returns how long after
// since the last request it answered 200 was sent (-1 if none was), and
// whether it did answer 429.
func lastAccepted(t *testing.T, ts *testenv.TokenService, k testenv.Key,
	since time.Time) (time.Duration, bool) {
	t.Helper()
	accepted := time.Duration(-1)
	for deadline := time.Now().Add(2 * sharedCountStaleness); time.Now().Before(deadline); {
		sent := time.Now()
		switch st, _ := scaleTokenStatus(t, ts, k); st {
		case http.StatusTooManyRequests:
			return accepted, true
		case http.StatusOK:
			accepted = sent.Sub(since)
		default:
			t.Errorf("the right Secret ID got %d, want 200 or 429", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return accepted, false
}
