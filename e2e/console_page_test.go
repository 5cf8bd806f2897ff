package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/positiveaction/tokens/internal/testenv"
)

// consolePage drives the web console in one browser tab.
type consolePage struct {
	t   *testing.T
	ctx context.Context
	svc *testenv.TokenService
}

// consoleRow is one line of the keys table as the page shows it.
type consoleRow struct {
	ClientID string `json:"clientId"`
	Name     string `json:"name"`
	LastUsed string `json:"lastUsed"`
}

// shownCredentials is what the credentials popup shows.
type shownCredentials struct {
	Title    string `json:"title"`
	Name     string `json:"name"`
	ClientID string `json:"clientId"`
	SecretID string `json:"secretId"`
	Warning  string `json:"warning"`
}

// mintConsoleLink asks the admin API for a console link of account.
func mintConsoleLink(t *testing.T, svc *testenv.TokenService, account string) string {
	t.Helper()
	resp := svc.Admin(t, http.MethodPost, "/admin/console-links",
		map[string]string{"account": account})
	if resp.Status != http.StatusCreated {
		t.Fatalf("minting a console link: status %d, body %s", resp.Status, resp.Body)
	}
	var link struct {
		URL string `json:"url"`
	}
	resp.JSON(t, &link)
	if !strings.HasPrefix(link.URL, svc.URL+"/console/#token=") {
		t.Fatalf("console link %q does not point at %s/console/#token=…", link.URL, svc.URL)
	}
	return link.URL
}

// linkToken is the token a console link carries in its fragment.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parsing console link: %v", err)
	}
	v, err := url.ParseQuery(u.Fragment)
	if err != nil || v.Get("token") == "" {
		t.Fatalf("console link without a token: %v", err)
	}
	return v.Get("token")
}

// open loads address and waits until the page settles on a view.
func (p *consolePage) open(address string) {
	p.t.Helper()
	step(p.t, p.ctx, "opening the console", chromedp.Navigate(address))
	p.waitSettled()
}

// waitSettled waits for the keys view with its first page, or the
// signed-out view.
func (p *consolePage) waitSettled() {
	p.t.Helper()
	waitFor(p.t, p.ctx, "the console to show keys or the signed-out page",
		`!document.getElementById('view-signed-out').hidden ||
		 (!document.getElementById('view-keys').hidden &&
		  document.getElementById('keys-loading').hidden)`)
}

// signedOutReason is the sentence of the signed-out page, or "" when the
// page is not signed out.
func (p *consolePage) signedOutReason() string {
	p.t.Helper()
	return eval[string](p.t, p.ctx, `document.getElementById('view-signed-out').hidden ? '' :
		document.getElementById('signed-out-reason').textContent.trim()`)
}

// rows reads the keys table.
func (p *consolePage) rows() []consoleRow {
	p.t.Helper()
	raw := eval[string](p.t, p.ctx, `JSON.stringify([...document.querySelectorAll('#keys-body tr')]
		.map((tr) => ({clientId: tr.dataset.clientId,
			name: tr.querySelector('.key-name').textContent,
			lastUsed: tr.querySelector('.key-last-used').textContent})))`)
	var rows []consoleRow
	if err := json.Unmarshal([]byte(raw), &rows); err != nil {
		p.t.Fatalf("decoding rows %s: %v", raw, err)
	}
	return rows
}

// row finds the row of a Client ID.
func (p *consolePage) row(clientID string) (consoleRow, bool) {
	p.t.Helper()
	for _, r := range p.rows() {
		if r.ClientID == clientID {
			return r, true
		}
	}
	return consoleRow{}, false
}

// html is the whole document as markup.
func (p *consolePage) html() string {
	p.t.Helper()
	return eval[string](p.t, p.ctx, `document.documentElement.outerHTML`)
}

// openNameDialog clicks Create new key and waits for the Name popup.
func (p *consolePage) openNameDialog() {
	p.t.Helper()
	step(p.t, p.ctx, "clicking Create new key", chromedp.Click(chromedp.ID("create-key")))
	waitFor(p.t, p.ctx, "the Name popup", `document.getElementById('name-dialog').open &&
		document.activeElement.id === 'key-name'`)
}

