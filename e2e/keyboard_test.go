package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Focus describes document.activeElement.
type Focus struct {
	Tag   string `json:"tag"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Href  string `json:"href"`
	Text  string `json:"text"`
	Value string `json:"value"`
	// Checked is the state of a checkbox or radio button.
	Checked bool `json:"checked"`
	// InHeader and InMain tell the landmark the element is in.
	InHeader bool `json:"inHeader"`
	InMain   bool `json:"inMain"`
	// Visible: the element has a size and lies at least partly in the viewport.
	Visible bool `json:"visible"`
	// Indicator: the element shows a focus indicator (an outline or a box
	// shadow), so a keyboard user can see where the focus is.
	Indicator bool `json:"indicator"`
	// Matches reports whether the element matches the selector passed to
	// focusedMatching (false otherwise).
	Matches bool `json:"matches"`
}

func (f Focus) String() string {
	var b strings.Builder
	b.WriteString("<" + f.Tag)
	for _, a := range [][2]string{{"id", f.ID}, {"name", f.Name}, {"type", f.Type}, {"href", f.Href}} {
		if a[1] != "" {
			fmt.Fprintf(&b, " %s=%q", a[0], a[1])
		}
	}
	b.WriteString(">")
	if f.Text != "" {
		b.WriteString(" " + f.Text)
	}
	return b.String()
}

const focusScript = `((sel) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body"};
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow && cs.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || "",
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    href: el.getAttribute("href") || "",
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    value: typeof el.value === "string" ? el.value : "",
    checked: !!el.checked,
    inHeader: !!el.closest("header"),
    inMain: !!el.closest("main"),
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
      r.top < innerHeight && r.left < innerWidth && cs.visibility !== "hidden",
    indicator: outline || shadow,
    matches: sel !== "" && el.matches(sel),
  };
})`

// Focused returns what has the keyboard focus.
func Focused(t testing.TB, ctx context.Context) Focus {
	t.Helper()
	return focusedMatching(t, ctx, "")
}

func focusedMatching(t testing.TB, ctx context.Context, sel string) Focus {
	t.Helper()
	return eval[Focus](t, ctx, focusScript+"("+jsQuote(sel)+")")
}

func jsQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// PressKeys sends key events to the focused element, as typing would:
// kb.Tab, kb.Enter, " " (space) or text such as "erika@example.org".
func PressKeys(t testing.TB, ctx context.Context, keys string) {
	t.Helper()
	if err := step(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

// Tab presses Tab once and returns the newly focused element. It reports an
// error when that element is invisible or shows no focus indicator.
func Tab(t testing.TB, ctx context.Context) Focus {
	t.Helper()
	PressKeys(t, ctx, kb.Tab)
	f := Focused(t, ctx)
	checkFocusVisible(t, f)
	return f
}

func checkFocusVisible(t testing.TB, f Focus) {
	t.Helper()
	if f.Tag == "body" {
		return
	}
	if !f.Visible {
		t.Errorf("keyboard focus on an invisible element: %s", f)
	}
	if !f.Indicator {
		t.Errorf("keyboard focus not visible (no outline or box-shadow) on %s", f)
	}
}

// TabTo presses Tab until the focused element matches the CSS selector, at
// most maxTabs times, and returns it. It fails the test with the focus order
// it saw when the element is not reached: then it cannot be reached with the
// keyboard.
func TabTo(t testing.TB, ctx context.Context, selector string, maxTabs int) Focus {
	t.Helper()
	var seen []string
	for i := 0; i < maxTabs; i++ {
		PressKeys(t, ctx, kb.Tab)
		f := focusedMatching(t, ctx, selector)
		checkFocusVisible(t, f)
		if f.Matches {
			return f
		}
		seen = append(seen, f.String())
	}
	t.Fatalf("%s not reached with %d presses of Tab; focus order:\n  %s",
		selector, maxTabs, strings.Join(seen, "\n  "))
	return Focus{}
}

// TypeText types text into the focused field with key events and checks the
// field's value ends with it.
func TypeText(t testing.TB, ctx context.Context, text string) {
	t.Helper()
	PressKeys(t, ctx, text)
	if f := Focused(t, ctx); !strings.HasSuffix(f.Value, text) {
		t.Fatalf("typed %q into %s, its value is %q", text, f, f.Value)
	}
}

// PressEnterAndWait presses Enter on the focused element (a link or a
// form control) and waits until the page it leads to has loaded. It fails
// the test unless the final response is 200.
func PressEnterAndWait(t testing.TB, ctx context.Context) {
	t.Helper()
	ctx2, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	before := Focused(t, ctx)
	resp, err := chromedp.RunResponse(ctx2, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		t.Fatalf("Enter on %s: no page loaded: %v", before, err)
	}
	if resp.Status != 200 {
		t.Fatalf("Enter on %s: %s answered %d", before, resp.URL, resp.Status)
	}
}
