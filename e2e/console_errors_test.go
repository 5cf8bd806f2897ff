package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/memory"
)

// flakyStore is a memory store whose key listing can be made unreachable,
// so the service answers 503 while everything else works.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (s *flakyStore) ListKeys(ctx context.Context, f store.KeyFilter,
	p store.Page) ([]store.Key, string, error) {
	if s.down.Load() {
		return nil, "", fmt.Errorf("listing keys: %w", store.ErrUnavailable)
	}
	return s.Store.ListKeys(ctx, f, p)
}

// refusedOrUnreachable lets the error tests' failed requests be logged by
// the browser; nothing else is expected.
func refusedOrUnreachable(m chromedp.ConsoleMessage) bool {
	return m.Source == "network" && (strings.Contains(m.Text, "status of 403") ||
		strings.Contains(m.Text, "status of 503") ||
		strings.Contains(m.Text, "ERR_CONNECTION_REFUSED"))
}

// testConsoleErrors checks the sentences people get when the service
// refuses (403), cannot serve (503) or cannot be reached at all.
func testConsoleErrors(t *testing.T, browserCtx context.Context) {
	t.Run("missing scope", func(t *testing.T) {
		svc := testenv.StartTokenService(t, testenv.Options{})
		ctx, _ := openConsoleTab(t, browserCtx, refusedOrUnreachable)
		p := &consolePage{t: t, ctx: ctx, svc: svc}
		// An ordinary key's token holds no keys:manage.
		k := svc.CreateKey(t, "acme", "Plain key", "api")
		p.open(svc.URL + "/console/#token=" + svc.Token(t, k, ""))
		assertPageError(t, p, "This console link does not allow managing keys")
	})

	t.Run("store unavailable", func(t *testing.T) {
		st := &flakyStore{Store: memory.New(store.Options{OpTimeout: time.Second},
			slog.New(slog.DiscardHandler))}
		t.Cleanup(func() { st.Close() })
		svc := testenv.StartTokenService(t, testenv.Options{Store: st})
		ctx, _ := openConsoleTab(t, browserCtx, refusedOrUnreachable)
		p := &consolePage{t: t, ctx: ctx, svc: svc}
		k := svc.CreateKey(t, "acme", "Billing service", "api")
		st.down.Store(true)
		p.open(mintConsoleLink(t, svc, "acme"))
		assertPageError(t, p, "The service is temporarily unavailable. Please try again")
		st.down.Store(false)
		step(t, ctx, "clicking Try again", chromedp.Click(chromedp.ID("page-error-retry")))
		waitFor(t, ctx, "the list after Try again", `document.getElementById('page-error').hidden
			&& document.querySelectorAll('#keys-body tr').length === 1`)
		if _, ok := p.row(k.ClientID); !ok {
			t.Errorf("the key is not listed after Try again")
		}
	})

	t.Run("service unreachable", func(t *testing.T) {
		svc := testenv.StartTokenService(t, testenv.Options{})
		ctx, _ := openConsoleTab(t, browserCtx, refusedOrUnreachable)
		p := &consolePage{t: t, ctx: ctx, svc: svc}
		p.open(mintConsoleLink(t, svc, "acme"))
		p.openNameDialog()
		svc.Stop()
		p.submitName("Billing service")
		waitFor(t, ctx, "the error in the Name popup",
			`!document.getElementById('name-dialog-error').hidden`)
		msg := eval[string](t, ctx, `document.getElementById('name-dialog-error').textContent`)
		if !strings.HasPrefix(msg, "Cannot reach the service.") {
			t.Errorf("with the service down the Name popup says %q", msg)
		}
		if !eval[bool](t, ctx, `document.getElementById('name-dialog').open &&
			document.getElementById('key-name').value === 'Billing service' &&
			!document.getElementById('name-submit').disabled`) {
			t.Errorf("the Name popup did not stay open, with the Name, ready to try again")
		}
	})
}

// assertPageError waits for the error above the table and checks it.
func assertPageError(t *testing.T, p *consolePage, want string) {
	t.Helper()
	waitFor(t, p.ctx, "the page's error", `!document.getElementById('page-error').hidden`)
	got := eval[string](t, p.ctx, `document.getElementById('page-error-text').textContent`)
	if !strings.HasPrefix(got, want) {
		t.Errorf("the page says %q, want it to start %q", got, want)
	}
	if r := p.signedOutReason(); r != "" {
		t.Errorf("an error that is not a 401 signed the page out: %q", r)
	}
}