// submitName types name into the open Name popup and submits it.
func (p *consolePage) submitName(name string) {
	p.t.Helper()
	literal, err := json.Marshal(name)
	if err != nil {
		p.t.Fatalf("encoding Name: %v", err)
	}
	got := eval[string](p.t, p.ctx, `(() => { const f = document.getElementById('key-name');
		f.value = `+string(literal)+`; f.dispatchEvent(new Event('input')); return f.value; })()`)
	if got != name {
		p.t.Fatalf("the Name field holds %q after typing %q", got, name)
	}
	step(p.t, p.ctx, "submitting the Name", chromedp.Click(chromedp.ID("name-submit")))
}

// createKey creates a key through the popups and returns what the
// credentials popup shows, leaving it open.
func (p *consolePage) createKey(name string) shownCredentials {
	p.t.Helper()
	p.openNameDialog()
	p.submitName(name)
	return p.credentials()
}

// credentials waits for the credentials popup and reads it.
func (p *consolePage) credentials() shownCredentials {
	p.t.Helper()
	waitFor(p.t, p.ctx, "the credentials popup",
		`document.getElementById('credentials-dialog').open &&
		 document.getElementById('cred-secret').textContent !== ''`)
	raw := eval[string](p.t, p.ctx, `JSON.stringify({
		title: document.getElementById('credentials-title').textContent,
		name: document.getElementById('cred-name').textContent,
		clientId: document.getElementById('cred-client-id').textContent,
		secretId: document.getElementById('cred-secret').textContent,
		warning: document.getElementById('credentials-warning').textContent})`)
	var c shownCredentials
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		p.t.Fatalf("decoding credentials %s: %v", raw, err)
	}
	return c
}

// closeCredentials clicks Done and waits for the popup to close.
func (p *consolePage) closeCredentials() {
	p.t.Helper()
	step(p.t, p.ctx, "clicking Done", chromedp.Click(chromedp.ID("credentials-done")))
	waitFor(p.t, p.ctx, "the credentials popup to close",
		`!document.getElementById('credentials-dialog').open`)
}

// rowAction clicks Rotate or Delete in a key's row and waits for the
// confirmation popup.
func (p *consolePage) rowAction(clientID, action string) {
	p.t.Helper()
	sel := `#keys-body tr[data-client-id="` + clientID + `"] button[data-action="` + action + `"]`
	step(p.t, p.ctx, "clicking "+action, chromedp.Click(chromedp.CSS(sel)))
	waitFor(p.t, p.ctx, "the confirmation popup", `document.getElementById('confirm-dialog').open`)
}

// confirmText is the question of the open confirmation popup.
func (p *consolePage) confirmText() string {
	p.t.Helper()
	return eval[string](p.t, p.ctx, `document.getElementById('confirm-text').textContent`)
}

// confirm clicks the confirmation popup's action button and waits for the
// popup to close.
func (p *consolePage) confirm() {
	p.t.Helper()
	step(p.t, p.ctx, "confirming", chromedp.Click(chromedp.ID("confirm-ok")))
	waitFor(p.t, p.ctx, "the confirmation popup to close",
		`!document.getElementById('confirm-dialog').open`)
}

// tokenStatus asks /oauth2/token for a token with a Client ID and Secret ID
// and returns the HTTP status and the token (on 200).
func tokenStatus(t *testing.T, svc *testenv.TokenService,
	clientID, secretID string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequest(http.MethodPost, svc.URL+"/oauth2/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("building token request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secretID))
	resp := testenv.Do(t, req)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if resp.Status == http.StatusOK {
		resp.JSON(t, &out)
	}
	return resp.Status, out.AccessToken
}

// accountKeysStatus is the status of GET /account/keys with a bearer token:
// 401 once the token is refused.
func accountKeysStatus(t *testing.T, svc *testenv.TokenService, token string) int {
	t.Helper()
	return testenv.JSONRequest(t, http.MethodGet, svc.URL+"/account/keys", token, nil).Status
}

// adminKeyCount counts an account's keys through the admin API.
func adminKeyCount(t *testing.T, svc *testenv.TokenService, account string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		path := "/admin/keys?limit=1000&account=" + url.QueryEscape(account)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp := svc.Admin(t, http.MethodGet, path, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("listing keys of %s: status %d, body %s", account, resp.Status, resp.Body)
		}
		var list struct {
			Keys       []json.RawMessage `json:"keys"`
			NextCursor string            `json:"nextCursor"`
		}
		resp.JSON(t, &list)
		n += len(list.Keys)
		if list.NextCursor == "" {
			return n
		}
		cursor = list.NextCursor
	}
}

// numbered names keys for bulk creation.
func numbered(prefix string, i int) string {
	return prefix + " " + strconv.Itoa(i)
}
