package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// consoleChromium is Debian's chromium, which .ci/install-chromium.sh
// installs. CONSOLE_CHROMIUM points the tests at another build.
const consoleChromium = "/usr/bin/chromium"

// consoleStepTimeout bounds every browser step, so a page that never
// reaches the awaited state fails the test instead of hanging it.
const consoleStepTimeout = 10 * time.Second

// startConsoleBrowser starts one headless chromium for a test and its
// subtests (each opens its own tab) and stops it when the test ends.
func startConsoleBrowser(t *testing.T) context.Context {
	t.Helper()
	path := consoleChromium
	if p := os.Getenv("CONSOLE_CHROMIUM"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium is needed for the web console tests and is not at %s (%v): "+
			"run .ci/install-chromium.sh", path, err)
	}
	// Its own profile, removed at the end; chromium's helpers may still
	// be writing to it for a moment after the browser exits, so a failed
	// removal is not the test's failure.
	profile, err := os.MkdirTemp("", "console-chromium-")
	if err != nil {
		t.Fatalf("making a chromium profile directory: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		// Without these, chromium's own connections to the internet are
		// refused by a closed network and reported as page errors.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; it must not run under a step's
	// timeout, which would end the browser with the step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium %s: %v", path, err)
	}
	return ctx
}

// consoleLog records what a tab writes to its console: calls of the
// console API, uncaught exceptions, and the browser's own log entries
// (failed requests, Content-Security-Policy violations).
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (l *consoleLog) add(m chromedp.ConsoleMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, m)
}

// problems lists the messages a clean page never writes: errors, warnings,
// exceptions, and any console API call at all (the page does not log).
// allowed filters out what a test expects, such as a 401 it provoked.
func (l *consoleLog) problems(allowed func(chromedp.ConsoleMessage) bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		bad := m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning ||
			m.IsException() || m.Source == "" || m.Source == "security"
		if bad && (allowed == nil || !allowed(m)) {
			out = append(out, fmt.Sprintf("%s (%s) %s at %s", m.Type, m.Source, m.Text, m.URL))
		}
	}
	return out
}

// reportCSPViolations makes every Content-Security-Policy violation a
// console error, on top of the browser's own report. DevTools scripts are
// not subject to the page's policy.
const reportCSPViolations = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});`

// openConsoleTab opens a new tab in the browser, with focus emulated (so
// that the clipboard works headless) and its console recorded. The tab
// closes when the test ends; a test fails if its tab logged a problem.
func openConsoleTab(t *testing.T, browserCtx context.Context,
	allowed func(chromedp.ConsoleMessage) bool) (context.Context, *consoleLog) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	log := &consoleLog{}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			log.add(m)
		}
	}()
	// Cleanups run last first: check the log, then close the tab.
	t.Cleanup(func() { cancel(); <-done })
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		// Let messages already sent by the browser arrive.
		time.Sleep(100 * time.Millisecond)
		if p := log.problems(allowed); len(p) > 0 {
			t.Errorf("the page logged problems:\n  %s", strings.Join(p, "\n  "))
		}
	})
	prepare := func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled,
			emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return fmt.Errorf("emulating focus: %w", err)
		}
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: reportCSPViolations})
		if err != nil {
			return fmt.Errorf("adding the CSP listener: %w", err)
		}
		return nil
	}
	step(t, ctx, "preparing the tab", chromedp.Func(prepare))
	return ctx, log
}

// grantClipboard lets pages of origin read and write the clipboard, so the
// test can check what the Copy buttons copied.
func grantClipboard(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		if err != nil {
			t.Fatalf("granting %s to %s: %v", name, origin, err)
		}
	}
}

// step runs browser actions under consoleStepTimeout and fails the test
// with what was being done.
func step(t *testing.T, ctx context.Context, what string,
	actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, consoleStepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: no result within %s", what, consoleStepTimeout)
		}
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value;
// promises are awaited.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, consoleStepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript condition holds in the page.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, consoleStepTimeout)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingTimeout(consoleStepTimeout-time.Second)))
	if err != nil {
		t.Fatalf("waiting for %s (%s): %v\nthe page shows:\n%s", what, cond, err, pageText(ctx))
	}
}

// pageText is what the page shows, for failure messages.
func pageText(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	text, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	return text
}
