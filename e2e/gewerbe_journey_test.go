package e2e

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// The Gewerbe journey of issue 3: a new user registers, finds "Gewerbe anmelden" by search
// and by the Zuständigkeitsfinder for 04109, fills a GewA 1 for a sole trader with a non-EU
// nationality (the residence-title questions appear and are required), leaves, comes back to
// the saved draft from the account, submits and downloads both PDFs; axe-core runs on every
// page. Once with the pointer, once with the keyboard alone.

const anmeldungKey = "99050012104000"

var draftPathRe = regexp.MustCompile(`^/antrag/[0-9a-f]{32}/([a-z-]+)$`)

// beginn is two weeks from today: a plausible start of the business.
func beginn() string { return time.Now().AddDate(0, 0, 14).Format("02.01.2006") }

// wantStep checks the browser shows the draft step and the page passes the shell and axe.
func wantStep(t *testing.T, b *Browser, name, step string) {
	t.Helper()
	loc := location(t, b.Ctx)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	p := u.Path
	m := draftPathRe.FindStringSubmatch(p)
	if m == nil || m[1] != step {
		keepScreenshot(t, b.Ctx, name)
		t.Fatalf("%s: browser is at %s, want step %s", name, loc, step)
	}
	checkPage(t, b, name, p)
}

// submitExpect runs an action that submits a form and waits for the page it leads to, which
// must answer status (a step re-rendered with errors answers 422).
func submitExpect(t *testing.T, ctx context.Context, what string, a chromedp.Action[chromedp.Void], status int64) {
	t.Helper()
	ctx2, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx2, a)
	if err != nil {
		t.Fatalf("%s: no page loaded: %v", what, err)
	}
	if resp.Status != status {
		t.Fatalf("%s: %s answered %d, want %d", what, resp.URL, resp.Status, status)
	}
}

// drain422 consumes the console report Chromium writes for a document answered with 422 (a
// step re-rendered with its errors), waiting for it with round trips to the page; any other
// console problem is reported.
func drain422(t *testing.T, b *Browser) {
	t.Helper()
	for range 50 {
		found := false
		for _, p := range b.ConsoleProblems() {
			if strings.Contains(p, "status of 422") {
				found = true
				continue
			}
			t.Errorf("browser console: %s", p)
		}
		if found {
			return
		}
		eval[bool](t, b.Ctx, "true")
	}
}

