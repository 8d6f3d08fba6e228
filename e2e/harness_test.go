package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The harness tests prove the browser helpers on small static pages, so a
// green journey means something: axe must find a known violation, the
// keyboard helpers must reach, fill and submit a form.

const harnessCSS = `
.skip-link { position: absolute; left: -10000px; }
.skip-link:focus { position: static; }
a:focus, input:focus, button:focus { outline: 3px solid #1d4ed8; outline-offset: 2px; }
`

func harnessPage(title, body string) string {
	return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>` + title + `</title>
<link rel="stylesheet" href="/style.css"></head>
<body><a class="skip-link" href="#main">Zum Inhalt springen</a>
<header><nav aria-label="Hauptmenü"><a href="/">Start</a> <a href="/form">Formular</a></nav></header>
<main id="main"><h1>` + title + `</h1>` + body + `</main>
<footer><a href="/impressum">Impressum</a></footer>
</body></html>`
}

type harnessServer struct {
	*httptest.Server
	mu     sync.Mutex
	posted map[string]string
}

func newHarnessServer(t *testing.T) *harnessServer {
	h := &harnessServer{}
	mux := http.NewServeMux()
	page := func(html string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// The CSP of the real application: axe injection must work under it.
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(html))
		}
	}
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(harnessCSS))
	})
	mux.HandleFunc("GET /{$}", page(harnessPage("Startseite", `<p>Willkommen.</p><p><a href="/form">Zum Formular</a></p>`)))
	mux.HandleFunc("GET /bad", page(harnessPage("Kaputt", `<form method="post" action="/form"><input type="text" name="x"><button type="submit">Senden</button></form>`)))
	mux.HandleFunc("GET /form", page(harnessPage("Formular", `<form method="post" action="/form">
<p><label for="name">Name</label> <input id="name" name="name" autocomplete="name"></p>
<p><label for="email">E-Mail</label> <input id="email" name="email" type="email" autocomplete="email"></p>
<p><input id="privacy" name="privacy" type="checkbox" value="1"> <label for="privacy">Ich habe die <a href="/datenschutz">Datenschutzhinweise</a> gelesen.</label></p>
<p><button type="submit">Absenden</button></p></form>`)))
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.posted = map[string]string{"name": r.PostFormValue("name"), "email": r.PostFormValue("email"), "privacy": r.PostFormValue("privacy")}
		h.mu.Unlock()
		http.Redirect(w, r, "/danke", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /csp", page(harnessPage("Inline", `<p style="color: #000">Inline-Stil</p><script>document.title = "x"</script>`)))
	mux.HandleFunc("GET /danke", page(harnessPage("Danke", `<p>Angekommen.</p>`)))
	h.Server = httptest.NewServer(mux)
	t.Cleanup(h.Close)
	return h
}

// recordingTB records failures instead of failing, to watch a check fail.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
	r.TB.Logf("(expected) "+format, args...)
}
func (r *recordingTB) Logf(format string, args ...any) { r.TB.Logf(format, args...) }

func TestHarnessAxeFindsViolation(t *testing.T) {
	srv := newHarnessServer(t)
	b := NewBrowser(t)

	if err := step(b.Ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	AxeCheck(t, b.Ctx, "clean page")

	if err := step(b.Ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	res, err := runAxe(b.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "4.14.1" {
		t.Errorf("axe version %q, want the vendored 4.14.1", res.Version)
	}
	var ids []string
	for _, v := range res.Violations {
		ids = append(ids, v.ID)
	}
	if !strings.Contains(strings.Join(ids, ","), "label") {
		t.Errorf("unlabelled input: want a 'label' violation, got %v", ids)
	}
	rec := &recordingTB{TB: t}
	AxeCheck(rec, b.Ctx, "page with an unlabelled input")
	if len(rec.errors) == 0 {
		t.Error("AxeCheck did not fail on a page with an unlabelled input")
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("console problems (axe blocked by CSP?): %v", p)
	}
}

func TestHarnessConsoleReportsCSPViolation(t *testing.T) {
	srv := newHarnessServer(t)
	b := NewBrowser(t)
	if err := step(b.Ctx, chromedp.Navigate(srv.URL+"/csp")); err != nil {
		t.Fatal(err)
	}
	// Console messages arrive asynchronously; a round trip to the page
	// after the load lets them land.
	eval[bool](t, b.Ctx, "true")
	var problems []string
	for range 50 {
		if problems = append(problems, b.ConsoleProblems()...); len(problems) >= 2 {
			break
		}
		eval[bool](t, b.Ctx, "true")
	}
	joined := strings.Join(problems, "\n")
	if !strings.Contains(joined, "Content Security Policy") {
		t.Errorf("inline style and script under a strict CSP: want CSP violations in the console, got:\n%s", joined)
	}
	t.Logf("console:\n%s", joined)
}

func TestHarnessKeyboard(t *testing.T) {
	srv := newHarnessServer(t)
	b := NewBrowser(t)
	ctx := b.Ctx
	if err := step(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}

	// The skip link is the first stop and moves past the header.
	if f := Tab(t, ctx); f.Href != "#main" {
		t.Fatalf("first Tab stop: %s, want the skip link", f)
	}
	PressKeys(t, ctx, kb.Enter)
	if f := Tab(t, ctx); f.InHeader {
		t.Errorf("after the skip link, Tab went to the header: %s", f)
	}

	TabTo(t, ctx, `main a[href="/form"]`, 10)
	PressEnterAndWait(t, ctx)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/form") {
		t.Fatalf("Enter on the link led to %s", loc)
	}

	TabTo(t, ctx, "#name", 10)
	TypeText(t, ctx, "Jürgen Müller")
	TabTo(t, ctx, "#email", 3)
	TypeText(t, ctx, "juergen@example.org")
	TabTo(t, ctx, "#privacy", 3)
	PressKeys(t, ctx, " ")
	if f := Focused(t, ctx); !f.Checked {
		t.Fatal("Space did not tick the checkbox")
	}
	TabTo(t, ctx, `button[type="submit"]`, 5)
	PressEnterAndWait(t, ctx)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/danke") {
		t.Fatalf("after submitting: %s, want /danke", loc)
	}
	srv.mu.Lock()
	got := srv.posted
	srv.mu.Unlock()
	want := map[string]string{"name": "Jürgen Müller", "email": "juergen@example.org", "privacy": "1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("posted %s = %q, want %q", k, got[k], v)
		}
	}

	// A focus without indicator is reported.
	if err := step(ctx, chromedp.Navigate(srv.URL+"/form"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#name").style.outline = "none"`)); err != nil {
		t.Fatal(err)
	}
	rec := &recordingTB{TB: t}
	TabTo(rec, ctx, "#name", 10)
	if len(rec.errors) == 0 {
		t.Error("a focused field without outline was not reported")
	}
}
