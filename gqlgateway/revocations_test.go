package gqlgateway

import (
	"testing"
	"time"
)

// refusedWithin polls until a request with tok is refused, and says when.
func refusedWithin(t *testing.T, tg *testGateway, tok string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		a := tg.post(t, tok, "{viewer{name}}", nil)
		if a.status == 401 {
			return time.Since(start)
		}
		if a.status != 200 {
			t.Fatalf("unexpected answer %d %s", a.status, a.raw)
		}
		if time.Since(start) > limit {
			t.Fatalf("token still accepted %v after its revocation", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRevocationEventsEvictWarmEntries(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(f *fakeTokenService, tok string)
	}{
		{name: "by token hash", revoke: func(f *fakeTokenService, tok string) { f.revoke(tok) }},
		{name: "by key", revoke: func(f *fakeTokenService, _ string) { f.revokeWhere("k1", "") }},
		{name: "by account", revoke: func(f *fakeTokenService, _ string) {
			f.revokeWhere("", "acme")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeTokenService(t)
			fake.addKey("k1", "s", "K1", "acme")
			fake.addKey("k2", "s", "K2", "globex")
			tg := startGateway(t, fake, nil)
			tg.waitTrusted(t)
			tok, other := fake.issue("k1"), fake.issue("k2")
			for i := 0; i < 3; i++ {
				tg.post(t, tok, "{viewer{name}}", nil)
				tg.post(t, other, "{viewer{name}}", nil)
			}
			if n := fake.introspections.Load(); n != 2 {
				t.Fatalf("warm cache made %d introspections for 2 tokens, want 2", n)
			}
			tc.revoke(fake, tok)
			took := refusedWithin(t, tg, tok, time.Second)
			t.Logf("revoked token refused %v after the revocation", took)
			before := fake.introspections.Load()
			if a := tg.post(t, other, "{viewer{name}}", nil); a.status != 200 {
				t.Fatalf("the other key's token: %d %s", a.status, a.raw)
			}
			if n := fake.introspections.Load(); n != before {
				t.Errorf("the other key's entry was evicted too (%d introspections)", n-before)
			}
		})
	}
}

func TestDeletedKeyTokensAreRefused(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("admin", "s", "Admin", "acme", "keys:manage")
	fake.addKey("victim", "s", "Victim", "acme")
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	victim := fake.issue("victim")
	if a := tg.post(t, victim, "{viewer{name}}", nil); a.status != 200 {
		t.Fatalf("warming: %d", a.status)
	}
	if a := tg.post(t, fake.issue("admin"), `mutation{deleteApiKey(clientId:"victim")}`,
		nil); a.status != 200 {
		t.Fatalf("deleteApiKey: %d %s", a.status, a.raw)
	}
	refusedWithin(t, tg, victim, time.Second)
}

func TestSilentStreamStopsTrustAndRecovers(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "K1", "acme")
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	tok := fake.issue("k1")
	tg.post(t, tok, "{viewer{name}}", nil)
	tg.post(t, tok, "{viewer{name}}", nil)
	if n := fake.introspections.Load(); n != 1 {
		t.Fatalf("warm cache: %d introspections, want 1", n)
	}

	fake.silent.Store(true)
	time.Sleep(1100 * time.Millisecond)
	before := fake.introspections.Load()
	for i := 0; i < 3; i++ {
		if a := tg.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
			t.Fatalf("while distrusted: %d %s", a.status, a.raw)
		}
	}
	if n := fake.introspections.Load() - before; n != 3 {
		t.Errorf("after a second of silence, 3 requests made %d introspections, want 3", n)
	}
	if opens := fake.streamOpens.Load(); opens < 2 {
		t.Errorf("the gateway opened the stream %d times, want a reconnection", opens)
	}

	fake.silent.Store(false)
	deadline := time.Now().Add(8 * time.Second)
	for !tg.gw.ids.trusted(time.Now()) {
		if time.Now().After(deadline) {
			t.Fatal("the gateway did not get its stream back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	tg.post(t, tok, "{viewer{name}}", nil)
	before = fake.introspections.Load()
	tg.post(t, tok, "{viewer{name}}", nil)
	if n := fake.introspections.Load() - before; n != 0 {
		t.Errorf("after reconnecting the cache is still distrusted (%d introspections)", n)
	}
}

func TestUnreachableTokenServiceNeverLetsProtectedOperationsThrough(t *testing.T) {
	fake := newFakeTokenService(t)
	fake.addKey("k1", "s", "K1", "acme")
	tg := startGateway(t, fake, nil)
	tg.waitTrusted(t)
	tok := fake.issue("k1")
	if a := tg.post(t, tok, "{viewer{name}}", nil); a.status != 200 {
		t.Fatalf("warming: %d", a.status)
	}

	fake.down.Store(true)
	deadline := time.Now().Add(1500 * time.Millisecond)
	var a answer
	for time.Now().Before(deadline) {
		if a = tg.post(t, tok, "{viewer{name}}", nil); a.status == 503 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a.status != 503 || a.code() != CodeServiceUnavailable || a.hasData() {
		t.Fatalf("with the token service gone: %d %s", a.status, a.raw)
	}
	if a := tg.post(t, fake.issue("k1"), "{viewer{name}}", nil); a.status != 503 {
		t.Errorf("a new token while the service is gone: %d %s", a.status, a.raw)
	}

	fake.down.Store(false)
	deadline = time.Now().Add(8 * time.Second)
	for {
		if a = tg.post(t, tok, "{viewer{name}}", nil); a.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not recover: %d %s", a.status, a.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tg.waitTrusted(t)
}
