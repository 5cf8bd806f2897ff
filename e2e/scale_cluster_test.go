package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc"
)

// fleetConfig is the token services' configuration in the scale tests.
func fleetConfig() tokensvc.Config {
	return tokensvc.Config{
		AuthFailureLimit:  fleetFailureLimit,
		AuthFailureWindow: fleetFailureWindow,
	}
}

// TestScaleClusterFleet runs two token services and two gateways on a
// three-master Redis Cluster and checks that they behave as one service,
// also while a master crashes and comes back.
func TestScaleClusterFleet(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3)
	f := startFleet(t, c.URL, 2, fleetConfig())

	f.checkActsAsOne(t, "cluster")
	t.Run("a master crashes and restarts under load", func(t *testing.T) {
		checkMasterRestart(t, c, f)
	})
}

// checkActsAsOne runs the checks every shared store must pass: tokens,
// revocations and failure limits hold across all instances and gateways.
func (f *fleet) checkActsAsOne(t *testing.T, kind string) {
	t.Run("a token from either instance is active on every instance and gateway",
		func(t *testing.T) {
			f.checkIssuedTokensEverywhere(t)
		})
	t.Run("a revocation on one instance is refused by every gateway within a second",
		func(t *testing.T) {
			f.checkRevocationsReachEveryGateway(t, kind)
		})
	t.Run("failed authentications are counted once for all instances", func(t *testing.T) {
		f.checkSharedFailureLimit(t, kind)
	})
}

// checkIssuedTokensEverywhere issues a token on each instance, and one
// through a gateway's login mutation, and checks every instance and
// gateway accepts each.
func (f *fleet) checkIssuedTokensEverywhere(t *testing.T) {
	t.Helper()
	for i, ts := range f.ts {
		key := ts.CreateKey(t, fmt.Sprintf("issued-%d", i+1), "Job", "read")
		f.wantActiveEverywhere(t, ts.Token(t, key, ""), key)
	}
	key := f.ts[0].CreateKey(t, "issued-login", "Console", "read")
	login := fmt.Sprintf(`mutation{login(loginInput:{clientId:%q,secretId:%q}){accessToken}}`,
		key.ClientID, key.SecretID)
	a := f.gws[len(f.gws)-1].post(t, "", login, nil)
	data, _ := a.body["data"].(map[string]any)
	payload, _ := data["login"].(map[string]any)
	tok, _ := payload["accessToken"].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login through the last gateway: %d %s", a.status, a.raw)
	}
	f.wantActiveEverywhere(t, tok, key)
}

// clusterMasterOf returns the index of the master that serves key (or channel)
// name: the others answer EXISTS with a MOVED redirection.
func clusterMasterOf(t *testing.T, c *redistest.Cluster, name string) int {
	t.Helper()
	for i, n := range c.Nodes {
		if _, err := n.Do("EXISTS", name); err == nil {
			return i
		}
	}
	t.Fatalf("no master serves %q", name)
	return -1
}

// keysAround creates keys until one has its records on master victim and
// one elsewhere.
func keysAround(t *testing.T, c *redistest.Cluster, ts *testenv.TokenService,
	victim int) (on, off testenv.Key) {
	t.Helper()
	var haveOn, haveOff bool
	for i := 0; i < 60 && !(haveOn && haveOff); i++ {
		k := ts.CreateKey(t, "restart", fmt.Sprintf("Key %d", i), "read")
		if clusterMasterOf(t, c, "pa:t:{"+k.ClientID+"}") == victim {
			on, haveOn = k, true
		} else {
			off, haveOff = k, true
		}
	}
	if !haveOn || !haveOff {
		t.Fatalf("60 keys and none on both sides of master %d", victim+1)
	}
	return on, off
}

// outage is how long a crashed Redis stays down in the scale tests.
const outage = 3 * time.Second