// fetchPDF downloads href in the page (with the session's cookies) and reports whether it is
// a PDF.
func fetchPDF(t *testing.T, ctx context.Context, href string) {
	t.Helper()
	type res struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Head   string `json:"head"`
		Size   int    `json:"size"`
	}
	r, err := run(ctx, chromedp.Evaluate[res](`fetch(`+jsQuote(href)+`).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type"), head: String.fromCharCode(...b.slice(0, 5)), size: b.length};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", href, err)
	}
	if r.Status != 200 || r.Type != "application/pdf" || r.Head != "%PDF-" || r.Size < 1000 {
		t.Errorf("download %s: status %d, type %q, starts %q, %d bytes", href, r.Status, r.Type, r.Head, r.Size)
	}
}

func checkReceipt(t *testing.T, b *Browser) []string {
	t.Helper()
	u, err := url.Parse(location(t, b.Ctx))
	if err != nil || !strings.HasPrefix(u.Path, "/antrag/eingang/") {
		t.Fatalf("after submitting, the browser is at %s, want the receipt", location(t, b.Ctx))
	}
	checkPage(t, b, "Eingangsbestätigung", u.Path)
	text := readShell(t, b.Ctx).Text
	if !regexp.MustCompile(`GEW-14713000-\d{4}-\d{6}`).MatchString(text) || !strings.Contains(text, "Prüfsumme") {
		t.Errorf("receipt lacks reference or digest:\n%s", text)
	}
	hrefs := eval[[]string](t, b.Ctx, `[...document.querySelectorAll('main a[href$=".pdf"]')].map(a => a.getAttribute("href"))`)
	if len(hrefs) != 2 {
		t.Fatalf("receipt: %d PDF links, want 2", len(hrefs))
	}
	return hrefs
}

func TestGewerbeJourneyAccessible(t *testing.T) {
	srv, mp := journeyServer(t)

	t.Run("pointer", func(t *testing.T) {
		b := NewBrowser(t)
		ctx := b.Ctx
		c := newCitizen("gewerbe-maus")
		registerPointer(t, b, srv, mp, c)

		// Find the service by search …
		navigate(t, ctx, srv.URL+"/leistungen")
		if err := step(ctx, chromedp.SendKeys(chromedp.CSS("#q"), "Gewerbe anmelden")); err != nil {
			t.Fatal(err)
		}
		clickAndWait(t, ctx, `form[role="search"] button[type="submit"]`)
		checkPage(t, b, "Suche", "/leistungen")
		clickAndWait(t, ctx, `main .cards a[href="/leistungen/`+anmeldungKey+`"]`)
		checkPage(t, b, "Gewerbe anmelden", "/leistungen/"+anmeldungKey)

		// … and the responsible office by postal code.
		if err := step(ctx, chromedp.SendKeys(chromedp.CSS("#ort"), "04109")); err != nil {
			t.Fatal(err)
		}
		clickAndWait(t, ctx, `form:has(#ort) button[type="submit"]`)
		checkPage(t, b, "Zuständigkeitsfinder", "/leistungen/"+anmeldungKey)
		clickAndWait(t, ctx, `a[href="/antrag/neu?leistung=`+anmeldungKey+`&ags=14713000"]`)
		wantStep(t, b, "Einstieg", "einstieg")

		next := chromedp.Click(chromedp.CSS(`main button.rh-button[value="next"]`), chromedp.NodeVisible)
		if err := step(ctx,
			chromedp.SetValue(chromedp.CSS("#f-betrieb-rechtsform"), "einzelunternehmen"),
			chromedp.Click(chromedp.CSS("#f-betrieb-niederlassungsart-0"), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS("#f-anmeldung-grund-0"), chromedp.NodeVisible),
		); err != nil {
			t.Fatal(err)
		}
		submitExpect(t, ctx, "Einstieg", next, 200)
		wantStep(t, b, "Betrieb", "betrieb")

		if err := step(ctx,
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-geschaeftsbezeichnung"), "Fahrradwerkstatt Mustermann"),
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-strasse"), "Markt"),
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-hausnummer"), "1"),
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-plz"), "04109"),
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-ort"), "Leipzig"),
			chromedp.SendKeys(chromedp.CSS("#f-betrieb-kontakt-telefon"), "0341 1234567"),
		); err != nil {
			t.Fatal(err)
		}
		// The language switch saves what was typed (form.js) before switching, and back.
		clickAndWait(t, ctx, `a[hreflang="en"]`)
		if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "en" || eval[string](t, ctx, `document.querySelector("#f-betrieb-kontakt-telefon").value`) != "0341 1234567" {
			t.Fatalf("after switching to English: lang %q, the typed telephone lost", lang)
		}
		clickAndWait(t, ctx, `a[hreflang="de"]`)
		// Enter in a field means "Weiter", not the language switch.
		if err := step(ctx, chromedp.Focus(chromedp.CSS("#f-betrieb-kontakt-telefon"), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
		submitExpect(t, ctx, "Betrieb", chromedp.KeyEvent(kb.Enter), 200)
		wantStep(t, b, "Personen", "personen")
		if v := eval[string](t, ctx, `document.querySelector("#f-personen-0-familienname").value`); v != "Mustermann" {
			t.Errorf("family name not prefilled from the account: %q", v)
		}
		if exists(t, ctx, "#f-personen-0-aufenthaltstitel-art") {
			t.Error("residence title asked before the nationality is known")
		}
		if err := step(ctx,
			chromedp.Click(chromedp.CSS("#f-personen-0-funktion-0"), chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-geburtsdatum"), "27.03.1990"),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-geburtsort"), "Kyjiw"),
			chromedp.SetValue(chromedp.CSS("#f-personen-0-staatsangehoerigkeiten-0"), "UA"),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-strasse"), "Karl-Liebknecht-Straße"),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-hausnummer"), "12"),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-plz"), "04107"),
			chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-ort"), "Leipzig"),
		); err != nil {
			t.Fatal(err)
		}
		// The residence title appears as a new question, unmarked, with a note …
		submitExpect(t, ctx, "Personen mit neuer Frage", next, 200)
		wantStep(t, b, "Personen mit neuer Frage", "personen")
		if !exists(t, ctx, `#f-personen-0-aufenthaltstitel-art[required]`) || exists(t, ctx, `[aria-invalid="true"]`) || !exists(t, ctx, `p.flash[role="status"]`) {
			t.Fatal("residence title not shown as a new, unmarked question with a note")
		}
		// … and is required.
		submitExpect(t, ctx, "Personen ohne Aufenthaltstitel", next, 422)
		drain422(t, b)
		wantStep(t, b, "Personen mit Fehlern", "personen")
		if !exists(t, ctx, `#f-personen-0-aufenthaltstitel-art[required][aria-invalid="true"]`) || !exists(t, ctx, `.rh-error-summary a[href="#f-personen-0-aufenthaltstitel-art"]`) {
			t.Fatal("residence title not shown as a required field with an error")
		}
		if err := step(ctx, chromedp.SendKeys(chromedp.CSS("#f-personen-0-aufenthaltstitel-art"), "Aufenthaltserlaubnis nach § 21 AufenthG")); err != nil {
			t.Fatal(err)
		}
		submitExpect(t, ctx, "Personen", next, 200)
		wantStep(t, b, "Tätigkeit", "taetigkeit")

		if err := step(ctx,
			chromedp.SendKeys(chromedp.CSS("#f-taetigkeit-beschreibung"), "Reparatur und Verkauf von Fahrrädern"),
			chromedp.Click(chromedp.CSS("#f-betrieb-betriebsart-2"), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS("#f-betrieb-nebenerwerb-1"), chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.CSS("#f-anmeldung-beginn"), beginn()),
		); err != nil {
			t.Fatal(err)
		}
		submitExpect(t, ctx, "Tätigkeit", next, 200)
		wantStep(t, b, "Unterlagen", "unterlagen")
		submitExpect(t, ctx, "Unterlagen", next, 200)
		wantStep(t, b, "Prüfen", "pruefen")

		// Leave, and come back to the saved draft from the account.
		navigate(t, ctx, srv.URL+"/")
		navigate(t, ctx, srv.URL+"/konto")
		checkPage(t, b, "Mein Konto", "/konto")
		clickAndWait(t, ctx, `main .drafts a[href^="/antrag/"]`)
		wantStep(t, b, "Prüfen (fortgesetzt)", "pruefen")
		if exists(t, ctx, ".rh-error-summary") {
			t.Fatalf("review shows open problems:\n%s", readShell(t, ctx).Text)
		}

		clickAndWait(t, ctx, `main button.rh-button[value="submit"]`)
		for _, href := range checkReceipt(t, b) {
			fetchPDF(t, ctx, href)
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		b := NewBrowser(t)
		ctx := b.Ctx
		c := newCitizen("gewerbe-tastatur")
		registerKeyboard(t, b, srv, mp, c)

		navigate(t, ctx, srv.URL+"/")
		TabTo(t, ctx, `header a[href="/leistungen"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		TabTo(t, ctx, "#q", maxTabs)
		TypeText(t, ctx, "Gewerbe anmelden")
		PressEnterAndWait(t, ctx)
		checkPage(t, b, "Suche", "/leistungen")
		TabTo(t, ctx, `main .cards a[href="/leistungen/`+anmeldungKey+`"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		checkPage(t, b, "Gewerbe anmelden", "/leistungen/"+anmeldungKey)
		TabTo(t, ctx, "#ort", maxTabs)
		TypeText(t, ctx, "04109")
		PressEnterAndWait(t, ctx)
		checkPage(t, b, "Zuständigkeitsfinder", "/leistungen/"+anmeldungKey)
		TabTo(t, ctx, `a[href="/antrag/neu?leistung=`+anmeldungKey+`&ags=14713000"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		wantStep(t, b, "Einstieg", "einstieg")

		pick := func(sel, typed, want string) {
			t.Helper()
			TabTo(t, ctx, sel, maxTabs)
			PressKeys(t, ctx, typed)
			if v := Focused(t, ctx).Value; v != want {
				t.Fatalf("typing %q on %s chose %q, want %q", typed, sel, v, want)
			}
		}
		field := func(sel, text string) {
			t.Helper()
			TabTo(t, ctx, sel, maxTabs)
			TypeText(t, ctx, text)
		}
		check := func(sel string, keys string) {
			t.Helper()
			TabTo(t, ctx, sel, maxTabs)
			PressKeys(t, ctx, keys)
		}
		weiter := func(what string, status int64) {
			t.Helper()
			TabTo(t, ctx, `main button.rh-button[value="next"]`, maxTabs)
			submitExpect(t, ctx, what, chromedp.KeyEvent(kb.Enter), status)
		}

		pick("#f-betrieb-rechtsform", "Einz", "einzelunternehmen")
		check("#f-betrieb-niederlassungsart-0", " ")
		check("#f-anmeldung-grund-0", " ")
		weiter("Einstieg", 200)
		wantStep(t, b, "Betrieb", "betrieb")

		field("#f-betrieb-geschaeftsbezeichnung", "Fahrradwerkstatt Mustermann")
		field("#f-betrieb-betriebsstaette-strasse", "Markt")
		field("#f-betrieb-betriebsstaette-hausnummer", "1")
		field("#f-betrieb-betriebsstaette-plz", "04109")
		field("#f-betrieb-betriebsstaette-ort", "Leipzig")
		field("#f-betrieb-kontakt-telefon", "0341 1234567")
		weiter("Betrieb", 200)
		wantStep(t, b, "Personen", "personen")

		check("#f-personen-0-funktion-0", " ")
		field("#f-personen-0-geburtsdatum", "27.03.1990")
		field("#f-personen-0-geburtsort", "Kyjiw")
		pick("#f-personen-0-staatsangehoerigkeiten-0", "Ukr", "UA")
		field("#f-personen-0-anschrift-strasse", "Karl-Liebknecht-Straße")
		field("#f-personen-0-anschrift-hausnummer", "12")
		field("#f-personen-0-anschrift-plz", "04107")
		field("#f-personen-0-anschrift-ort", "Leipzig")
		weiter("Personen mit neuer Frage", 200)
		wantStep(t, b, "Personen mit neuer Frage", "personen")
		if f := Focused(t, ctx); f.ID != "f-personen-0-aufenthaltstitel-art" {
			t.Errorf("after new questions, focus is on %s, want the first of them", f)
		}
		weiter("Personen ohne Aufenthaltstitel", 422)
		drain422(t, b)
		wantStep(t, b, "Personen mit Fehlern", "personen")
		if f := Focused(t, ctx); f.ID != "error-summary" {
			t.Errorf("after the error, focus is on %s, want the error summary", f)
		}
		field("#f-personen-0-aufenthaltstitel-art", "Aufenthaltserlaubnis nach § 21 AufenthG")
		weiter("Personen", 200)
		wantStep(t, b, "Tätigkeit", "taetigkeit")

		field("#f-taetigkeit-beschreibung", "Reparatur und Verkauf von Fahrrädern")
		check("#f-betrieb-betriebsart-2", " ")
		check("#f-betrieb-nebenerwerb-0", kb.ArrowDown)
		if !eval[bool](t, ctx, `document.querySelector("#f-betrieb-nebenerwerb-1").checked`) {
			t.Fatal("arrow key did not choose „Nein“ for Nebenerwerb")
		}
		field("#f-anmeldung-beginn", beginn())
		weiter("Tätigkeit", 200)
		wantStep(t, b, "Unterlagen", "unterlagen")
		weiter("Unterlagen", 200)
		wantStep(t, b, "Prüfen", "pruefen")

		navigate(t, ctx, srv.URL+"/")
		navigate(t, ctx, srv.URL+"/konto")
		TabTo(t, ctx, `main .drafts a[href^="/antrag/"]`, maxTabs*2)
		PressEnterAndWait(t, ctx)
		wantStep(t, b, "Prüfen (fortgesetzt)", "pruefen")

		TabTo(t, ctx, `main button.rh-button[value="submit"]`, maxTabs*3)
		PressEnterAndWait(t, ctx)
		hrefs := checkReceipt(t, b)
		for _, href := range hrefs {
			TabTo(t, ctx, `main a[href="`+href+`"]`, maxTabs)
			fetchPDF(t, ctx, href)
		}
	})
}

// registerPointer registers and logs in with the mouse (the steps of TestCitizenJourneyAccessible).
func registerPointer(t *testing.T, b *Browser, srv *testenv.Server, mp *testenv.Mailpit, c citizen) {
	t.Helper()
	ctx := b.Ctx
	navigate(t, ctx, srv.URL+"/registrieren")
	if err := step(ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), c.Name),
		chromedp.SendKeys(chromedp.CSS("#email"), c.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), c.Password),
		chromedp.SendKeys(chromedp.CSS("#password_confirm"), c.Password),
		chromedp.Click(chromedp.CSS("#privacy"), chromedp.NodeVisible),
	); err != nil {
		t.Fatalf("fill the registration form: %v", err)
	}
	clickAndWait(t, ctx, `form:has(#email) button[type="submit"]`)
	navigate(t, ctx, confirmationLink(t, mp, srv, c))
	navigate(t, ctx, srv.URL+"/anmelden")
	if err := step(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), c.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), c.Password),
	); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, ctx, `form:has(#password) button[type="submit"]`)
	wantPath(t, b, "/konto")
}

// registerKeyboard registers and logs in with the keyboard alone.
func registerKeyboard(t *testing.T, b *Browser, srv *testenv.Server, mp *testenv.Mailpit, c citizen) {
	t.Helper()
	ctx := b.Ctx
	navigate(t, ctx, srv.URL+"/")
	TabTo(t, ctx, `header a[href="/registrieren"]`, maxTabs)
	PressEnterAndWait(t, ctx)
	for _, f := range [][2]string{{"#name", c.Name}, {"#email", c.Email}, {"#password", c.Password}, {"#password_confirm", c.Password}} {
		TabTo(t, ctx, f[0], maxTabs)
		TypeText(t, ctx, f[1])
	}
	TabTo(t, ctx, "#privacy", maxTabs)
	PressKeys(t, ctx, " ")
	TabTo(t, ctx, `form:has(#email) button[type="submit"]`, maxTabs)
	PressEnterAndWait(t, ctx)
	navigate(t, ctx, confirmationLink(t, mp, srv, c))
	TabTo(t, ctx, `a[href="/anmelden"]`, maxTabs)
	PressEnterAndWait(t, ctx)
	TabTo(t, ctx, "#email", maxTabs)
	TypeText(t, ctx, c.Email)
	TabTo(t, ctx, "#password", maxTabs)
	TypeText(t, ctx, c.Password)
	TabTo(t, ctx, `form:has(#password) button[type="submit"]`, maxTabs)
	PressEnterAndWait(t, ctx)
	wantPath(t, b, "/konto")
}
