package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// stepTimeout bounds one browser step (a navigation, a key press, a query).
const stepTimeout = 30 * time.Second

// Browser is a headless Chromium with one tab, owned by one test.
type Browser struct {
	// Ctx is the chromedp context of the tab. Do not put a deadline on it;
	// derive one per step (see step).
	Ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// NewBrowser starts Debian's Chromium headless with a fresh profile and
// returns its tab. It is closed in t.Cleanup.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	path := testenv.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{Ctx: ctx}

	// Start the browser now, on a context without deadline: the first Run
	// binds the browser's life to its context.
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start Chromium (%s): %v", path, err)
	}

	// Collect console messages (script errors, CSP violations) until the
	// tab closes; the cleanup waits for the collector.
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		<-done
		cancelAlloc() // waits for the browser process to exit
	})
	return b
}

// ConsoleProblems returns the console errors, exceptions and warnings
// collected since the last call (CSP violations are reported there).
func (b *Browser) ConsoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if strings.HasSuffix(m.URL, "/favicon.ico") {
			continue // the browser asks for it on its own
		}
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
			out = append(out, string(m.Type)+": "+m.Text+" ("+m.URL+")")
		}
	}
	b.console = nil
	return out
}

// step runs actions with a deadline of stepTimeout.
func step(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// run runs one action returning a value with a deadline of stepTimeout.
func run[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Screenshot writes a PNG of the whole page to path, for debugging.
func Screenshot(ctx context.Context, path string) error {
	buf, err := run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// keepScreenshot saves a screenshot named after the test and page into
// RATHAUS_TEST_ARTIFACTS when that is set, and logs where.
func keepScreenshot(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	dir := os.Getenv("RATHAUS_TEST_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(t.Name() + "-" + page + ".png")
	path := filepath.Join(dir, name)
	if err := Screenshot(ctx, path); err != nil {
		t.Logf("screenshot %s: %v", path, err)
		return
	}
	t.Logf("screenshot of %s: %s", page, path)
}

// location returns the tab's current URL.
func location(t testing.TB, ctx context.Context) string {
	t.Helper()
	loc, err := run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("read location: %v", err)
	}
	return loc
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", firstLine(expr), err)
	}
	return v
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