// checkMasterRestart crashes the master that carries the revocation channel
// and a key's records, under load through every instance, revokes a token
// while it is down, brings it back, and checks that nothing answered
// wrong, that the service came back by itself and that data written before
// is still there.
func checkMasterRestart(t *testing.T, c *redistest.Cluster, f *fleet) {
	victim := clusterMasterOf(t, c, "pa:rev")
	on, off := keysAround(t, c, f.ts[0], victim)
	keys := []testenv.Key{on, off}
	toks := []string{f.ts[0].Token(t, on, ""), f.ts[1].Token(t, off, "")}
	doomed := f.ts[0].Token(t, off, "") // revoked during the outage
	for _, g := range f.gws {
		for _, tok := range append(toks, doomed) {
			if a := g.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
				t.Fatalf("warming: %d %s", a.status, a.raw)
			}
		}
	}

	stop := make(chan struct{})
	during, done := f.load(keys, toks, stop)
	time.Sleep(200 * time.Millisecond)
	c.Nodes[victim].Kill()
	down := time.Now()
	time.Sleep(300 * time.Millisecond)

	r := f.ts[1].Admin(t, http.MethodPost, "/admin/revocations",
		map[string]string{"token": doomed})
	switch r.Status {
	case http.StatusOK:
		for i, g := range f.gws {
			accepted, refused, wrong := acceptance(g, doomed, time.Now())
			t.Logf("revoked during the outage: gateway %d last accepted the token %v "+
				"after, answered 401 after %v", i+1, accepted, refused)
			if wrong != "" || accepted > time.Second {
				t.Errorf("gateway %d with a token revoked during the outage: accepted for %v; %s",
					i+1, accepted, wrong)
			}
		}
	case http.StatusServiceUnavailable:
		t.Logf("revocation during the outage answered 503; it is retried after")
	default:
		t.Errorf("revocation during the outage: %d %s, want 200 or 503", r.Status, r.Body)
	}
	// Longer than the nodes' 2-second timeout: the others mark it failed and
	// the whole Cluster refuses (CLUSTERDOWN) until it is back.
	time.Sleep(time.Until(down.Add(outage)))
	c.Nodes[victim].Restart()
	restarted := time.Now()
	c.WaitOK()
	back := time.Now()
	t.Logf("master %d (%s) was down for %v; cluster_state:ok %v after its restart",
		victim+1, c.Nodes[victim].Addr, restarted.Sub(down).Round(time.Millisecond),
		back.Sub(restarted).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done
	t.Logf("answers while master %d crashed and restarted: %s", victim+1, during)
	for _, w := range during.wrong {
		t.Errorf("wrong answer during the restart: %s", w)
	}

	f.waitStreamsUp(t, 10*time.Second)
	t.Logf("gateways' revocation streams back %v after the restart",
		time.Since(back).Round(time.Millisecond))
	if r.Status != http.StatusOK {
		r = f.ts[1].Admin(t, http.MethodPost, "/admin/revocations",
			map[string]string{"token": doomed})
		if r.Status != http.StatusOK {
			t.Fatalf("revoking after the restart: %d %s", r.Status, r.Body)
		}
	}
	f.wantInactiveEverywhere(t, doomed)
	f.checkAfterOutage(t, keys, toks, during)
}

// checkAfterOutage checks that keys and tokens from before an outage, and
// tokens issued during it, are still there on every instance, and that
// issuing and revoking work again without restarting anything.
func (f *fleet) checkAfterOutage(t *testing.T, keys []testenv.Key, toks []string,
	during *scaleTally) {
	t.Helper()
	for _, ts := range f.ts {
		for _, k := range keys {
			if r := ts.Admin(t, http.MethodGet, "/admin/keys/"+k.ClientID, nil); r.Status != 200 {
				t.Errorf("key %s after the outage: %d %s", k.ClientID, r.Status, r.Body)
			}
		}
	}
	for i, tok := range toks {
		f.wantActiveEverywhere(t, tok, keys[i])
	}
	lost := 0
	for _, tok := range during.tokens {
		in, err := f.introspectAt(f.ts[0], tok)
		if err != nil {
			t.Fatalf("introspecting a token issued during the outage: %v", err)
		}
		if !in.Active {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d tokens issued (200) during the outage are not active after it",
			lost, len(during.tokens))
	}
	for i, ts := range f.ts {
		for _, k := range keys {
			if _, err := scaleIssue(ts.URL, k); err != nil {
				t.Errorf("instance %d issuing for %s after the outage: %v", i+1, k.ClientID, err)
			}
		}
	}
	f.checkRevocationsReachEveryGateway(t, "after the outage")
	f.checkSharedFailureLimit(t, "after the outage")
	if t.Failed() {
		return
	}
	t.Logf("after the outage: %d keys, %d earlier tokens and %d tokens issued during it "+
		"all there", len(keys), len(toks), len(during.tokens))
}

// acceptance polls a gateway with tok, revoked at since, until it answers
// 401 (for at most three seconds), and says how long after since it last
// accepted the token and when it first refused it. A clear 503 neither
// accepts nor refuses; any other answer is wrong.
func acceptance(g *gateway, tok string, since time.Time) (accepted, refused time.Duration,
	wrong string) {
	for time.Since(since) < 3*time.Second {
		a := g.postQuiet(tok, "{viewer{name}}")
		switch {
		case a.status == 200:
			accepted = time.Since(since)
		case a.status == 401:
			return accepted, time.Since(since), ""
		case a.status != 503 || a.code() != "SERVICE_UNAVAILABLE":
			return accepted, -1, fmt.Sprintf("answer %d %s", a.status, a.raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return accepted, -1, ""
}
