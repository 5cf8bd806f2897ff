package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRevocationReachesEveryGatewayWithinOneSecond warms two gateways'
// caches with a token, revokes it through the admin API, and measures how
// long each gateway keeps accepting it.
func TestRevocationReachesEveryGatewayWithinOneSecond(t *testing.T) {
	for _, kind := range []string{"token", "clientId", "account"} {
		t.Run("by "+kind, func(t *testing.T) {
			e := newEnv(t)
			gws := []*gateway{e.startGateway(t), e.startGateway(t)}
			key := e.ts.CreateKey(t, "acme-"+strings.ToLower(kind), "Victim", "read")
			tok := e.ts.Token(t, key, "")
			for n, gw := range gws {
				before := gw.calls.introspections.Load()
				for i := 0; i < 3; i++ { // the first introspects, the rest hit the cache
					if a := gw.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
						t.Fatalf("warming: %d %s", a.status, a.raw)
					}
				}
				if got := gw.calls.introspections.Load() - before; got != 1 {
					t.Fatalf("gateway %d introspected %d times for 3 requests; its cache "+
						"is not warm", n+1, got)
				}
			}
			target := map[string]string{"token": tok, "clientId": key.ClientID,
				"account": key.Account}[kind]
			revokedAt := time.Now()
			r := e.ts.Admin(t, "POST", "/admin/revocations", map[string]string{kind: target})
			if r.Status != 200 {
				t.Fatalf("revoking: %d %s", r.Status, r.Body)
			}
			took := make([]time.Duration, len(gws))
			var wg sync.WaitGroup
			for i, gw := range gws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					took[i] = refusalDelay(t, gw, tok, revokedAt)
				}()
			}
			wg.Wait()
			t.Logf("revoked by %s: refused by gateway 1 after %v, gateway 2 after %v",
				kind, took[0], took[1])
			for i, d := range took {
				// The contract is one second; a healthy stream takes a few ms.
				if d > time.Second {
					t.Errorf("gateway %d accepted the revoked token for %v", i+1, d)
				}
			}
		})
	}
}

// refusalDelay polls a gateway until it refuses tok and returns how long
// after since that was (at most a little over two seconds).
func refusalDelay(t *testing.T, gw *gateway, tok string, since time.Time) time.Duration {
	for {
		a := gw.post(t, tok, "{viewer{name}}", nil)
		if a.status == 401 {
			return time.Since(since)
		}
		if a.status != 200 {
			t.Errorf("unexpected answer %d %s", a.status, a.raw)
			return time.Since(since)
		}
		if time.Since(since) > 2*time.Second {
			return time.Since(since)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestUnreachableTokenServiceAndRecovery cuts the network to the token
// service: the gateway must answer 503 and never run a protected operation,
// even for a token it had cached, then recover by itself.
func TestUnreachableTokenServiceAndRecovery(t *testing.T) {
	e := newEnv(t)
	gw := e.startGateway(t)
	key := e.ts.CreateKey(t, "acme", "Reader", "read")
	tok := e.ts.Token(t, key, "")
	login := fmt.Sprintf(`mutation{login(loginInput:{clientId:%q,secretId:%q}){accessToken}}`,
		key.ClientID, key.SecretID)
	for i := 0; i < 2; i++ {
		if a := gw.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
			t.Fatalf("warming: %d %s", a.status, a.raw)
		}
	}
	if n := gw.calls.introspections.Load(); n != 1 {
		t.Fatalf("%d introspections for a warm token, want 1", n)
	}

	e.proxy.down()
	cut := time.Now()
	var first time.Duration
	for {
		a := gw.post(t, tok, "{viewer{name}}", nil)
		if a.status == 503 {
			first = time.Since(cut)
			break
		}
		if time.Since(cut) > time.Second {
			t.Fatalf("still %d %s a second after the cut", a.status, a.raw)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("first 503 for a cached token %v after the cut", first)
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		for _, q := range []string{"{viewer{name}}", "mutation{logout}"} {
			a := gw.post(t, tok, q, nil)
			if a.status != 503 || a.code() != "SERVICE_UNAVAILABLE" || a.hasData() {
				t.Fatalf("%s while unreachable: %d %s", q, a.status, a.raw)
			}
		}
		if a := gw.post(t, "", login, nil); a.status != 503 ||
			a.code() != "SERVICE_UNAVAILABLE" {
			t.Fatalf("login while unreachable: %d %s", a.status, a.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if a := gw.send(t, "GET", "/readyz", "", "", nil); a.status != 503 {
		t.Errorf("/readyz while unreachable: %d", a.status)
	}

	e.proxy.up()
	back := time.Now()
	for {
		a := gw.post(t, tok, "{viewer{name}}", nil)
		if a.status == 200 {
			break
		}
		if time.Since(back) > 10*time.Second {
			t.Fatalf("no recovery: %d %s", a.status, a.raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
	gw.waitStreamUp(t)
	t.Logf("recovered %v after the network came back", time.Since(back))
	if a := gw.post(t, "", login, nil); a.status != 200 {
		t.Errorf("login after recovery: %d %s", a.status, a.raw)
	}
	if a := gw.send(t, "GET", "/readyz", "", "", nil); a.status != 200 {
		t.Errorf("/readyz after recovery: %d", a.status)
	}
}
