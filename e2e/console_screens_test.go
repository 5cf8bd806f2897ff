package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/positiveaction/tokens/internal/testenv"
)

// consoleViewport is a screen the console is photographed on.
type consoleViewport struct {
	name          string
	width, height int64
	scale         float64
	mobile        bool
}

var consoleViewports = []consoleViewport{
	{name: "laptop", width: 1280, height: 800, scale: 1},
	{name: "phone", width: 390, height: 844, scale: 2, mobile: true},
}

// testConsoleScreenshots photographs the list, the Name popup and the
// credentials popup at each viewport, and the signed-out page, as PNG files
// in CONSOLE_SCREENSHOTS_DIR (a relative path is taken from the module
// root; unset, a temporary directory).
func testConsoleScreenshots(t *testing.T, browserCtx context.Context) {
	dir := screenshotsDir(t)
	svc := testenv.StartTokenService(t, testenv.Options{})
	ctx, _ := openConsoleTab(t, browserCtx, nil)
	p := &consolePage{t: t, ctx: ctx, svc: svc}
	billing := svc.CreateKey(t, "acme", "Billing service", "api")
	svc.CreateKey(t, "acme", "Reporting (staging)", "api")
	svc.CreateKey(t, "acme", "Mobile app backend", "api")
	svc.Token(t, billing, "") // so that one key shows when it was last used

	for _, vp := range consoleViewports {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(vp.scale)}
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		step(t, ctx, "sizing the window for "+vp.name,
			chromedp.EmulateViewport(vp.width, vp.height, opts...))
		p.open(mintConsoleLink(t, svc, "acme"))
		saveScreenshot(t, p, dir, "console-list-"+vp.name)

		p.openNameDialog()
		step(t, ctx, "typing a Name", chromedp.KeyEvent("Partner integration"))
		saveScreenshot(t, p, dir, "console-name-"+vp.name)

		step(t, ctx, "submitting", chromedp.Click(chromedp.ID("name-submit")))
		created := p.credentials()
		step(t, ctx, "copying the Client ID", chromedp.Click(chromedp.ID("copy-client-id")))
		waitFor(t, ctx, "the Copied confirmation",
			`document.getElementById('copied-client-id').textContent !== ''`)
		step(t, ctx, "focusing Copy Secret ID", chromedp.Focus(chromedp.ID("copy-secret")))
		saveScreenshot(t, p, dir, "console-credentials-"+vp.name)
		p.closeCredentials()

		// The next viewport starts from the same three keys.
		resp := svc.Admin(t, http.MethodDelete, "/admin/keys/"+created.ClientID, nil)
		if resp.Status != http.StatusNoContent {
			t.Fatalf("deleting the photographed key: status %d", resp.Status)
		}
	}
	step(t, ctx, "sizing the window for the signed-out page",
		chromedp.EmulateViewport(1280, 800))
	step(t, ctx, "reloading", chromedp.Reload())
	p.waitSettled()
	saveScreenshot(t, p, dir, "console-signed-out-laptop")
}

// screenshotsDir is where the screenshots go.
func screenshotsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CONSOLE_SCREENSHOTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("making the screenshots directory: %v", err)
	}
	return dir
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("finding the working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("looking for go.mod: %v", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// saveScreenshot writes a PNG of the viewport once the page is painted.
func saveScreenshot(t *testing.T, p *consolePage, dir, name string) {
	t.Helper()
	eval[bool](t, p.ctx, `document.fonts.ready.then(() => new Promise((done) =>
		requestAnimationFrame(() => requestAnimationFrame(() => done(true)))))`)
	ctx, cancel := context.WithTimeout(p.ctx, consoleStepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("taking screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("writing screenshot: %v", err)
	}
	t.Logf("screenshot %s", path)
}
