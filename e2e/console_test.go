package e2e

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/positiveaction/tokens/internal/testenv"
)

// The web console's tests drive the real page in headless chromium against a
// real token service over loopback. Every subtest opens its own tab and
// fails when the page logs an error, a warning or a CSP violation.

var uuidV4 = regexp.MustCompile(
	`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

const wantCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const signedOutByLink = "This console link has expired or was revoked. Ask for a new link."

func TestConsoleHeaders(t *testing.T) {
	svc := testenv.StartTokenService(t, testenv.Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	tests := []struct {
		name        string
		path        string
		status      int
		contentType string
		cache       string
	}{
		{"page", "/console/", http.StatusOK, "text/html; charset=utf-8", "no-store"},
		{"redirect to the page", "/console", http.StatusMovedPermanently, "", "no-store"},
		{"stylesheet", "/console/console.css", http.StatusOK, "text/css; charset=utf-8",
			"no-cache"},
		{"script", "/console/js/main.js", http.StatusOK, "text/javascript; charset=utf-8",
			"no-cache"},
		{"icon", "/console/favicon.svg", http.StatusOK, "image/svg+xml", "no-cache"},
		{"missing file", "/console/nothing-here.js", http.StatusNotFound,
			"text/plain; charset=utf-8", "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.Get(svc.URL + tc.path)
			if err != nil {
				t.Fatalf("GET %s: %v", tc.path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
			want := map[string]string{
				"Content-Security-Policy": wantCSP,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
				"Cache-Control":           tc.cache,
			}
			if tc.contentType != "" {
				want["Content-Type"] = tc.contentType
			}
			if tc.status == http.StatusMovedPermanently {
				want["Location"] = "/console/"
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("GET %s: %s is %q, want %q", tc.path, k, got, v)
				}
			}
		})
	}
}

func TestConsoleInBrowser(t *testing.T) {
	browserCtx := startConsoleBrowser(t)
	t.Run("key lifecycle", func(t *testing.T) { testConsoleKeyLifecycle(t, browserCtx) })
	t.Run("accounts and pages", func(t *testing.T) { testConsoleAccounts(t, browserCtx) })
	t.Run("signed out", func(t *testing.T) { testConsoleSignedOut(t, browserCtx) })
	t.Run("errors", func(t *testing.T) { testConsoleErrors(t, browserCtx) })
	t.Run("screenshots", func(t *testing.T) { testConsoleScreenshots(t, browserCtx) })
}

// testConsoleKeyLifecycle walks one key through the console: sign-in,
// refused Names, creation by keyboard, copying, the Secret ID leaving the
// page, a real token with it, rotation, deletion and sign-out.
func testConsoleKeyLifecycle(t *testing.T, browserCtx context.Context) {
	svc := testenv.StartTokenService(t, testenv.Options{})
	ctx, _ := openConsoleTab(t, browserCtx, nil)
	grantClipboard(t, ctx, svc.URL)
	p := &consolePage{t: t, ctx: ctx, svc: svc}
	link := mintConsoleLink(t, svc, "acme")
	p.open(link)

	if r := p.signedOutReason(); r != "" {
		t.Fatalf("a fresh console link shows the signed-out page: %q", r)
	}
	if href := eval[string](t, ctx, `location.href`); href != svc.URL+"/console/" {
		t.Errorf("address after sign-in is %q, want %q (the token must leave it)", href,
			svc.URL+"/console/")
	}
	assertNoTokenInHistory(t, ctx)
	if n := eval[int](t, ctx,
		`localStorage.length + sessionStorage.length + document.cookie.length`); n != 0 {
		t.Errorf("the page stored %d things in web storage or cookies; it keeps none", n)
	}
	account := eval[string](t, ctx, `document.getElementById('account-name').textContent`)
	if account != "acme" {
		t.Errorf("account shown is %q, want acme", account)
	}
	if !eval[bool](t, ctx, `!document.getElementById('keys-empty').hidden`) {
		t.Errorf("an account without keys does not show the empty state")
	}

	checkRefusedNames(t, p)
	step(t, ctx, "pressing Escape in the Name popup", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "Escape to close the Name popup and focus Create new key",
		`!document.getElementById('name-dialog').open &&
		 document.activeElement.id === 'create-key'`)
	if !eval[bool](t, ctx, `document.activeElement.matches(':focus-visible') &&
		getComputedStyle(document.activeElement).outlineStyle === 'solid'`) {
		t.Errorf("the focused button shows no focus ring after keyboard use")
	}

	// Keyboard only: Enter on the focused button, type, Enter.
	step(t, ctx, "pressing Enter on Create new key", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the Name popup, empty, with focus in the Name field",
		`document.getElementById('name-dialog').open &&
		 document.activeElement.id === 'key-name' &&
		 document.getElementById('key-name').value === '' &&
		 document.getElementById('key-name-error').textContent === ''`)
	step(t, ctx, "typing a Name and Enter", chromedp.KeyEvent("  Billing service "+kb.Enter))
	created := p.credentials()
	checkCredentials(t, created, "Your new API key", "Billing service")
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "copy-secret" {
		t.Errorf("focus in the credentials popup is on #%s, want #copy-secret", id)
	}

	step(t, ctx, "clicking Copy Secret ID", chromedp.Click(chromedp.ID("copy-secret")))
	waitFor(t, ctx, "the Copied confirmation",
		`document.getElementById('copied-secret').textContent === 'Copied'`)
	if clip := eval[string](t, ctx, `navigator.clipboard.readText()`); clip != created.SecretID {
		t.Errorf("clipboard holds %q after Copy Secret ID, want the Secret ID", clip)
	}

	p.closeCredentials()
	waitFor(t, ctx, "focus back on Create new key", `document.activeElement.id === 'create-key'`)
	assertSecretsGone(t, p, created.SecretID)
	row, ok := p.row(created.ClientID)
	if !ok || row.Name != "Billing service" || row.LastUsed != "Never" {
		t.Errorf("row of the new key is %+v (found %v), want Name Billing service, "+
			"Last used Never", row, ok)
	}

	// The Secret ID read from the popup gets a real token.
	status, firstToken := tokenStatus(t, svc, created.ClientID, created.SecretID)
	if status != http.StatusOK {
		t.Fatalf("token with the Secret ID from the popup: status %d, want 200", status)
	}
	checkDefaultScopes(t, svc, created.ClientID)
	if s := accountKeysStatus(t, svc, firstToken); s != http.StatusForbidden {
		t.Errorf("the key's token on /account/keys: status %d, want 403 "+
			"(active, without keys:manage)", s)
	}

	rotated := rotateInConsole(t, p, created)
	if s, _ := tokenStatus(t, svc, created.ClientID, created.SecretID); s != 401 {
		t.Errorf("token with the Secret ID from before rotation: status %d, want 401", s)
	}
	status, rotatedToken := tokenStatus(t, svc, created.ClientID, rotated.SecretID)
	if status != http.StatusOK {
		t.Fatalf("token with the rotated Secret ID: status %d, want 200", status)
	}

	deleteInConsole(t, p, created.ClientID, "Billing service")
	for name, tok := range map[string]string{"first": firstToken, "rotated": rotatedToken} {
		if s := accountKeysStatus(t, svc, tok); s != http.StatusUnauthorized {
			t.Errorf("%s token of the deleted key: status %d, want 401", name, s)
		}
	}
	if s, _ := tokenStatus(t, svc, created.ClientID, rotated.SecretID); s != 401 {
		t.Errorf("token for the deleted key: status %d, want 401", s)
	}

	step(t, ctx, "clicking Sign out", chromedp.Click(chromedp.ID("sign-out")))
	waitFor(t, ctx, "the signed-out page", `!document.getElementById('view-signed-out').hidden`)
	if r := p.signedOutReason(); !strings.HasPrefix(r, "You signed out.") {
		t.Errorf("signed-out page after Sign out says %q", r)
	}
	if s := accountKeysStatus(t, svc, linkToken(t, link)); s != http.StatusUnauthorized {
		t.Errorf("console token after Sign out: status %d, want 401 (revoked)", s)
	}
}

// checkRefusedNames submits Names the service would refuse and checks the
// popup explains each inline and sends nothing.
func checkRefusedNames(t *testing.T, p *consolePage) {
	t.Helper()
	p.openNameDialog()
	tests := []struct {
		name, value, want string
	}{
		{"empty", "", "Enter a name for the key."},
		{"only spaces", "    ", "Enter a name for the key."},
		{"too long", strings.Repeat("k", 101), "Use at most 100 characters; this name has 101."},
		{"control character", "tab\there", "Use only letters, digits, punctuation, symbols"},
	}
	for _, tc := range tests {
		p.submitName(tc.value)
		got := eval[string](t, p.ctx, `document.getElementById('key-name-error').textContent`)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s Name: inline message %q, want %q", tc.name, got, tc.want)
		}
		if !eval[bool](t, p.ctx, `document.getElementById('name-dialog').open &&
			document.getElementById('key-name').getAttribute('aria-invalid') === 'true' &&
			document.activeElement.id === 'key-name'`) {
			t.Errorf("%s Name: the popup closed, or the field is not marked invalid and focused",
				tc.name)
		}
	}
	if n := adminKeyCount(t, p.svc, "acme"); n != 0 {
		t.Errorf("refused Names created %d keys", n)
	}
}

func checkCredentials(t *testing.T, c shownCredentials, title, name string) {
	t.Helper()
	if c.Title != title || c.Name != name {
		t.Errorf("credentials popup shows title %q and Name %q, want %q and %q",
			c.Title, c.Name, title, name)
	}
	if !uuidV4.MatchString(c.ClientID) || !uuidV4.MatchString(c.SecretID) {
		t.Errorf("Client ID %q or Secret ID %q is not a UUID v4", c.ClientID, c.SecretID)
	}
	if !strings.Contains(c.Warning, "It will not be shown again") {
		t.Errorf("credentials popup lacks the warning; it says %q", c.Warning)
	}
}

// checkDefaultScopes checks that a key created by the console got the
// service's default key scopes.
func checkDefaultScopes(t *testing.T, svc *testenv.TokenService, clientID string) {
	t.Helper()
	var k struct {
		Account string   `json:"account"`
		Scopes  []string `json:"scopes"`
	}
	svc.Admin(t, http.MethodGet, "/admin/keys/"+clientID, nil).JSON(t, &k)
	if k.Account != "acme" || !slices.Equal(k.Scopes, []string{"api"}) {
		t.Errorf("console key has account %q and scopes %v, want acme and [api]",
			k.Account, k.Scopes)
	}
}

// assertSecretsGone checks that no Secret ID is left anywhere in the page.
func assertSecretsGone(t *testing.T, p *consolePage, secrets ...string) {
	t.Helper()
	if !eval[bool](t, p.ctx, `document.getElementById('cred-secret').childNodes.length === 0`) {
		t.Errorf("the Secret ID element still has content after the popup closed")
	}
	html := p.html()
	text := eval[string](t, p.ctx, `document.body.innerText + ' ' + String(getSelection())`)
	for _, s := range secrets {
		if strings.Contains(html, s) || strings.Contains(text, s) {
			t.Errorf("a Secret ID is still in the page after its popup closed")
		}
	}
}

// assertNoTokenInHistory checks that no history entry of the tab holds
// the console link's fragment.
func assertNoTokenInHistory(t *testing.T, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, consoleStepTimeout)
	defer cancel()
	h, err := chromedp.Run(sctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatalf("reading the tab's history: %v", err)
	}
	for _, e := range h.Entries {
		if strings.Contains(e.URL, "token=") {
			t.Errorf("history entry %d still holds the token", e.ID)
		}
	}
}

// rotateInConsole rotates a key through its row, checks the new Secret ID
// and closes the popup with Escape.
func rotateInConsole(t *testing.T, p *consolePage, before shownCredentials) shownCredentials {
	t.Helper()
	p.rowAction(before.ClientID, "rotate")
	if q := p.confirmText(); !strings.Contains(q, before.Name) {
		t.Errorf("rotation question %q does not name the key %q", q, before.Name)
	}
	p.confirm()
	rotated := p.credentials()
	checkCredentials(t, rotated, "New Secret ID", before.Name)
	if rotated.ClientID != before.ClientID || rotated.SecretID == before.SecretID {
		t.Errorf("rotation shows Client ID %q (want %q) and an unchanged Secret ID: %v",
			rotated.ClientID, before.ClientID, rotated.SecretID == before.SecretID)
	}
	step(t, p.ctx, "pressing Escape in the credentials popup", chromedp.KeyEvent(kb.Escape))
	waitFor(t, p.ctx, "Escape to close the credentials popup",
		`!document.getElementById('credentials-dialog').open`)
	assertSecretsGone(t, p, before.SecretID, rotated.SecretID)
	return rotated
}

// deleteInConsole deletes a key through its row and waits for the row to go.
func deleteInConsole(t *testing.T, p *consolePage, clientID, name string) {
	t.Helper()
	p.rowAction(clientID, "delete")
	if q := p.confirmText(); !strings.Contains(q, name) {
		t.Errorf("deletion question %q does not name the key %q", q, name)
	}
	p.confirm()
	waitFor(t, p.ctx, "the deleted key's row to go",
		`!document.querySelector('#keys-body tr[data-client-id="`+clientID+`"]')`)
	notice := eval[string](t, p.ctx, `document.getElementById('page-notice').textContent`)
	if want := "Key “" + name + "” deleted."; notice != want {
		t.Errorf("notice after deletion is %q, want %q", notice, want)
	}
}
