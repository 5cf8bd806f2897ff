package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc"
)

// consoleClock is a token-service clock that tests move forward.
type consoleClock struct{ offset atomic.Int64 }

func (c *consoleClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *consoleClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// testConsoleSignedOut opens links that cannot sign in and checks each ends
// on the signed-out page, never a broken one. Each case has its own tab,
// closed before its token service stops.
func testConsoleSignedOut(t *testing.T, browserCtx context.Context) {
	revoke := func(field string) func(*testing.T, *testenv.TokenService, string) {
		return func(t *testing.T, svc *testenv.TokenService, link string) {
			value := "acme"
			if field == "token" {
				value = linkToken(t, link)
			}
			resp := svc.Admin(t, http.MethodPost, "/admin/revocations",
				map[string]string{field: value})
			if resp.Status != http.StatusOK {
				t.Fatalf("revoking by %s: status %d, body %s", field, resp.Status, resp.Body)
			}
		}
	}
	tests := []struct {
		name    string
		address func(link string) string
		before  func(t *testing.T, svc *testenv.TokenService, link string)
		clock   time.Duration
	}{
		{name: "no token", address: withFragment("")},
		{name: "empty token", address: withFragment("#token=")},
		{name: "not a token", address: withFragment("#token=not-a-jwt")},
		{name: "expired link", clock: 16 * time.Minute},
		{name: "revoked link", before: revoke("token")},
		{name: "link of an account signed out by an operator", before: revoke("account")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &consoleClock{}
			svc := testenv.StartTokenService(t, testenv.Options{
				Config: tokensvc.Config{Now: clock.now}})
			link := mintConsoleLink(t, svc, "acme")
			if tc.before != nil {
				tc.before(t, svc, link)
			}
			clock.advance(tc.clock)
			address := link
			if tc.address != nil {
				address = tc.address(link)
			}
			ctx, _ := openConsoleTab(t, browserCtx, expectedRefusal)
			p := &consolePage{t: t, ctx: ctx, svc: svc}
			p.open(address)
			assertSignedOut(t, p, signedOutByLink)
		})
	}
	t.Run("revoked while open", func(t *testing.T) {
		svc := testenv.StartTokenService(t, testenv.Options{})
		ctx, _ := openConsoleTab(t, browserCtx, expectedRefusal)
		p := &consolePage{t: t, ctx: ctx, svc: svc}
		link := mintConsoleLink(t, svc, "acme")
		p.open(link)
		revoke("account")(t, svc, link)
		p.openNameDialog()
		p.submitName("Too late")
		waitFor(t, ctx, "the signed-out page",
			`!document.getElementById('view-signed-out').hidden`)
		assertSignedOut(t, p, signedOutByLink)
		if n := adminKeyCount(t, svc, "acme"); n != 0 {
			t.Errorf("a revoked console session created %d keys", n)
		}
	})
	t.Run("reload", func(t *testing.T) {
		svc := testenv.StartTokenService(t, testenv.Options{})
		ctx, _ := openConsoleTab(t, browserCtx, expectedRefusal)
		p := &consolePage{t: t, ctx: ctx, svc: svc}
		p.open(mintConsoleLink(t, svc, "acme"))
		if r := p.signedOutReason(); r != "" {
			t.Fatalf("a fresh link shows the signed-out page: %q", r)
		}
		step(t, ctx, "reloading", chromedp.Reload())
		p.waitSettled()
		assertSignedOut(t, p, signedOutByLink)
	})
}

// withFragment replaces a console link's fragment.
func withFragment(fragment string) func(link string) string {
	return func(link string) string {
		page, _, _ := strings.Cut(link, "#")
		return page + fragment
	}
}

// expectedRefusal lets the signed-out tests' 401 answers be logged by the
// browser as failed requests; nothing else is expected.
func expectedRefusal(m chromedp.ConsoleMessage) bool {
	return m.Source == "network" && strings.Contains(m.Text, "401")
}

func assertSignedOut(t *testing.T, p *consolePage, reason string) {
	t.Helper()
	if got := p.signedOutReason(); got != reason {
		t.Errorf("signed-out page says %q, want %q", got, reason)
	}
	if !eval[bool](t, p.ctx, `document.getElementById('view-keys').hidden &&
		document.getElementById('session').hidden &&
		![...document.querySelectorAll('dialog')].some((d) => d.open) &&
		document.getElementById('keys-body').childElementCount === 0`) {
		t.Errorf("the signed-out page still shows keys, the session or a popup")
	}
	note := eval[string](t, p.ctx, `document.querySelector('.signed-out-note').textContent`)
	if !strings.Contains(note, "reloading the page") {
		t.Errorf("the signed-out page does not explain that reloading signs out: %q", note)
	}
	if href := eval[string](t, p.ctx, `location.href`); strings.Contains(href, "token") {
		t.Errorf("the address still holds a token: %q", href)
	}
}
