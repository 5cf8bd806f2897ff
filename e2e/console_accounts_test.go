package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/positiveaction/tokens/internal/testenv"
)

// testConsoleAccounts checks that a link shows its own account's keys only,
// also when a second link is opened in the same tab, and pagination.
func testConsoleAccounts(t *testing.T, browserCtx context.Context) {
	svc := testenv.StartTokenService(t, testenv.Options{})
	ctx, _ := openConsoleTab(t, browserCtx, nil)
	p := &consolePage{t: t, ctx: ctx, svc: svc}
	acme := []testenv.Key{
		svc.CreateKey(t, "acme", "Acme billing", "api"),
		svc.CreateKey(t, "acme", "Acme reports", "api"),
	}
	globex := svc.CreateKey(t, "globex", "Globex backend", "api")

	// A link without the slash after /console is redirected and still works.
	bare := strings.Replace(mintConsoleLink(t, svc, "acme"), "/console/#", "/console#", 1)
	p.open(bare)
	if href := eval[string](t, ctx, `location.href`); href != svc.URL+"/console/" {
		t.Errorf("address after the redirect is %q, want %q", href, svc.URL+"/console/")
	}
	if got := clientIDs(p.rows()); !sameSet(got, []string{acme[0].ClientID, acme[1].ClientID}) {
		t.Fatalf("acme's console lists %v, want acme's two keys", got)
	}

	// A second link in the same tab only changes the fragment.
	globexLink := mintConsoleLink(t, svc, "globex")
	step(t, ctx, "opening globex's link in the same tab", chromedp.Navigate(globexLink))
	waitFor(t, ctx, "globex's keys", `document.getElementById('account-name').textContent ===
		'globex' && document.getElementById('keys-loading').hidden &&
		document.querySelectorAll('#keys-body tr').length === 1`)
	if got := clientIDs(p.rows()); !sameSet(got, []string{globex.ClientID}) {
		t.Errorf("globex's console lists %v, want only %s", got, globex.ClientID)
	}
	html := p.html()
	for _, k := range acme {
		if strings.Contains(html, k.ClientID) || strings.Contains(html, k.Name) {
			t.Errorf("globex's console shows acme's key %s (%s)", k.ClientID, k.Name)
		}
	}
	if strings.Contains(eval[string](t, ctx, `location.href`), "token") {
		t.Errorf("the second link's token stayed in the address bar")
	}
	partner := p.createKey("Globex partner")
	p.closeCredentials()
	if n, m := adminKeyCount(t, svc, "globex"), adminKeyCount(t, svc, "acme"); n != 2 || m != 2 {
		t.Errorf("after creating in globex's console: globex has %d keys (want 2), acme %d "+
			"(want 2)", n, m)
	}
	globexToken := linkToken(t, globexLink)
	resp := testenv.JSONRequest(t, http.MethodDelete,
		svc.URL+"/account/keys/"+acme[0].ClientID, globexToken, nil)
	if resp.Status != http.StatusNotFound {
		t.Errorf("globex's console token deleting acme's key: status %d, want 404", resp.Status)
	}
	if _, ok := p.row(partner.ClientID); !ok {
		t.Errorf("the key created in globex's console is not listed")
	}

	testConsolePages(t, p)
}

// testConsolePages checks "Load more" on an account with more keys than
// one page holds.
func testConsolePages(t *testing.T, p *consolePage) {
	t.Helper()
	const total = 55 // one page is 50
	for i := 1; i <= total; i++ {
		p.svc.CreateKey(t, "initech", numbered("Initech job", i), "api")
	}
	p.open(mintConsoleLink(t, p.svc, "initech"))
	// The first page is full although the account's own console key, which
	// is never listed, may sort into it.
	waitFor(t, p.ctx, "initech's first page", `document.getElementById('account-name').textContent
		=== 'initech' && document.querySelectorAll('#keys-body tr').length > 0 &&
		!document.getElementById('keys-more').hidden`)
	first := len(p.rows())
	if first != 50 {
		t.Fatalf("the first page lists %d keys, want 50", first)
	}
	step(t, p.ctx, "clicking Load more", chromedp.Click(chromedp.ID("load-more")))
	waitFor(t, p.ctx, "the second page",
		`document.querySelectorAll('#keys-body tr').length === 55 &&
		 document.getElementById('keys-more').hidden`)
	rows := p.rows()
	ids := clientIDs(rows)
	slices.Sort(ids)
	if len(slices.Compact(ids)) != total {
		t.Errorf("after Load more the table lists %d distinct keys, want %d", len(ids), total)
	}
	focused := eval[string](t, p.ctx,
		`document.activeElement.closest('tr')?.dataset.clientId || ''`)
	if focused != rows[first].ClientID {
		t.Errorf("after Load more focus is on %q, want the first new row %q", focused,
			rows[first].ClientID)
	}
}

func clientIDs(rows []consoleRow) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.ClientID)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
