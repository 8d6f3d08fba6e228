package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored (see axe/README.md).
//
//go:embed axe/axe.min.js
var axeSource string

// axeTags are the rule sets every page must pass: WCAG 2.0 and 2.1, A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

type axeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeResult struct {
	URL        string         `json:"url"`
	Version    string         `json:"version"`
	Violations []axeViolation `json:"violations"`
	Passes     int            `json:"passes"`
	Incomplete int            `json:"incomplete"`
}

// runAxe injects axe-core into the current page (once per document) and runs
// the WCAG 2.1 A/AA rules on the whole document.
func runAxe(ctx context.Context) (axeResult, error) {
	loaded, err := run(ctx, chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`))
	if err != nil {
		return axeResult{}, fmt.Errorf("probe for axe-core: %w", err)
	}
	if !loaded {
		// Evaluated through DevTools, not eval(): the page's CSP (no
		// unsafe-eval, no inline script) does not block it.
		if _, err := run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return axeResult{}, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	script := `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}});
  return {
    url: location.href,
    version: axe.version,
    passes: r.passes.length,
    incomplete: r.incomplete.length,
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, summary: n.failureSummary || ""})),
    })),
  };
})()`
	res, err := run(ctx, chromedp.Evaluate[axeResult](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return axeResult{}, fmt.Errorf("run axe-core: %w", err)
	}
	return res, nil
}

// AxeCheck runs axe-core's WCAG 2.1 A and AA rules on the page shown in ctx
// and fails the test (without stopping it) listing every violation: rule id,
// impact, help text and each offending element. pageName names the page in
// the message.
func AxeCheck(t testing.TB, ctx context.Context, pageName string) {
	t.Helper()
	res, err := runAxe(ctx)
	if err != nil {
		t.Fatalf("axe on %s: %v", pageName, err)
	}
	if res.Passes == 0 {
		t.Errorf("axe on %s (%s): no rule passed: the check did not run", pageName, res.URL)
	}
	if len(res.Violations) == 0 {
		t.Logf("axe %s on %s (%s): 0 violations, %d rules passed, %d need review",
			res.Version, pageName, res.URL, res.Passes, res.Incomplete)
		return
	}
	t.Errorf("axe on %s (%s): %d violation(s) of %s:\n%s",
		pageName, res.URL, len(res.Violations), strings.Join(axeTags, ","), formatViolations(res.Violations))
	keepScreenshot(t, ctx, pageName)
}

func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "- %s [%s]: %s (%s)\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    at %s: %s\n", strings.Join(n.Target, " "), n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}
