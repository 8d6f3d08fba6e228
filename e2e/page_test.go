package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// shell is what every page of the web shell must have (issue 2, item 6).
type shell struct {
	Lang          string   `json:"lang"`
	Title         string   `json:"title"`
	H1            []string `json:"h1"`
	SkipLinkFirst bool     `json:"skipLinkFirst"`
	FirstFocus    string   `json:"firstFocus"`
	Main          bool     `json:"main"`
	MissingFooter []string `json:"missingFooter"`
	EnglishLink   bool     `json:"englishLink"`
	FormsNoCSRF   []string `json:"formsNoCSRF"`
	Text          string   `json:"text"`
}

const shellScript = `(() => {
  const first = document.body.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: [...document.querySelectorAll("h1")].map(h => h.innerText.trim()),
    skipLinkFirst: !!first && first.matches('a.skip-link[href="#main"]'),
    firstFocus: first ? first.outerHTML.slice(0, 120) : "",
    main: !!document.querySelector("main#main"),
    missingFooter: ["/barrierefreiheit", "/leichte-sprache", "/impressum", "/datenschutz"]
      .filter(h => !document.querySelector('footer a[href="' + h + '"]')),
    englishLink: !!document.querySelector('a[hreflang="en"]'),
    formsNoCSRF: [...document.querySelectorAll("form")]
      .filter(f => f.method.toLowerCase() === "post")
      .filter(f => !((f.querySelector('input[type=hidden][name=csrf_token]') || {}).value))
      .map(f => f.getAttribute("action") || "(no action)"),
    text: document.body.innerText,
  };
})()`

// readShell reads the shell facts of the page shown.
func readShell(t testing.TB, ctx context.Context) shell {
	t.Helper()
	return eval[shell](t, ctx, shellScript)
}

// checkPage checks that the tab shows path, that the page has the shell
// (German, one h1, skip link first, main landmark, footer links, English
// switch, CSRF field in every POST form), has no console errors and passes
// axe. It returns the shell facts for further checks.
func checkPage(t *testing.T, b *Browser, name, wantPath string) shell {
	t.Helper()
	ctx := b.Ctx
	loc := location(t, ctx)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("%s: location %q: %v", name, loc, err)
	}
	if u.Path != wantPath {
		keepScreenshot(t, ctx, name)
		t.Fatalf("%s: browser is at %s, want path %s", name, loc, wantPath)
	}
	s := readShell(t, ctx)
	if s.Lang != "de" && !strings.HasPrefix(s.Lang, "de-") {
		t.Errorf("%s: <html lang=%q>, want de", name, s.Lang)
	}
	if strings.TrimSpace(s.Title) == "" {
		t.Errorf("%s: empty <title>", name)
	}
	if len(s.H1) != 1 {
		t.Errorf("%s: %d h1 elements %q, want exactly one", name, len(s.H1), s.H1)
	}
	if !s.SkipLinkFirst {
		t.Errorf("%s: first focusable element is %s, want a.skip-link[href=\"#main\"]", name, s.FirstFocus)
	}
	if !s.Main {
		t.Errorf("%s: no <main id=\"main\">", name)
	}
	if len(s.MissingFooter) > 0 {
		t.Errorf("%s: footer lacks links to %v", name, s.MissingFooter)
	}
	if !s.EnglishLink {
		t.Errorf("%s: no language switch a[hreflang=\"en\"]", name)
	}
	if len(s.FormsNoCSRF) > 0 {
		t.Errorf("%s: POST forms without a csrf_token field: %v", name, s.FormsNoCSRF)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("%s: browser console (script errors, CSP violations, failed loads):\n  %s", name, strings.Join(p, "\n  "))
	}
	AxeCheck(t, ctx, name)
	if t.Failed() {
		keepScreenshot(t, ctx, name)
	}
	return s
}

// exists reports whether a CSS selector matches an element.
func exists(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	return eval[bool](t, ctx, "document.querySelector("+jsQuote(sel)+") !== null")
}

// clickAndWait clicks (with the mouse) the first element matching sel and
// waits until the next page has loaded with status 200.
func clickAndWait(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	ctx2, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx2, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("click %s: no page loaded: %v", sel, err)
	}
	if resp.Status != 200 {
		t.Fatalf("click %s: %s answered %d", sel, resp.URL, resp.Status)
	}
}

// navigate loads url in the tab, as typing it into the address bar would,
// and fails unless it answers 200.
func navigate(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	resp, err := run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if resp.Status != 200 {
		t.Fatalf("open %s: status %d", url, resp.Status)
	}
}
